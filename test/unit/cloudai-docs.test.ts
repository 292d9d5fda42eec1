// docs/migrating-from-cloudai.md carries the importer's field table: generated
// from lib/import/cloudai, so the document cannot drift from what the import does.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIELD_TABLE } from "../../lib/import/cloudai";
import { withFieldTable } from "../../lib/import/cloudai/field-docs";

test("the field table of docs/migrating-from-cloudai.md is the importer's own (regenerate: npx tsx scripts/cloudai-field-table.ts)", () => {
    const doc = fs.readFileSync(path.join(__dirname, "../../docs/migrating-from-cloudai.md"), "utf8");
    assert.equal(doc, withFieldTable(doc, FIELD_TABLE));
    for (const row of FIELD_TABLE) assert.ok(doc.includes(`| \`${row.field.replace(/\|/g, "\\|")}\` | ${row.outcome} |`), `${row.scope} ${row.field}`);
});

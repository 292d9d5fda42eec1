// Regenerates the field table of docs/migrating-from-cloudai.md from the
// importer's own table (lib/import/cloudai). Run: npx tsx scripts/cloudai-field-table.ts
import * as fs from "node:fs";
import * as path from "node:path";
import { FIELD_TABLE } from "../lib/import/cloudai";
import { withFieldTable } from "../lib/import/cloudai/field-docs";

const file = path.resolve(__dirname, "../docs/migrating-from-cloudai.md");
fs.writeFileSync(file, withFieldTable(fs.readFileSync(file, "utf8"), FIELD_TABLE));
console.log(`wrote the field table of ${file} (${FIELD_TABLE.length} rows)`);

// The field table as the Markdown table of docs/migrating-from-cloudai.md,
// between two marker lines, so the document is generated from the table the
// importer uses (`npx tsx scripts/cloudai-field-table.ts`) and a
// unit test fails when they differ.
import type { FieldRow, Scope } from "./table";

export const BEGIN = "<!-- field table: generated from lib/import/cloudai (field-docs.ts); do not edit by hand -->";
export const END = "<!-- end of field table -->";

const SCOPE_TITLE: Record<Scope, string> = {
    test: "Any test definition",
    AIDynamo: "AIDynamo test (`cmd_args`)",
    DynamoMocker: "DynamoMocker test (`cmd_args`)",
    scenario: "Scenario file",
    run: "Scenario `[[Tests]]` entry",
    system: "System file",
};

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function fieldTableMarkdown(rows: readonly FieldRow[]): string {
    const out: string[] = [];
    for (const scope of Object.keys(SCOPE_TITLE) as Scope[]) {
        const own = rows.filter((r) => r.scope === scope);
        if (own.length === 0) continue;
        out.push(`### ${SCOPE_TITLE[scope]}`, "", "| CloudAI field | outcome | dynamo-bench | how, or why not |", "|---|---|---|---|");
        for (const r of own) out.push(`| \`${cell(r.field)}\` | ${r.outcome} | ${r.to ? `\`${cell(r.to)}\`` : ""} | ${cell(r.note)} |`);
        out.push("");
    }
    return out.join("\n").trimEnd();
}

/** The document with its generated section replaced. */
export function withFieldTable(doc: string, rows: readonly FieldRow[]): string {
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (start < 0 || end < start) throw new Error(`expected the markers ${BEGIN} ... ${END}`);
    return `${doc.slice(0, start + BEGIN.length)}\n\n${fieldTableMarkdown(rows)}\n\n${doc.slice(end)}`;
}

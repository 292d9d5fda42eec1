// report.md: the report document as GitHub-flavoured markdown, with the charts
// as image links to the SVG files beside it. Pure.
import type { ChartSpec } from "./charts";
import type { ReportDocument, Table } from "./document";

export function renderMarkdown(doc: ReportDocument, charts: readonly ChartSpec[]): string {
    const parts = [`# ${doc.title}`, doc.intro, "## Charts", ...charts.map((c) => `![${c.title}](${c.file})`)];
    for (const section of doc.sections) {
        parts.push(`${"#".repeat(section.level)} ${section.heading}`);
        if (section.text) parts.push(section.text);
        if (section.table) parts.push(markdownTable(section.table));
    }
    return parts.join("\n\n") + "\n";
}

export function markdownTable(table: Table): string {
    const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
    const rule = `|${table.numeric.map((n) => (n ? " ---: " : " --- ")).join("|")}|`;
    return [row(table.header), rule, ...table.rows.map(row)].join("\n");
}

/** A cell on one line with its pipes escaped, so a setting value cannot break the table. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

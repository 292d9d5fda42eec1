// report.html: the same document as report.md with the charts' SVG inline,
// self-contained (no script, no stylesheet or image from anywhere else), so it
// opens offline and can be attached or archived as one file. Pure.
import type { ReportDocument, Table } from "./document";

export interface InlineChart {
    /** The chart's file name, used as the id of its figure. */
    file: string;
    title: string;
    svg: string;
}

const STYLE = `body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:13px;color:#555}`;

export function renderHtml(doc: ReportDocument, charts: readonly InlineChart[]): string {
    const body = [`<h1>${escape(doc.title)}</h1>`, `<p>${escape(doc.intro)}</p>`, "<h2>Charts</h2>", ...charts.map(figure)];
    for (const section of doc.sections) {
        body.push(`<h${section.level}>${escape(section.heading)}</h${section.level}>`);
        if (section.text) body.push(`<p>${escape(section.text)}</p>`);
        if (section.table) body.push(htmlTable(section.table));
    }
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        `<head><meta charset="utf-8"><title>${escape(doc.title)}</title><style>${STYLE}</style></head>`,
        `<body>\n${body.join("\n")}\n</body>`,
        "</html>",
        "",
    ].join("\n");
}

function figure(chart: InlineChart): string {
    // The SVG is Vega's own output (text escaped by Vega); it goes in as markup.
    return `<figure id="${escape(chart.file)}" class="chart">${chart.svg}<figcaption>${escape(chart.title)} (${escape(chart.file)})</figcaption></figure>`;
}

function htmlTable(table: Table): string {
    const head = `<tr>${table.header.map((h) => `<th>${escape(h)}</th>`).join("")}</tr>`;
    const rows = table.rows.map((r) => `<tr>${r.map((c, i) => `<td${table.numeric[i] ? ' class="num"' : ""}>${escape(c)}</td>`).join("")}</tr>`);
    return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
}

function escape(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

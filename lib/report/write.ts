// Writes a report folder: report.md, one SVG per chart, and report.html with
// the same SVGs inline. The only part of lib/report that touches the disk.
import * as fs from "node:fs";
import * as path from "node:path";
import type { SweepLimits } from "../sweep/frontier";
import { reportCharts } from "./charts";
import { reportDocument } from "./document";
import { renderHtml, type InlineChart } from "./html";
import { renderMarkdown } from "./markdown";
import { buildReport, type ReportModel } from "./model";
import type { ReportSource } from "./sources";
import { renderSvg } from "./svg";

export interface WrittenReport {
    model: ReportModel;
    /** The files written, in the folder. */
    files: string[];
    /** Chart compiler warnings, by chart file. */
    warnings: string[];
}

export async function writeReport(sources: readonly ReportSource[], limits: SweepLimits, outDir: string): Promise<WrittenReport> {
    const model = buildReport(sources, limits);
    const charts = reportCharts(model);
    const rendered: InlineChart[] = [];
    const warnings: string[] = [];
    // One at a time: each render is quick, and the machine may be busy with benchmarks.
    for (const chart of charts) {
        const { svg, warnings: w } = await renderSvg(chart.spec);
        rendered.push({ file: chart.file, title: chart.title, svg });
        warnings.push(...w.map((message) => `${chart.file}: ${message}`));
    }
    const doc = reportDocument(model);
    await fs.promises.mkdir(outDir, { recursive: true });
    const files: Array<[string, string]> = [
        ["report.md", renderMarkdown(doc, charts)],
        ...rendered.map((c): [string, string] => [c.file, c.svg]),
        ["report.html", renderHtml(doc, rendered)],
    ];
    for (const [name, text] of files) await fs.promises.writeFile(path.join(outDir, name), text);
    return { model, files: files.map(([name]) => name), warnings };
}

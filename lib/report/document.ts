// The report's text content as data: headings, sentences and tables of
// formatted cells, built once from the report model. report.md and report.html
// are two renderings of this one document (markdown.ts, html.ts). Pure.
import type { FrontierEntry, Objective, SweepLimits } from "../sweep/frontier";
import type { ReportModel, SourceReport } from "./model";
import { PHASE_FIGURE_TITLES, phaseFigureCells } from "./phase-table";

export interface Table {
    header: string[];
    rows: string[][];
    /** Per column: right-aligned (figures) or not. */
    numeric: boolean[];
}

export interface Section {
    heading: string;
    /** 2 for a source, 3 for its parts. */
    level: 2 | 3;
    text?: string;
    table?: Table;
}

export interface ReportDocument {
    title: string;
    intro: string;
    sections: Section[];
}

const OBJECTIVE_NAMES: Record<Objective, string> = {
    outputTokenThroughputPerGpu: "max output tok/s per GPU",
    outputTokenThroughputPerUser: "max output tok/s per user",
};

const LIMIT_NAMES: Record<keyof SweepLimits, string> = { ttftP99Ms: "TTFT p99", itlP99Ms: "ITL p99", requestLatencyP99Ms: "request latency p99" };

const ENTRY_HEADER = ["point", "load", "concurrency", "request rate", "tok/s/GPU", "tok/s/user", "TTFT p99 ms", "ITL p99 ms", "latency p99 ms"];

export function reportDocument(model: ReportModel): ReportDocument {
    const count = model.rows.length;
    return {
        title: "Dynamo benchmark report",
        intro:
            `${model.sources.length} source(s), ${count} (point, load) candidate(s). ` +
            "The frontier and the best candidates of each source are recomputed here from the figures.",
        sections: [{ heading: "Sources", level: 2, table: sourcesTable(model) }, ...model.sources.flatMap((s) => sourceSections(s, model))],
    };
}

export function limitsText(limits: SweepLimits): string {
    const given = (Object.keys(LIMIT_NAMES) as Array<keyof SweepLimits>).filter((k) => limits[k] !== undefined);
    if (given.length === 0) return "No latency limits: best is the highest of all candidates";
    return `Latency limits for best: ${given.map((k) => `${LIMIT_NAMES[k]} <= ${limits[k]} ms`).join(", ")}; a candidate lacking a limited figure does not meet it`;
}

function sourcesTable(model: ReportModel): Table {
    const header = ["source", "kind", "target", "benchmark", "model", "Dynamo", "points", "candidates", "results"];
    const rows = model.sources.map(({ source }) => [
        source.label,
        source.kind,
        source.target ?? "-",
        source.benchmark ?? "-",
        source.model ?? "-",
        source.dynamoVersion ?? "-",
        String(source.points.length),
        String(model.rows.filter((r) => r.source === source.label).length),
        source.resultsStatus ?? "-",
    ]);
    return { header, rows, numeric: header.map((h) => h === "points" || h === "candidates") };
}

function sourceSections(report: SourceReport, model: ReportModel): Section[] {
    const { source, result } = report;
    const sections: Section[] = [
        { heading: `Source ${source.label}`, level: 2, text: source.kind === "sweep" ? `A sweep of ${source.points.length} point(s).` : "A single benchmark." },
        { heading: "Points", level: 3, table: pointsTable(report) },
        { heading: "Figures per load", level: 3, table: figuresTable(report) },
        {
            heading: "Pareto frontier",
            level: 3,
            text: "The (point, load) candidates no other candidate of this source beats in both output tok/s per GPU and per user, by tok/s per user.",
            table: entriesTable(result.frontier.map((e) => ["", e])),
        },
        {
            heading: "Best",
            level: 3,
            text: `${limitsText(model.limits)}.`,
            table: entriesTable(Object.entries(result.best).map(([objective, e]) => [OBJECTIVE_NAMES[objective as Objective], e])),
        },
    ];
    const rejected = Object.entries(source.rejected ?? {});
    if (rejected.length > 0) {
        sections.push({
            heading: "Rejected points",
            level: 3,
            text: "Points of the sweep skipped before deployment by a rule or constraint.",
            table: { header: ["point", "reasons"], rows: rejected.map(([id, reasons]) => [id, reasons.join("; ")]), numeric: [false, false] },
        });
    }
    if (result.unranked.length > 0) {
        sections.push({
            heading: "Not ranked",
            level: 3,
            text: "Candidates left out of the frontier and best, and why.",
            table: { header: ["point", "load", "reason"], rows: result.unranked.map((u) => [u.point, u.load, u.reason]), numeric: [false, false, false] },
        });
    }
    return sections;
}

function pointsTable(report: SourceReport): Table {
    const header = ["point", "settings", "worker GPUs", "results"];
    const rows = report.source.points.map((p) => [p.id, settingsText(p.settings), String(p.workerGpus), p.resultsStatus ?? report.source.resultsStatus ?? "-"]);
    return { header, rows, numeric: [false, false, true, false] };
}

function figuresTable(report: SourceReport): Table {
    const onFrontier = new Set(report.result.frontier.map((e) => JSON.stringify([e.point, e.load])));
    const header = ["point", "load", "concurrency", "request rate", ...PHASE_FIGURE_TITLES, "frontier"];
    const rows = report.source.points.flatMap((p) =>
        Object.entries(p.phases).map(([load, figures]) => [
            p.id,
            load,
            number(p.loads[load]?.concurrency, 0),
            number(p.loads[load]?.requestRate, 2),
            ...phaseFigureCells(figures),
            onFrontier.has(JSON.stringify([p.id, load])) ? "yes" : "",
        ]),
    );
    return { header, rows, numeric: header.map((_, i) => i >= 2 && i < header.length - 1) };
}

/** Frontier or best entries; the first column names the objective (best) or is dropped (frontier). */
function entriesTable(entries: Array<[string, FrontierEntry | undefined]>): Table {
    const labelled = entries.some(([name]) => name !== "");
    const header = labelled ? ["objective", ...ENTRY_HEADER] : ENTRY_HEADER;
    const rows = entries.map(([name, e]) => {
        const cells =
            e === undefined
                ? ["none meets the limits", ...ENTRY_HEADER.slice(1).map(() => "-")]
                : [
                      e.point,
                      e.load,
                      number(e.concurrency, 0),
                      number(e.requestRate, 2),
                      number(e.outputTokenThroughputPerGpuTokPerS, 1),
                      number(e.outputTokenThroughputPerUserTokPerS, 1),
                      number(e.ttftP99Ms, 1),
                      number(e.itlP99Ms, 2),
                      number(e.requestLatencyP99Ms, 1),
                  ];
        return labelled ? [name, ...cells] : cells;
    });
    const numeric = ENTRY_HEADER.map((_, i) => i >= 2);
    return { header, rows, numeric: labelled ? [false, ...numeric] : numeric };
}

function settingsText(settings: Record<string, unknown>): string {
    const entries = Object.entries(settings);
    if (entries.length === 0) return "-";
    return entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
}

function number(value: number | undefined, digits: number): string {
    return value === undefined ? "-" : value.toFixed(digits);
}

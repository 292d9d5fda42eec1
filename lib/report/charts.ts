// The report's charts as Vega-Lite specs: data, built by one small function
// per chart from the report model's rows (pure; rendering is in svg.ts). Every
// chart plots each (source, point, load) that has both of its figures as one
// mark in the layer named POINTS_LAYER, which the HTML test counts.
import type { TopLevelSpec } from "vega-lite/build/index";
import { niceMax, placeLabels, type Segment } from "./label-layout";
import type { CandidateRow, ReportModel } from "./model";

/** The name of the layer that holds one mark per candidate; Vega names its marks `<name>_marks`. */
export const POINTS_LAYER = "points";

export interface ChartSpec {
    /** File name in the report folder, also the chart's id in report.html. */
    file: string;
    title: string;
    spec: TopLevelSpec;
}

type Figure = "perGpu" | "perUser" | "ttftP99Ms" | "itlP99Ms" | "requestLatencyP99Ms";
type Latency = "ttftP99Ms" | "itlP99Ms" | "requestLatencyP99Ms";

/** Axis titles with their units, one place for every chart. */
const AXIS_TITLES: Record<Figure, string> = {
    perGpu: "output tokens/s per GPU",
    perUser: "output tokens/s per user",
    ttftP99Ms: "time to first token p99 (ms)",
    itlP99Ms: "inter-token latency p99 (ms)",
    requestLatencyP99Ms: "request latency p99 (ms)",
};

const LATENCY_NAMES: Record<Latency, string> = { ttftP99Ms: "TTFT p99", itlP99Ms: "ITL p99", requestLatencyP99Ms: "Request latency p99" };

const WIDTH = 560;
const HEIGHT = 360;
/** The frontier line when colours tell points apart (one source): neutral, so it is not read as one point's colour. */
const FRONTIER_COLOUR = "#333333";
/** Marks' areas in px² (Vega's point size), and the ring's radius for label clearance. */
const MARK_SIZE = 70;
const RING_SIZE = 260;
const RING_RADIUS = Math.sqrt(RING_SIZE / Math.PI) + 1;
const LABEL_FONT_SIZE = 10;
/** Generous for a 10 px sans-serif font, so estimated boxes contain the drawn text. */
const LABEL_METRICS = { charWidth: 6, lineHeight: 12, markRadius: 6 };
const CONFIG = { legend: { symbolOpacity: 1, labelLimit: 400 }, axis: { labelFontSize: 11, titleFontSize: 12 } };

/** What the colours tell apart: the sources when there are several, else the points of the one source. */
export interface Series {
    field: "source" | "pointLabel";
    title: string;
    domain: string[];
}

export function reportCharts(model: ReportModel): ChartSpec[] {
    const series = seriesOf(model);
    return [
        { file: "pareto.svg", title: "Throughput per GPU against throughput per user", spec: paretoSpec(model.rows, series) },
        { file: "ttft-vs-throughput.svg", title: "Time to first token against throughput per GPU", spec: latencySpec(model.rows, series, "ttftP99Ms") },
        { file: "itl-vs-throughput.svg", title: "Inter-token latency against throughput per GPU", spec: latencySpec(model.rows, series, "itlP99Ms") },
    ];
}

export function seriesOf(model: ReportModel): Series {
    const only = model.sources.length === 1 ? model.sources[0] : undefined;
    if (only !== undefined && only.source.points.length > 1) {
        return { field: "pointLabel", title: "point", domain: Object.values(only.pointLabels) };
    }
    return { field: "source", title: "source", domain: model.sources.map((s) => s.source.label) };
}

/** Every candidate as a point, each source's frontier as a line through its frontier points, which are ringed. */
export function paretoSpec(rows: readonly CandidateRow[], series: Series): TopLevelSpec {
    const frontierLines: Lines = { member: (r) => r.frontier, key: (r) => r.source, order: (r) => r.perUser ?? 0, ringed: true };
    const chart = plotted(rows, "perUser", "perGpu", series, frontierLines);
    const frontierColour = series.field === "source" ? colour(series) : { value: FRONTIER_COLOUR };
    return {
        title: {
            text: "Output tokens/s per GPU vs per user",
            subtitle: subtitle(`ringed and joined: the Pareto frontier${series.field === "source" ? " of each source" : ""}`, chart.hidden),
        },
        width: WIDTH,
        height: HEIGHT,
        data: { values: chart.values },
        encoding: { x: axis("perUser", chart.xMax), y: axis("perGpu", chart.yMax) },
        layer: [
            {
                transform: [{ filter: "datum.frontier" }],
                mark: { type: "line", strokeWidth: 2 },
                encoding: { color: frontierColour, detail: { field: "source" }, order: { field: "perUser", type: "quantitative" } },
            },
            {
                transform: [{ filter: "datum.frontier" }],
                mark: { type: "point", filled: false, size: RING_SIZE, strokeWidth: 1.5 },
                encoding: { color: frontierColour },
            },
            { name: POINTS_LAYER, mark: { type: "point", filled: true, size: MARK_SIZE, opacity: 1 }, encoding: { color: colour(series) } },
            labels(series),
        ],
        config: CONFIG,
    };
}

/** A p99 latency against throughput per GPU, the loads of one point joined in load order. */
export function latencySpec(rows: readonly CandidateRow[], series: Series, latency: Latency): TopLevelSpec {
    const pointLines: Lines = { member: () => true, key: (r) => JSON.stringify([r.source, r.point]), order: loadOrder, ringed: false };
    const chart = plotted(rows, "perGpu", latency, series, pointLines);
    const values = chart.values.map((r) => ({ ...r, line: pointLines.key(r), loadOrder: loadOrder(r) }));
    return {
        title: {
            text: `${LATENCY_NAMES[latency]} vs output tokens/s per GPU`,
            subtitle: subtitle("joined: the loads of one point, in load order", chart.hidden),
        },
        width: WIDTH,
        height: HEIGHT,
        data: { values },
        encoding: { x: axis("perGpu", chart.xMax), y: axis(latency, chart.yMax), color: colour(series) },
        layer: [
            {
                mark: { type: "line", strokeWidth: 1.5, opacity: 0.6 },
                encoding: { detail: { field: "line" }, order: { field: "loadOrder", type: "quantitative" } },
            },
            { name: POINTS_LAYER, mark: { type: "point", filled: true, size: MARK_SIZE, opacity: 1 } },
            labels(series),
        ],
        config: CONFIG,
    };
}

/** The lines a chart draws between its marks: which rows, grouped how, in what order; and whether their marks are ringed. */
interface Lines {
    member: (r: CandidateRow) => boolean;
    key: (r: CandidateRow) => string;
    order: (r: CandidateRow) => number;
    ringed: boolean;
}

type Plotted = CandidateRow & { text: string; labelX?: number; labelY?: number };

/**
 * The rows that have both figures (a mark needs both coordinates), the axes'
 * upper ends, and where each mark's text goes (labelX, labelY in data units,
 * absent when it would overlap a mark, a line or another text): the axes are
 * fixed here so that pixels are known when the texts are placed.
 */
function plotted(
    rows: readonly CandidateRow[],
    x: Figure,
    y: Figure,
    series: Series,
    lines: Lines,
): { values: Plotted[]; xMax: number; yMax: number; hidden: number } {
    const kept = rows.filter((r) => r[x] !== undefined && r[y] !== undefined);
    const xMax = niceMax(Math.max(0, ...kept.map((r) => r[x]!)));
    const yMax = niceMax(Math.max(0, ...kept.map((r) => r[y]!)));
    const px = (r: CandidateRow) => (r[x]! / xMax) * WIDTH;
    const py = (r: CandidateRow) => HEIGHT - (r[y]! / yMax) * HEIGHT;
    // Colours name the point when they tell points apart, so the mark's text needs only the load.
    const texts = kept.map((r) => (series.field === "pointLabel" ? r.load : r.label));
    const requests = kept.map((r, i) => ({
        x: px(r),
        y: py(r),
        text: texts[i]!,
        priority: r.frontier ? 1 : 0,
        ...(lines.ringed && lines.member(r) ? { radius: RING_RADIUS } : {}),
    }));
    const places = placeLabels(requests, { width: WIDTH, height: HEIGHT }, LABEL_METRICS, segments(kept.filter(lines.member), lines, px, py));
    const values = kept.map((r, i) => {
        const place = places[i];
        const text = texts[i]!;
        return place === undefined ? { ...r, text } : { ...r, text, labelX: (place.x / WIDTH) * xMax, labelY: ((HEIGHT - place.y) / HEIGHT) * yMax };
    });
    return { values, xMax, yMax, hidden: places.filter((p) => p === undefined).length };
}

/** The pixel segments of the lines, so texts keep off them. */
function segments(rows: readonly CandidateRow[], lines: Lines, px: (r: CandidateRow) => number, py: (r: CandidateRow) => number): Segment[] {
    const groups = new Map<string, CandidateRow[]>();
    for (const r of rows) groups.set(lines.key(r), [...(groups.get(lines.key(r)) ?? []), r]);
    return [...groups.values()].flatMap((group) => {
        const sorted = [...group].sort((a, b) => lines.order(a) - lines.order(b));
        return sorted.slice(1).map((b, i): Segment => [px(sorted[i]!), py(sorted[i]!), px(b), py(b)]);
    });
}

/**
 * Short subtitle lines: without a canvas Vega estimates text widths generously,
 * and a long line would widen the whole SVG.
 */
function subtitle(lines: string, hidden: number): string[] {
    return ["every (point, load) as a dot", lines, ...(hidden === 0 ? [] : [`${hidden} label(s) left out where they would overlap`])];
}

/** Loads of a point in the order they load it: concurrency, else request rate, else the throughput reached. */
function loadOrder(row: CandidateRow): number {
    return row.concurrency ?? row.requestRate ?? row.perGpu ?? 0;
}

function axis(field: Figure, max: number) {
    return { field, type: "quantitative" as const, title: AXIS_TITLES[field], scale: { domain: [0, max], nice: false } };
}

/** One colour per series; the legend only when there is more than one to tell apart. */
function colour(series: Series) {
    const scheme = series.domain.length > 10 ? "tableau20" : "tableau10";
    return {
        field: series.field,
        type: "nominal" as const,
        title: series.title,
        scale: { domain: series.domain, scheme },
        ...(series.domain.length > 1 ? {} : { legend: null }),
    };
}

/** Each placed text at its own spot, left edge and vertical middle; texts that fit nowhere are not drawn. */
function labels(series: Series) {
    const at = (field: "labelX" | "labelY") => ({ field, type: "quantitative" as const });
    return {
        transform: [{ filter: "isValid(datum.labelX)" }],
        mark: { type: "text" as const, align: "left" as const, baseline: "middle" as const, fontSize: LABEL_FONT_SIZE },
        encoding: { x: at("labelX"), y: at("labelY"), text: { field: "text" }, color: colour(series) },
    };
}

// The report's charts as Vega-Lite specs: data, built by one small function
// per chart from the report model's rows (pure; rendering is in svg.ts). Every
// chart plots each (source, point, load) that has both of its figures as one
// mark in the layer named POINTS_LAYER, which the HTML test counts.
import type { TopLevelSpec } from "vega-lite/build/index";
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
    const frontierColour = series.field === "source" ? colour(series) : { value: FRONTIER_COLOUR };
    return {
        title: {
            text: "Output tokens/s per GPU vs per user",
            subtitle: "every (point, load); ringed and joined: the Pareto frontier" + (series.field === "source" ? " of each source" : ""),
        },
        width: WIDTH,
        height: HEIGHT,
        data: { values: plotted(rows, "perUser", "perGpu", series) },
        encoding: { x: axis("perUser"), y: axis("perGpu") },
        layer: [
            {
                transform: [{ filter: "datum.frontier" }],
                mark: { type: "line", strokeWidth: 2 },
                encoding: { color: frontierColour, detail: { field: "source" }, order: { field: "perUser", type: "quantitative" } },
            },
            {
                transform: [{ filter: "datum.frontier" }],
                mark: { type: "point", filled: false, size: 260, strokeWidth: 1.5 },
                encoding: { color: frontierColour },
            },
            { name: POINTS_LAYER, mark: { type: "point", filled: true, size: 70, opacity: 1 }, encoding: { color: colour(series) } },
            labels(series),
        ],
        config: CONFIG,
    };
}

/** A p99 latency against throughput per GPU, the loads of one point joined in load order. */
export function latencySpec(rows: readonly CandidateRow[], series: Series, latency: Latency): TopLevelSpec {
    const values = plotted(rows, "perGpu", latency, series).map((r) => ({ ...r, line: JSON.stringify([r.source, r.point]), loadOrder: loadOrder(r) }));
    return {
        title: { text: `${LATENCY_NAMES[latency]} vs output tokens/s per GPU`, subtitle: "every (point, load); line: the loads of one point, in load order" },
        width: WIDTH,
        height: HEIGHT,
        data: { values },
        encoding: { x: axis("perGpu"), y: axis(latency), color: colour(series) },
        layer: [
            {
                mark: { type: "line", strokeWidth: 1.5, opacity: 0.6 },
                encoding: { detail: { field: "line" }, order: { field: "loadOrder", type: "quantitative" } },
            },
            { name: POINTS_LAYER, mark: { type: "point", filled: true, size: 70, opacity: 1 } },
            labels(series),
        ],
        config: CONFIG,
    };
}

/** The rows that have both figures (a mark needs both coordinates), with the text written beside each mark. */
function plotted(rows: readonly CandidateRow[], x: Figure, y: Figure, series: Series): Array<CandidateRow & { text: string }> {
    // Colours name the point when they tell points apart, so the mark's text needs only the load.
    return rows.filter((r) => r[x] !== undefined && r[y] !== undefined).map((r) => ({ ...r, text: series.field === "pointLabel" ? r.load : r.label }));
}

/** Loads of a point in the order they load it: concurrency, else request rate, else the throughput reached. */
function loadOrder(row: CandidateRow): number {
    return row.concurrency ?? row.requestRate ?? row.perGpu ?? 0;
}

function axis(field: Figure) {
    return { field, type: "quantitative" as const, title: AXIS_TITLES[field], scale: { zero: true, nice: true } };
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

function labels(series: Series) {
    return {
        mark: { type: "text" as const, align: "left" as const, baseline: "bottom" as const, dx: 6, dy: -4, fontSize: 10 },
        encoding: { text: { field: "text" }, color: colour(series) },
    };
}

// What a report shows, computed once from the sources: per source its frontier
// and best candidates (recomputed from the figures), a label per point from
// the settings that differ, and one flat row per (source, point, load) that
// the tables and the charts both read. Pure.
import { definedOnly } from "../outputs";
import type { StackOutputs } from "../results";
import { computeFrontier, type FrontierResult, type SweepLimits } from "../sweep/frontier";
import type { ReportPoint, ReportSource } from "./sources";

/** One (source, point, load) candidate with the figures the charts plot; absent figures stay absent. */
export interface CandidateRow {
    source: string;
    point: string;
    /** The point as told apart from its source's other points (what differs), "" when the source has one point. */
    pointLabel: string;
    load: string;
    /** What a chart writes next to the mark: the point label and the load. */
    label: string;
    concurrency?: number;
    requestRate?: number;
    perGpu?: number;
    perUser?: number;
    ttftP99Ms?: number;
    itlP99Ms?: number;
    requestLatencyP99Ms?: number;
    /** On its source's Pareto frontier. */
    frontier: boolean;
}

export interface SourceReport {
    source: ReportSource;
    /** The setting keys whose values differ between this source's points. */
    differing: string[];
    /** Point id -> its label. */
    pointLabels: Record<string, string>;
    result: FrontierResult;
}

export interface ReportModel {
    sources: SourceReport[];
    rows: CandidateRow[];
    limits: SweepLimits;
}

/** Labels longer than this fall back to the point id, which the sweep derives from what differs anyway. */
const MAX_LABEL = 60;

export function buildReport(sources: readonly ReportSource[], limits: SweepLimits = {}): ReportModel {
    const reports = sources.map((source): SourceReport => {
        const differing = differingSettings(source.points);
        const pointLabels = Object.fromEntries(source.points.map((p) => [p.id, pointLabel(p, differing, source.points.length)]));
        return { source, differing, pointLabels, result: computeFrontier(source.points, limits) };
    });
    return { sources: reports, rows: reports.flatMap(rowsOf), limits };
}

/** The setting keys that do not hold the same value on every point (a key missing on some point differs too). */
export function differingSettings(points: readonly ReportPoint[]): string[] {
    const keys = [...new Set(points.flatMap((p) => Object.keys(p.settings)))];
    return keys.filter((key) => new Set(points.map((p) => JSON.stringify(p.settings[key]) ?? "undefined")).size > 1);
}

function pointLabel(point: ReportPoint, differing: readonly string[], pointCount: number): string {
    if (pointCount === 1) return "";
    const label = differing.map((key) => `${key}=${settingText(point.settings[key])}`).join(" ");
    return label === "" || label.length > MAX_LABEL ? point.id : label;
}

function settingText(value: unknown): string {
    if (value === undefined) return "-";
    return typeof value === "string" ? value : JSON.stringify(value);
}

function rowsOf(report: SourceReport): CandidateRow[] {
    const onFrontier = new Set(report.result.frontier.map((e) => key(e.point, e.load)));
    return report.source.points.flatMap((point) =>
        Object.entries(point.phases).map(([load, figures]) => {
            const pointLabel = report.pointLabels[point.id] ?? point.id;
            return definedOnly({
                source: report.source.label,
                point: point.id,
                pointLabel,
                load,
                label: pointLabel === "" ? load : `${pointLabel} ${load}`,
                concurrency: point.loads[load]?.concurrency,
                requestRate: point.loads[load]?.requestRate,
                ...figuresOf(figures),
                frontier: onFrontier.has(key(point.id, load)),
            });
        }),
    );
}

function figuresOf(f: StackOutputs): Pick<CandidateRow, "perGpu" | "perUser" | "ttftP99Ms" | "itlP99Ms" | "requestLatencyP99Ms"> {
    return {
        perGpu: finite(f.outputTokenThroughputPerGpuTokPerS),
        perUser: finite(f.outputTokenThroughputPerUserTokPerS),
        ttftP99Ms: finite(f.ttftMs?.p99),
        itlP99Ms: finite(f.itlMs?.p99),
        requestLatencyP99Ms: finite(f.requestLatencyMs?.p99),
    };
}

const key = (point: string, load: string) => JSON.stringify([point, load]);

function finite(value: number | undefined): number | undefined {
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

// The metrics a gate can name: the per-phase figure keys of the stack outputs
// (lib/results/outputs.ts), a distribution's statistics as `<key>.<stat>`, and
// which way is better for each. The table below is typed against StackOutputs,
// so a figure added there without a direction here does not compile.
import { DIST_KEYS, type StackOutputs } from "../results/outputs";

/** Which way a metric improves; `none` for counts and shapes that are facts of the run, not goals. */
export type Direction = "lower" | "higher" | "none";

type FigureKind = { kind: "distribution" | "scalar"; better: Direction };

const FIGURES: Record<keyof StackOutputs, FigureKind> = {
    ttftMs: { kind: "distribution", better: "lower" },
    ttstMs: { kind: "distribution", better: "lower" },
    itlMs: { kind: "distribution", better: "lower" },
    requestLatencyMs: { kind: "distribution", better: "lower" },
    inputSequenceLengthTokens: { kind: "distribution", better: "none" },
    outputSequenceLengthTokens: { kind: "distribution", better: "none" },
    outputTokenThroughputTokPerS: { kind: "scalar", better: "higher" },
    outputTokenThroughputPerGpuTokPerS: { kind: "scalar", better: "higher" },
    outputTokenThroughputPerUserTokPerS: { kind: "scalar", better: "higher" },
    totalTokenThroughputTokPerS: { kind: "scalar", better: "higher" },
    requestThroughputReqPerS: { kind: "scalar", better: "higher" },
    goodputReqPerS: { kind: "scalar", better: "higher" },
    requestCount: { kind: "scalar", better: "none" },
    errorCount: { kind: "scalar", better: "lower" },
    completionRate: { kind: "scalar", better: "higher" },
    benchmarkDurationS: { kind: "scalar", better: "none" },
};

/** Every metric path a gate may name, in the order of the outputs: `ttftMs.avg`, ..., `outputTokenThroughputPerGpuTokPerS`, ... */
export const METRIC_PATHS: readonly string[] = (Object.entries(FIGURES) as Array<[string, FigureKind]>).flatMap(([key, f]) =>
    f.kind === "scalar" ? [key] : DIST_KEYS.map((stat) => `${key}.${stat}`),
);

const DIRECTIONS: ReadonlyMap<string, Direction> = new Map(METRIC_PATHS.map((p) => [p, FIGURES[p.split(".")[0] as keyof StackOutputs].better]));

export function isMetric(path: string): boolean {
    return DIRECTIONS.has(path);
}

export function directionOf(path: string): Direction {
    return DIRECTIONS.get(path) ?? "none";
}

/** The metrics with a better direction: the ones a regression tolerance can apply to. */
export const COMPARABLE_METRICS: readonly string[] = METRIC_PATHS.filter((p) => directionOf(p) !== "none");

/** The value of a metric path in one phase's figures (a spread or a mean alike), if it was measured. */
export function metricValue(figures: object | undefined, path: string): number | undefined {
    let node: unknown = figures;
    for (const part of path.split(".")) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[part];
    }
    return typeof node === "number" && Number.isFinite(node) ? node : undefined;
}

/** The valid names, short enough for an error line: distributions as `<key>.<stat>` once, then the scalars. */
export function describeMetrics(paths: readonly string[] = METRIC_PATHS): string {
    const dists = [...new Set(paths.filter((p) => p.includes(".")).map((p) => p.split(".")[0]!))];
    const scalars = paths.filter((p) => !p.includes("."));
    const stats = DIST_KEYS.join("|");
    return [...dists.map((d) => `${d}.{${stats}}`), ...scalars].join(", ");
}

/** What a name that is not a metric should have been, with the valid ones; the caller adds what it got. */
export function unknownMetric(paths: readonly string[] = METRIC_PATHS): string {
    return `expected a metric of the stack outputs (${describeMetrics(paths)})`;
}

// A sweep's stack outputs from its points' figures (pure; components/sweep.ts
// does the Pulumi wiring): the usual top-level keys, summarised over the
// points, plus `points`, `frontier` and `best` (docs/sweeps.md).
import type { BenchmarkSpec } from "../../config/resolve";
import type { RejectedPoint } from "../../config/load-sweep";
import { RESULTS_COLLECTED, definedOnly, specOutputs, type BenchmarkOutputValues, type BenchmarkTimings } from "../outputs";
import type { StackOutputs } from "../results";
import { computeFrontier, type FrontierEntry, type Objective, type PointLoad, type SweepLimits } from "./frontier";

/** What one point of a sweep reports under `points.<id>`. */
export interface SweepPointOutput {
    /** The point's settings as typed: dotted path -> value. */
    settings: Record<string, unknown>;
    workerGpus: number;
    /** Phase name -> the load it applied. */
    loads: Record<string, PointLoad>;
    phases: Record<string, StackOutputs>;
    timings: BenchmarkTimings;
    resultsStatus: string;
    /** The target's own details for this point (run folder, graph and Job names, Slurm job id). */
    details: Record<string, unknown>;
}

/** The keys a sweep stack has on top of BENCHMARK_OUTPUT_KEYS, in the order docs/sweeps.md lists them. */
export const SWEEP_OUTPUT_KEYS = ["points", "frontier", "best"] as const;

export interface SweepOutputValues extends BenchmarkOutputValues<{ rejectedPoints: Record<string, string[]> }> {
    points: Record<string, SweepPointOutput>;
    frontier: FrontierEntry[];
    best: Partial<Record<Objective, FrontierEntry>>;
}

/** Phase name -> the load it applies, from the resolved phases. */
export function pointLoads(spec: Pick<BenchmarkSpec, "phases">): Record<string, PointLoad> {
    return Object.fromEntries(spec.phases.map((p) => [p.name, definedOnly({ concurrency: p.concurrency, requestRate: p.requestRate })]));
}

/** "collected" when every point collected; one shared status as is; otherwise a count and each point's status. */
export function sweepResultsStatus(statuses: Record<string, string>): string {
    const distinct = [...new Set(Object.values(statuses))];
    if (distinct.length === 1) return distinct[0]!;
    const collected = Object.values(statuses).filter((s) => s === RESULTS_COLLECTED).length;
    const others = Object.entries(statuses)
        .filter(([, s]) => s !== RESULTS_COLLECTED)
        .map(([id, s]) => `${id}: ${s}`);
    return `collected for ${collected} of ${Object.keys(statuses).length} points; ${others.join("; ")}`;
}

/** The outputs known from the plan alone (at preview too). */
export type SweepPlanOutputs = Omit<SweepOutputValues, SweepResultKey>;
export type SweepResultKey = "resultsStatus" | "points" | "frontier" | "best";

export function sweepPlanOutputs(name: string, specs: readonly BenchmarkSpec[], rejected: readonly RejectedPoint[]): SweepPlanOutputs {
    return {
        ...specOutputs(specs[0]!),
        benchmark: name,
        workerGpus: Math.max(...specs.map((s) => s.totalWorkerGpus)),
        // Per-load figures live under points.<id>.phases; the top level has no single deployment to report.
        phases: {},
        timings: {},
        details: { rejectedPoints: Object.fromEntries(rejected.map((r) => [r.id, r.reasons.map((v) => `${v.path} ${v.message}`)])) },
    };
}

/** The outputs that need every point's results. */
export function sweepResultOutputs(points: Record<string, SweepPointOutput>, limits: SweepLimits): Pick<SweepOutputValues, SweepResultKey> {
    const { frontier, best } = computeFrontier(
        Object.entries(points).map(([id, p]) => ({ id, settings: p.settings, workerGpus: p.workerGpus, loads: p.loads, phases: p.phases })),
        limits,
    );
    return {
        resultsStatus: sweepResultsStatus(Object.fromEntries(Object.entries(points).map(([id, p]) => [id, p.resultsStatus]))),
        points,
        frontier,
        best: definedOnly(best),
    };
}

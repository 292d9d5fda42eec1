// benchmark.repeats: each phase runs k times. The targets need not know: the
// program hands them a spec whose phases are the runs (round by round, so a
// drift of the machine spreads over every phase instead of biasing the last
// one), and folds the runs' figures back into one entry per phase: the mean of
// each figure, its spread (max - min over the runs) and the runs themselves.
import type { BenchmarkSpec, ResolvedPhase } from "../../config/resolve";
import type { StackOutputs } from "../results/outputs";

/** What a phase run k > 1 times adds to its figures. */
export interface PhaseRepeats {
    count: number;
    /** Per figure, max - min over the runs (same shape as the figures). */
    spread: StackOutputs;
    /** Each run's own figures, in run order. */
    runs: StackOutputs[];
}

/** One phase's figures in the stack outputs: the figures (the runs' mean when repeated) and, when repeated, how they spread. */
export type PhaseFigures = StackOutputs & { repeats?: PhaseRepeats };

/** The name of run `index` (1-based) of a phase: folder- and label-safe on every target. */
export function runName(phase: string, index: number): string {
    return `${phase}-r${index}`;
}

/** The spec a target runs: with repeats > 1, every phase once per round, named by runName. */
export function runSpec(spec: BenchmarkSpec): BenchmarkSpec {
    const { repeats, ...benchmark } = spec.benchmark;
    // Without `repeats` the spec a target sees (and hashes into its triggers) is what it was before repeats existed.
    const target = { ...spec, benchmark: benchmark as BenchmarkSpec["benchmark"] };
    if (repeats <= 1) return target;
    const rounds = Array.from({ length: repeats }, (_, i) => i + 1);
    const phases: ResolvedPhase[] = rounds.flatMap((round) => spec.phases.map((p) => ({ ...p, name: runName(p.name, round) })));
    return { ...target, phases };
}

/** The runs' figures folded back into one entry per phase of `spec`; unchanged when the phases ran once. */
export function foldRuns(spec: Pick<BenchmarkSpec, "phases" | "benchmark">, ran: Record<string, StackOutputs>): Record<string, PhaseFigures> {
    const k = spec.benchmark.repeats;
    if (k <= 1) return ran;
    const out: Record<string, PhaseFigures> = {};
    for (const phase of spec.phases) {
        const runs = Array.from({ length: k }, (_, i) => ran[runName(phase.name, i + 1)]).filter((r): r is StackOutputs => r !== undefined);
        if (runs.length === 0) continue;
        out[phase.name] = { ...(combine(runs, mean) as StackOutputs), repeats: { count: runs.length, spread: combine(runs, range) as StackOutputs, runs } };
    }
    return out;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const range = (values: number[]) => Math.max(...values) - Math.min(...values);

/**
 * Combines the runs figure by figure (nested one level, as distributions are).
 * A figure only some runs have is left out: a mean over fewer runs than the
 * others would not compare.
 */
function combine(runs: readonly object[], f: (values: number[]) => number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = new Set(runs.flatMap((r) => Object.keys(r)));
    for (const key of keys) {
        const values = runs.map((r) => (r as Record<string, unknown>)[key]);
        if (values.every((v) => typeof v === "number")) out[key] = f(values as number[]);
        else if (values.every((v) => v !== null && typeof v === "object" && !Array.isArray(v))) {
            const nested = combine(values as object[], f);
            if (Object.keys(nested).length > 0) out[key] = nested;
        }
    }
    return out;
}

// One phase as a collector reports it (k8s-collect, slurm-wait): the flat
// figures the stack outputs carry plus the full normalized summary.
import { toStackOutputs, type StackOutputs } from "./outputs";
import type { RunSummary } from "./summary";

export interface PhaseResult {
    name: string;
    concurrency?: number;
    /** Flat figures with units in their names (what dashboards read). */
    outputs: StackOutputs;
    /** The full normalized summary of the phase. */
    summary: RunSummary;
}

export function phaseResult(name: string, summary: RunSummary, concurrency?: number): PhaseResult {
    return { name, ...(concurrency ? { concurrency } : {}), outputs: toStackOutputs(summary), summary };
}

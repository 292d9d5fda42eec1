// One phase as a collector reports it (k8s-collect, slurm-wait): the flat
// figures the stack outputs carry plus the full normalized summary.
import type { AccuracyOutput } from "./accuracy";
import type { GpuUtilizationSummary } from "./gpu-utilization";
import { toStackOutputs, type StackOutputs } from "./outputs";
import type { RunSummary } from "./summary";

export interface PhaseResult {
    name: string;
    concurrency?: number;
    /**
     * Flat figures with units in their names (what dashboards read); an accuracy phase adds its
     * scores, a Slurm job with slurm.gpuUtilization its GPU samples (all nodes, and each node).
     */
    outputs: StackOutputs & { accuracy?: AccuracyOutput; gpuUtilization?: GpuUtilizationSummary & { nodes: Record<string, GpuUtilizationSummary> } };
    /** The full normalized summary of the phase. */
    summary: RunSummary;
}

/** `accuracy`: the scores of an accuracy phase (lib/results/accuracy.ts), next to its figures as on the local target. */
export function phaseResult(name: string, summary: RunSummary, concurrency?: number, accuracy?: AccuracyOutput): PhaseResult {
    return { name, ...(concurrency ? { concurrency } : {}), outputs: { ...toStackOutputs(summary), ...(accuracy ? { accuracy } : {}) }, summary };
}

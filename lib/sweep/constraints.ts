// The checks a sweep adds to the configuration rules, per point. Everything a
// single benchmark is checked for (a worker fits gpusPerNode, multinode
// workers fill their nodes, Slurm's shared-node sums, ...) is config/rules,
// run on every point; a point that fails any of them is skipped with the
// reason. Here only what a sweep asks on top: CloudAI's optional prefill
// TP <= decode TP, and the GPU budget of the cluster, which the configuration
// knows only when the sweep states it.
import type { BenchmarkSpec } from "../../config/resolve";
import type { RuleViolation } from "../../config/rules";

export interface SweepConstraints {
    /** Skip points whose prefill workers have a larger tensor parallel size than the decode workers. */
    prefillTpAtMostDecodeTp: boolean;
    /** GPUs the cluster has for one point's workers; points that need more are skipped. */
    clusterGpus?: number;
}

/** On a resolved point (one that passed the configuration rules). */
export function checkSweepConstraints(spec: Pick<BenchmarkSpec, "prefill" | "decode" | "totalWorkerGpus">, constraints: SweepConstraints): RuleViolation[] {
    const out: RuleViolation[] = [];
    if (constraints.prefillTpAtMostDecodeTp && spec.prefill && spec.prefill.tensorParallel > spec.decode.tensorParallel) {
        out.push({
            path: "prefill.tensorParallel",
            message: `expected at most decode.tensorParallel (${spec.decode.tensorParallel}) as sweep.constraints.prefillTpAtMostDecodeTp asks, got ${spec.prefill.tensorParallel}`,
        });
    }
    if (constraints.clusterGpus !== undefined && spec.totalWorkerGpus > constraints.clusterGpus) {
        out.push({
            path: "sweep.constraints.clusterGpus",
            message: `expected the workers to need at most ${constraints.clusterGpus} GPUs, got ${spec.totalWorkerGpus} (replicas x tensor x pipeline x data parallel, prefill and decode)`,
        });
    }
    return out;
}

/**
 * What a whole sweep asks of its target, checked once on the first point (the
 * target cannot be swept): `keepGraphs` only means something on Kubernetes.
 */
export function checkSweepTarget(spec: Pick<BenchmarkSpec, "target">, sweep: { keepGraphs: boolean }): RuleViolation[] {
    if (!sweep.keepGraphs || spec.target === "kubernetes") return [];
    return [
        {
            path: "sweep.keepGraphs",
            message: `expected it unset (or false) on target ${spec.target}: it keeps each Kubernetes point's graph deployed, and target ${spec.target} has no graphs; remove it`,
        },
    ];
}

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
 * What a whole sweep needs of its target, checked once on the first point (the
 * settings involved cannot be swept). On Kubernetes every point is a complete
 * benchmark (components/kubernetes), so points that each installed the platform
 * release or created the namespace would collide on the same names.
 */
export function checkSweepTarget(spec: Pick<BenchmarkSpec, "target" | "platform" | "kubernetes">): RuleViolation[] {
    if (spec.target !== "kubernetes") return [];
    const why = "in a sweep each point deploys its graph and Job into a platform and namespace that exist already (docs/sweeps.md)";
    const out: RuleViolation[] = [];
    if (spec.platform.install) {
        out.push({
            path: "platform.install",
            message: `expected false for a Kubernetes sweep, got true: ${why}; install the platform once (a single-benchmark stack, or helm) and set platform.install: false`,
        });
    }
    if (spec.kubernetes.createNamespace) {
        out.push({ path: "kubernetes.createNamespace", message: `expected false for a Kubernetes sweep, got true: ${why}; create kubernetes.namespace once` });
    }
    return out;
}

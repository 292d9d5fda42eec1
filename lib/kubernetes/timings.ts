// The Kubernetes target's `timings` output, from the API server's own
// timestamps (whole seconds): the graph's creation until its Ready condition
// turned True, and the benchmark Job's start until its completion. Pure.
import type { BenchmarkTimings } from "../outputs";

interface RawObject {
    metadata?: { creationTimestamp?: string };
    status?: { startTime?: string; completionTime?: string; conditions?: Array<{ type?: string; status?: string; lastTransitionTime?: string }> };
}

const seconds = (from?: string, to?: string): number | undefined => {
    const a = from ? Date.parse(from) : NaN;
    const b = to ? Date.parse(to) : NaN;
    return Number.isFinite(a) && Number.isFinite(b) && b >= a ? (b - a) / 1000 : undefined;
};

/**
 * `readySeconds`: graph created until Ready (the operator's report of it);
 * `benchmarkSeconds`: Job started until complete (model check and every phase).
 * A timestamp the objects lack leaves its key out.
 */
export function clusterTimings(graph: unknown, job: unknown): BenchmarkTimings {
    const g = (graph ?? {}) as RawObject;
    const j = (job ?? {}) as RawObject;
    const ready = g.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
    const out: BenchmarkTimings = {};
    const readySeconds = seconds(g.metadata?.creationTimestamp, ready?.lastTransitionTime);
    const benchmarkSeconds = seconds(j.status?.startTime, j.status?.completionTime);
    if (readySeconds !== undefined) out.readySeconds = readySeconds;
    if (benchmarkSeconds !== undefined) out.benchmarkSeconds = benchmarkSeconds;
    return out;
}

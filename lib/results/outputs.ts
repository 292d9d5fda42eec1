/**
 * Stack outputs: a small, flat JSON object of plain numbers, units in the key
 * names. Missing figures are omitted; NaN/Infinity never appear.
 */

import type { Metric } from "./model";
import type { RunSummary } from "./summary";

/** Statistics of a distribution, as they appear in stack outputs. */
export interface DistributionOutput {
    avg?: number;
    min?: number;
    max?: number;
    std?: number;
    p1?: number;
    p5?: number;
    p10?: number;
    p25?: number;
    p50?: number;
    p75?: number;
    p90?: number;
    p95?: number;
    p99?: number;
}

export interface StackOutputs {
    ttftMs?: DistributionOutput;
    ttstMs?: DistributionOutput;
    itlMs?: DistributionOutput;
    requestLatencyMs?: DistributionOutput;
    inputSequenceLengthTokens?: DistributionOutput;
    outputSequenceLengthTokens?: DistributionOutput;
    outputTokenThroughputTokPerS?: number;
    outputTokenThroughputPerGpuTokPerS?: number;
    outputTokenThroughputPerUserTokPerS?: number;
    totalTokenThroughputTokPerS?: number;
    requestThroughputReqPerS?: number;
    goodputReqPerS?: number;
    requestCount?: number;
    errorCount?: number;
    /** Completed / (completed + failed), 0..1. */
    completionRate?: number;
    benchmarkDurationS?: number;
}

export const DIST_KEYS = ["avg", "min", "max", "std", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"] as const;

function finite(v: number | undefined): number | undefined {
    return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function distribution(m: Metric | undefined, unit: string): DistributionOutput | undefined {
    if (m === undefined || m.unit !== unit) return undefined;
    const out: DistributionOutput = {};
    for (const k of DIST_KEYS) {
        const v = finite(m.stats[k]);
        if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
}

function scalar(m: Metric | undefined, unit: string): number | undefined {
    if (m === undefined || m.unit !== unit) return undefined;
    return finite(m.stats.avg);
}

/** Flatten a RunSummary into stack outputs. */
export function toStackOutputs(summary: RunSummary): StackOutputs {
    const m = summary.metrics;
    const d = summary.derived;
    const candidates: StackOutputs = {
        ttftMs: distribution(m.ttft, "ms"),
        ttstMs: distribution(m.ttst, "ms"),
        itlMs: distribution(m.itl, "ms"),
        requestLatencyMs: distribution(m.requestLatency, "ms"),
        inputSequenceLengthTokens: distribution(m.inputSequenceLength, "tokens"),
        outputSequenceLengthTokens: distribution(m.outputSequenceLength, "tokens"),
        outputTokenThroughputTokPerS: scalar(m.outputTokenThroughput, "tokens/s"),
        outputTokenThroughputPerGpuTokPerS: finite(d.outputTokenThroughputPerGpu?.value),
        outputTokenThroughputPerUserTokPerS: finite(d.outputTokenThroughputPerUser?.value),
        totalTokenThroughputTokPerS: scalar(m.totalTokenThroughput, "tokens/s"),
        requestThroughputReqPerS: scalar(m.requestThroughput, "requests/s"),
        goodputReqPerS: scalar(m.goodput, "requests/s"),
        requestCount: scalar(m.requestCount, "requests"),
        errorCount: scalar(m.errorCount, "requests"),
        completionRate: finite(d.completionRate?.value),
        benchmarkDurationS: scalar(m.benchmarkDuration, "s"),
    };
    const out: StackOutputs = {};
    for (const [k, v] of Object.entries(candidates) as Array<[keyof StackOutputs, StackOutputs[keyof StackOutputs]]>) {
        if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    }
    return out;
}

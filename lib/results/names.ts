/**
 * Metric names: how genai-perf and AIPerf spell them across versions, and the
 * stable ids and canonical units this library maps them to.
 */

/** Stable ids of the metrics this library knows. Anything else is kept under its source name. */
export const KNOWN_METRICS = {
    ttft: { unit: "ms", label: "Time to first token" },
    ttst: { unit: "ms", label: "Time to second token" },
    timeToFirstOutputToken: { unit: "ms", label: "Time to first output token" },
    itl: { unit: "ms", label: "Inter-token latency" },
    interChunkLatency: { unit: "ms", label: "Inter-chunk latency" },
    requestLatency: { unit: "ms", label: "Request latency" },
    inputSequenceLength: { unit: "tokens", label: "Input sequence length" },
    outputSequenceLength: { unit: "tokens", label: "Output sequence length" },
    outputTokenCount: { unit: "tokens", label: "Output token count" },
    reasoningTokenCount: { unit: "tokens", label: "Reasoning token count" },
    errorInputSequenceLength: { unit: "tokens", label: "Input sequence length of failed requests" },
    outputTokenThroughput: { unit: "tokens/s", label: "Output token throughput" },
    outputTokenThroughputPerUser: { unit: "tokens/s/user", label: "Output token throughput per user" },
    totalTokenThroughput: { unit: "tokens/s", label: "Total token throughput" },
    requestThroughput: { unit: "requests/s", label: "Request throughput" },
    goodput: { unit: "requests/s", label: "Goodput" },
    requestCount: { unit: "requests", label: "Request count (completed)" },
    errorCount: { unit: "requests", label: "Error request count" },
    goodRequestCount: { unit: "requests", label: "Good request count" },
    benchmarkDuration: { unit: "s", label: "Benchmark duration" },
    totalInputSequenceLength: { unit: "tokens", label: "Total input tokens" },
    totalOutputSequenceLength: { unit: "tokens", label: "Total output sequence length" },
    totalOutputTokens: { unit: "tokens", label: "Total output tokens" },
    totalReasoningTokens: { unit: "tokens", label: "Total reasoning tokens" },
} as const satisfies Record<string, { unit: string; label: string }>;

export type KnownMetricId = keyof typeof KNOWN_METRICS;

export function isKnownMetricId(id: string): id is KnownMetricId {
    return Object.prototype.hasOwnProperty.call(KNOWN_METRICS, id);
}

/** Normalized base name (lower case, `_`→space, collapsed spaces) → id. */
const SYNONYMS: Record<string, KnownMetricId> = {
    "time to first token": "ttft",
    ttft: "ttft",
    "time to second token": "ttst",
    ttst: "ttst",
    "time to first output token": "timeToFirstOutputToken",
    "inter token latency": "itl",
    itl: "itl",
    "inter chunk latency": "interChunkLatency",
    "request latency": "requestLatency",
    "input sequence length": "inputSequenceLength",
    isl: "inputSequenceLength",
    "output sequence length": "outputSequenceLength",
    osl: "outputSequenceLength",
    "output token count": "outputTokenCount",
    "reasoning token count": "reasoningTokenCount",
    "error input sequence length": "errorInputSequenceLength",
    "error isl": "errorInputSequenceLength",
    "output token throughput": "outputTokenThroughput",
    "output token throughput per user": "outputTokenThroughputPerUser",
    "total token throughput": "totalTokenThroughput",
    "request throughput": "requestThroughput",
    "request goodput": "goodput",
    goodput: "goodput",
    "request count": "requestCount",
    "error request count": "errorCount",
    "good request count": "goodRequestCount",
    goodrequestcount: "goodRequestCount",
    "benchmark duration": "benchmarkDuration",
    "total input sequence length": "totalInputSequenceLength",
    "total isl": "totalInputSequenceLength",
    "total output sequence length": "totalOutputSequenceLength",
    "total osl": "totalOutputSequenceLength",
    "total output tokens": "totalOutputTokens",
    "total reasoning tokens": "totalReasoningTokens",
};

export interface SplitName {
    /** Name without the trailing "(unit)". */
    base: string;
    /** Text of the last parenthesised group, if any. */
    unit?: string;
}

/** "Time To First Token (ms)" → { base: "Time To First Token", unit: "ms" }; "OSL Mismatch Diff % (%)" → unit "%". */
export function splitNameUnit(name: string): SplitName {
    const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(name.trim());
    if (m && m[1] !== "") return { base: m[1], unit: m[2].trim() };
    return { base: name.trim() };
}

export function normalizeBase(base: string): string {
    return base
        .toLowerCase()
        .replace(/[_\s]+/g, " ")
        .trim();
}

/** The known id for a display name ("Time To First Token") or tag ("time_to_first_token"), else undefined. */
export function metricIdFor(base: string): KnownMetricId | undefined {
    return SYNONYMS[normalizeBase(base)];
}

type Dimension = "time" | "duration" | "tokens" | "requests" | "tokenRate" | "userRate" | "requestRate";

const DIMENSION: Record<KnownMetricId, Dimension> = {
    ttft: "time",
    ttst: "time",
    timeToFirstOutputToken: "time",
    itl: "time",
    interChunkLatency: "time",
    requestLatency: "time",
    benchmarkDuration: "duration",
    inputSequenceLength: "tokens",
    outputSequenceLength: "tokens",
    outputTokenCount: "tokens",
    reasoningTokenCount: "tokens",
    errorInputSequenceLength: "tokens",
    totalInputSequenceLength: "tokens",
    totalOutputSequenceLength: "tokens",
    totalOutputTokens: "tokens",
    totalReasoningTokens: "tokens",
    outputTokenThroughput: "tokenRate",
    totalTokenThroughput: "tokenRate",
    outputTokenThroughputPerUser: "userRate",
    requestThroughput: "requestRate",
    goodput: "requestRate",
    requestCount: "requests",
    errorCount: "requests",
    goodRequestCount: "requests",
};

const TIME_ALIASES: Record<string, "ns" | "us" | "ms" | "s"> = {
    ns: "ns",
    nanoseconds: "ns",
    us: "us",
    µs: "us",
    μs: "us",
    microseconds: "us",
    ms: "ms",
    milliseconds: "ms",
    s: "s",
    sec: "s",
    secs: "s",
    second: "s",
    seconds: "s",
};
/** Exact factors (no derived floating error): to milliseconds, and to seconds. */
const TO_MS = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 } as const;
const TO_S = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 } as const;

/**
 * Factor that converts a value in `sourceUnit` to the canonical unit of `id`.
 * Only time units are ever converted. Every rate/count metric of both tools is
 * already per second / in tokens / in requests, whatever the label says
 * ("per sec", "tokens/sec", "count"); genai-perf JSON of 2024-08..2024-11 even
 * labels ISL/OSL "requests/sec" by mistake, so non-time labels are not trusted.
 * Returns undefined when a time metric carries a unit that is not a time unit.
 */
export function unitFactor(id: KnownMetricId, sourceUnit: string | undefined): number | undefined {
    const dim = DIMENSION[id];
    if (dim !== "time" && dim !== "duration") return 1;
    if (sourceUnit === undefined || sourceUnit.trim() === "") return 1; // the tools' default for these is the canonical unit
    const u = TIME_ALIASES[sourceUnit.trim().toLowerCase()];
    if (u === undefined) return undefined;
    return dim === "time" ? TO_MS[u] : TO_S[u];
}

/** Strip the "NVIDIA " prefix AIPerf 2026 puts on DCGM metric names. */
export function gpuMetricBase(base: string): string {
    return base.replace(/^NVIDIA\s+/i, "");
}

/**
 * The one normalized results model. Every parser (genai-perf CSV/JSON, AIPerf
 * CSV/JSON/JSONL, server metrics, GPU telemetry) produces a ParsedExport made
 * of these types; summary.ts merges ParsedExports into a RunSummary.
 */

import { ResultsError } from "./errors";
import { isKnownMetricId, KNOWN_METRICS, metricIdFor, unitFactor, type KnownMetricId } from "./names";
import { type NonFinite, type StatKey, type Stats, STAT_KEYS } from "./numbers";

export { STAT_KEYS, type StatKey, type Stats, type NonFinite } from "./numbers";
export { KNOWN_METRICS, type KnownMetricId } from "./names";

export type ToolName = "genai-perf" | "aiperf" | "unknown";

export type ExportKind =
    /** `*_genai_perf.csv`, `profile_export_aiperf.csv` (may also hold GPU telemetry tables). */
    | "summary-csv"
    /** `*_genai_perf.json`, `profile_export_aiperf.json` (AIPerf "records" layout or flat layout). */
    | "summary-json"
    /** AIPerf per-request `profile_export.jsonl`. */
    | "records-jsonl"
    /** AIPerf `server_metrics_export.csv`. */
    | "server-metrics-csv";

/** One metric, from one source. */
export interface Metric {
    /** Stable id (see KNOWN_METRICS) or, for metrics this library does not know, the source's own name. */
    id: string;
    known: boolean;
    /** The name as written in the source: CSV row label ("Time To First Token (ms)") or JSON tag ("ttft"). */
    name: string;
    /** Canonical unit for known metrics (ms, s, tokens, tokens/s, tokens/s/user, requests, requests/s); the source unit otherwise. */
    unit?: string;
    /** The unit the source wrote, when it differs from `unit`. */
    sourceUnit?: string;
    /** Whichever statistics the source has. A scalar (a `Metric,Value` row, a JSON block with `avg` only) has its value in `avg`. */
    stats: Stats;
    scalar: boolean;
    /** Number of samples behind the statistics, when the source says. */
    count?: number;
    /** Statistics the source wrote as nan/inf (kept out of `stats`, which holds finite numbers only). */
    nonFinite?: Partial<Record<StatKey, NonFinite>>;
    /** Statistics that are estimates (percentiles of very large per-request series). */
    approximate?: StatKey[];
    /** File the metric was read from. */
    source: string;
    /** "summary": copied from the tool's own summary; "records": computed here from per-request records. */
    method: "summary" | "records";
}

/** A GPU telemetry row (genai-perf `Metric,GPU,...` tables, AIPerf `Endpoint,GPU_Index,...` table, JSON telemetry blocks). */
export interface GpuTelemetryRow {
    endpoint?: string;
    /** GPU index or label as written ("0", "gpu0"). */
    gpu: string;
    gpuName?: string;
    gpuUuid?: string;
    /** Extra label columns (Platform, Hostname, Namespace, Pod Name, ...). */
    labels?: Record<string, string>;
    /** Metric name without unit and without an "NVIDIA " prefix ("GPU Power Usage"). */
    metric: string;
    /** The name as written ("NVIDIA GPU Power Usage (W)"). */
    name: string;
    unit?: string;
    stats: Stats;
    /** Constant telemetry (`Metric,GPU,Value` table): GPU Power Limit, Total GPU Memory. */
    value?: number;
    nonFinite?: Partial<Record<string, NonFinite>>;
    source: string;
    line?: number;
}

/** A row of AIPerf's server-metrics export (Prometheus scrape of the inference server). */
export interface ServerMetricRow {
    endpoint?: string;
    /** gauge | counter | histogram | info | ... */
    type: string;
    metric: string;
    unit?: string;
    /** Numeric columns by header name (avg, p99, total, rate, count, sum, p50_estimate, ...). */
    values: Record<string, number>;
    /** Non-numeric columns that are not Endpoint/Type/Metric/Unit/Description (Prometheus labels, info Key/Value, buckets). */
    labels: Record<string, string>;
    description?: string;
    source: string;
    line?: number;
}

export interface ErrorSummaryEntry {
    type?: string;
    code?: number | string;
    message?: string;
    count: number;
}

/** Metrics of one benchmark phase, computed from per-request records (or AIPerf's `warmup_metrics`). */
export interface PhaseMetrics {
    phase: string;
    metrics: Record<string, Metric>;
    /** Completed requests (records without an error). */
    requestCount?: number;
    errorCount?: number;
    /** Seconds between the first request start and the last response. */
    durationS?: number;
    errorSummary?: ErrorSummaryEntry[];
}

/** What one file contributes. */
export interface ParsedExport {
    file: string;
    kind: ExportKind;
    tool: ToolName;
    toolVersion?: string;
    /** e.g. "genai-perf-csv", "aiperf-csv", "aiperf-json-records", "aiperf-json-flat (schema 1.0)", "genai-perf-json", "aiperf-jsonl". */
    format: string;
    /** Request metrics keyed by id; for records files, the main (profiling) phase. */
    metrics: Record<string, Metric>;
    gpuTelemetry: GpuTelemetryRow[];
    serverMetrics: ServerMetricRow[];
    /** Per-phase metrics (records files: one entry per phase label found). */
    phases?: Record<string, PhaseMetrics>;
    errorSummary?: ErrorSummaryEntry[];
    warnings: string[];
    bytes: number;
    /** Records read (records files). */
    records?: number;
}

export interface DerivedFigure {
    value: number;
    unit: string;
    /** How it was computed, in words, with the inputs. */
    basis: string;
}

/** Figures computed from the metrics and the topology passed in. Never guessed: absent when an input is missing. */
export interface DerivedFigures {
    /** outputTokenThroughput / GPUs of the workers (context.gpus). */
    outputTokenThroughputPerGpu?: DerivedFigure;
    /** The tool's own per-user metric (avg) if present, else outputTokenThroughput / concurrency. */
    outputTokenThroughputPerUser?: DerivedFigure;
    /** requestCount / (requestCount + errorCount), from a real error count. */
    completionRate?: DerivedFigure;
}

export interface Topology {
    /** GPUs used by the inference workers (prefill + decode), e.g. from workerGpuCount(). */
    gpus?: number;
    /** Concurrent users / in-flight requests the load generator kept. */
    concurrency?: number;
}

/**
 * Build a Metric from a source name, unit and raw stats. Known names get their
 * stable id and canonical unit (time values converted to ms / s).
 */
export function makeMetric(
    input: Omit<Metric, "id" | "known" | "sourceUnit" | "method"> & {
        /** Name used to look up the known id (defaults to `name`), e.g. the base without "(unit)". */
        lookup?: string;
        method?: Metric["method"];
        warnings?: string[];
    },
): Metric {
    const id = metricIdFor(input.lookup ?? input.name);
    let unit = input.unit !== undefined && input.unit !== "" ? input.unit : undefined;
    let sourceUnit: string | undefined;
    let stats = input.stats;
    if (id !== undefined) {
        const canonical = KNOWN_METRICS[id].unit;
        const factor = unitFactor(id, unit);
        if (factor === undefined) {
            input.warnings?.push(`${input.source}: metric "${input.name}" has unit "${unit}", expected a time unit; value kept unconverted`);
        } else {
            if (unit !== undefined && unit !== canonical) sourceUnit = unit;
            unit = canonical;
            if (factor !== 1) {
                stats = {};
                for (const k of STAT_KEYS) {
                    const v = input.stats[k];
                    if (v !== undefined) stats[k] = v * factor;
                }
            }
        }
    }
    // Built field by field so the JSON reads in a stable, useful order.
    const m: Metric = { id: id ?? input.name, name: input.name, known: id !== undefined } as Metric;
    if (unit !== undefined) m.unit = unit;
    if (sourceUnit !== undefined) m.sourceUnit = sourceUnit;
    m.scalar = input.scalar;
    m.stats = { ...stats };
    if (input.count !== undefined) m.count = input.count;
    if (input.nonFinite && Object.keys(input.nonFinite).length > 0) m.nonFinite = input.nonFinite;
    if (input.approximate && input.approximate.length > 0) m.approximate = input.approximate;
    m.source = input.source;
    m.method = input.method ?? "summary";
    return m;
}

/** The single value of a metric: its avg (scalars keep their value there). */
export function metricValue(m: Metric | undefined): number | undefined {
    return m?.stats.avg;
}

/**
 * GPUs used by inference workers: sum over worker groups of replicas × GPUs per
 * replica (tensor × pipeline × data parallel when gpusPerReplica is not given).
 * The frontend uses no GPU. This is what per-GPU throughput must be divided by,
 * not nodes × GPUs per node.
 */
export function workerGpuCount(
    workers: ReadonlyArray<{
        replicas?: number;
        gpusPerReplica?: number;
        tensorParallel?: number;
        pipelineParallel?: number;
        dataParallel?: number;
    }>,
): number {
    let total = 0;
    for (const [i, w] of workers.entries()) {
        const replicas = w.replicas ?? 1;
        const per = w.gpusPerReplica ?? (w.tensorParallel ?? 1) * (w.pipelineParallel ?? 1) * (w.dataParallel ?? 1);
        for (const [k, v] of Object.entries({ replicas, per })) {
            if (!Number.isInteger(v) || v < 0) {
                throw new ResultsError(
                    "BAD_CONTEXT",
                    "<topology>",
                    `worker group ${i}: ${k === "per" ? "GPUs per replica" : "replicas"} must be a non-negative integer, got ${v}`,
                );
            }
        }
        total += replicas * per;
    }
    return total;
}

/** Validate a topology passed in by a caller; throws BAD_CONTEXT. */
export function checkTopology(t: Topology): void {
    if (t.gpus !== undefined && !(Number.isInteger(t.gpus) && t.gpus > 0)) {
        throw new ResultsError("BAD_CONTEXT", "<context>", `gpus must be a positive integer, got ${String(t.gpus)}`);
    }
    if (t.concurrency !== undefined && !(Number.isFinite(t.concurrency) && t.concurrency > 0)) {
        throw new ResultsError("BAD_CONTEXT", "<context>", `concurrency must be a positive number, got ${String(t.concurrency)}`);
    }
}

/** Derived figures from metrics keyed by id and the topology passed in. */
export function deriveFigures(metrics: Record<string, Metric>, topology: Topology): DerivedFigures {
    const out: DerivedFigures = {};
    const tput = metricValue(metrics.outputTokenThroughput);
    if (tput !== undefined && topology.gpus !== undefined) {
        out.outputTokenThroughputPerGpu = {
            value: tput / topology.gpus,
            unit: "tokens/s/gpu",
            basis: `outputTokenThroughput ${tput} tokens/s / ${topology.gpus} worker GPUs`,
        };
    }
    const perUser = metricValue(metrics.outputTokenThroughputPerUser);
    if (perUser !== undefined) {
        out.outputTokenThroughputPerUser = {
            value: perUser,
            unit: "tokens/s/user",
            basis: `tool metric "${metrics.outputTokenThroughputPerUser!.name}" (avg over requests)`,
        };
    } else if (tput !== undefined && topology.concurrency !== undefined) {
        out.outputTokenThroughputPerUser = {
            value: tput / topology.concurrency,
            unit: "tokens/s/user",
            basis: `outputTokenThroughput ${tput} tokens/s / concurrency ${topology.concurrency}`,
        };
    }
    const done = metricValue(metrics.requestCount);
    const failed = metricValue(metrics.errorCount);
    if (done !== undefined && failed !== undefined && done + failed > 0) {
        out.completionRate = {
            value: done / (done + failed),
            unit: "ratio",
            basis: `requestCount ${done} / (requestCount ${done} + errorCount ${failed})`,
        };
    }
    return out;
}

export function isKnown(id: string): id is KnownMetricId {
    return isKnownMetricId(id);
}

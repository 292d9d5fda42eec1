/**
 * Run summaries: the parsed export files of one run merged into one
 * machine-readable JSON object, with the benchmark parameters and topology the
 * caller passed in and the figures derived from them.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { ResultsError } from "./errors";
import { type ExportFile, findExports, findRuns, parseExport, parseExportFile } from "./files";
import {
    type DerivedFigures,
    type ErrorSummaryEntry,
    type GpuTelemetryRow,
    type Metric,
    type ParsedExport,
    type PhaseMetrics,
    type ServerMetricRow,
    type ToolName,
    type Topology,
    checkTopology,
    deriveFigures,
    metricValue,
} from "./model";
import { type StackOutputs, toStackOutputs } from "./outputs";
import type { RecordsOptions } from "./records";

export const SUMMARY_SCHEMA = "dynamo-bench.results/v1" as const;

/** What the caller knows about the run. Nothing here is guessed from the files. */
export interface SummaryContext {
    /** The tool that produced the files, if the caller knows it (checked against the files). */
    tool?: ToolName;
    /** Phase label of this run (e.g. an AIPerf phase that wrote its own artifact directory). */
    phase?: string;
    /** GPUs of the inference workers (prefill + decode), e.g. workerGpuCount(...). Used for per-GPU throughput. */
    gpus?: number;
    /** Load concurrency. Used for per-user throughput when the tool has no per-user metric. */
    concurrency?: number;
    /** Benchmark parameters to record verbatim in the summary (model, ISL/OSL, request count, ...). JSON values only. */
    parameters?: Record<string, unknown>;
    /** Name for the run in the summary; defaults to the directory / file name. */
    label?: string;
    /** Options for per-request records. */
    records?: RecordsOptions;
}

export interface SourceInfo {
    file: string;
    kind: ParsedExport["kind"];
    tool: ToolName;
    format: string;
    version?: string;
    bytes: number;
    records?: number;
    /** Metrics this file contributed to the summary (after precedence). */
    used: string[];
}

export interface PhaseSummary extends PhaseMetrics {
    derived: DerivedFigures;
}

export interface RunSummary {
    schema: typeof SUMMARY_SCHEMA;
    label: string;
    tool: { name: ToolName; version?: string };
    phase?: string;
    parameters: Record<string, unknown>;
    topology: Topology;
    /**
     * Request metrics by id. Precedence when several files have a metric: summary JSON (full precision),
     * then summary CSV (2 decimals), then figures computed from per-request records.
     */
    metrics: Record<string, Metric>;
    derived: DerivedFigures;
    /** Per-phase metrics from per-request records (e.g. "warmup", "profiling") or AIPerf's warmup_metrics. */
    phases: Record<string, PhaseSummary>;
    errorSummary?: ErrorSummaryEntry[];
    gpuTelemetry: GpuTelemetryRow[];
    serverMetrics: ServerMetricRow[];
    sources: SourceInfo[];
    warnings: string[];
    /** The same figures flattened as toStackOutputs() gives them (units in key names). */
    outputs: StackOutputs;
}

const PRIORITY: Record<ParsedExport["kind"], number> = {
    "summary-json": 0,
    "summary-csv": 1,
    "records-jsonl": 2,
    "server-metrics-csv": 3,
};

const TOOLS: ReadonlySet<string> = new Set(["genai-perf", "aiperf", "unknown"]);

function checkContext(ctx: SummaryContext): void {
    checkTopology(ctx);
    if (ctx.tool !== undefined && !TOOLS.has(ctx.tool)) {
        throw new ResultsError("BAD_CONTEXT", "<context>", `tool must be "genai-perf" or "aiperf", got ${JSON.stringify(ctx.tool)}`);
    }
    if (ctx.parameters !== undefined && (typeof ctx.parameters !== "object" || ctx.parameters === null || Array.isArray(ctx.parameters))) {
        throw new ResultsError("BAD_CONTEXT", "<context>", "parameters must be a plain object");
    }
    if (ctx.phase !== undefined && (typeof ctx.phase !== "string" || ctx.phase === "")) {
        throw new ResultsError("BAD_CONTEXT", "<context>", "phase must be a non-empty string");
    }
}

function close(a: number, b: number): boolean {
    return Math.abs(a - b) <= Math.max(0.01, 1e-6 * Math.max(Math.abs(a), Math.abs(b)));
}

/** Merge the parsed files of one run into a summary. Pure: no disk access. */
export function combineExports(parsed: ParsedExport[], context: SummaryContext = {}, label?: string): RunSummary {
    checkContext(context);
    const topology: Topology = {};
    if (context.gpus !== undefined) topology.gpus = context.gpus;
    if (context.concurrency !== undefined) topology.concurrency = context.concurrency;

    const ordered = [...parsed].sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind]);
    const warnings: string[] = [];
    const metrics: Record<string, Metric> = {};
    const sources: SourceInfo[] = [];
    const jsonTools = new Set(ordered.filter((p) => p.kind === "summary-json").map((p) => p.tool));
    const hasSummary = ordered.some((p) => p.kind === "summary-json" || p.kind === "summary-csv");

    for (const p of ordered) {
        warnings.push(...p.warnings);
        const used: string[] = [];
        for (const m of Object.values(p.metrics)) {
            if (metrics[m.id] !== undefined) continue;
            // Unknown metrics have source-specific names (CSV "OSL Mismatch Diff % (%)" vs JSON "osl_mismatch_diff_pct"):
            // take them from the best source only, so one metric does not appear twice.
            if (!m.known) {
                if (p.kind === "summary-csv" && jsonTools.has(p.tool)) continue;
                if (p.kind === "records-jsonl" && hasSummary) continue;
            }
            metrics[m.id] = m;
            used.push(m.id);
        }
        const info: SourceInfo = { file: p.file, kind: p.kind, tool: p.tool, format: p.format, bytes: p.bytes, used };
        if (p.toolVersion !== undefined) info.version = p.toolVersion;
        if (p.records !== undefined) info.records = p.records;
        sources.push(info);
    }

    // Cross-check counts between a tool summary and the records it was computed from.
    const records = ordered.find((p) => p.kind === "records-jsonl");
    const summary = ordered.find((p) => p.kind === "summary-json" || p.kind === "summary-csv");
    if (records !== undefined && summary !== undefined) {
        for (const id of ["requestCount", "errorCount"]) {
            const a = metricValue(summary.metrics[id]);
            const b = metricValue(records.metrics[id]);
            if (a !== undefined && b !== undefined && !close(a, b)) {
                warnings.push(`${id}: ${a} in ${summary.file} but ${b} in ${records.file}; the summary's value is used`);
            }
        }
    }

    // Tool and version.
    const known = ordered.filter((p) => p.tool !== "unknown");
    const tools = new Set(known.map((p) => p.tool));
    let toolName: ToolName = known[0]?.tool ?? context.tool ?? "unknown";
    if (tools.size > 1) warnings.push(`files come from different tools: ${[...tools].join(", ")}`);
    if (context.tool !== undefined && context.tool !== "unknown" && toolName !== "unknown" && context.tool !== toolName) {
        warnings.push(`context says tool "${context.tool}" but the files look like ${toolName}`);
    }
    if (toolName === "unknown" && context.tool !== undefined) toolName = context.tool;
    const tool: RunSummary["tool"] = { name: toolName };
    const version = ordered.find((p) => p.toolVersion !== undefined)?.toolVersion;
    if (version !== undefined) tool.version = version;

    // Telemetry: the JSON and CSV of one AIPerf run carry the same GPU rows; take the best source's.
    const gpuSource = ordered.find((p) => p.gpuTelemetry.length > 0);
    const gpuTelemetry = gpuSource?.gpuTelemetry ?? [];
    const serverMetrics = ordered.flatMap((p) => p.serverMetrics);

    const phases: Record<string, PhaseSummary> = {};
    for (const p of [...ordered].reverse()) {
        // Records first (reverse order: records override a summary's warmup block).
        for (const ph of Object.values(p.phases ?? {})) phases[ph.phase] = { ...ph, derived: deriveFigures(ph.metrics, topology) };
    }

    const errorSummary = ordered.find((p) => p.errorSummary !== undefined)?.errorSummary;

    if (Object.keys(metrics).length === 0) {
        const what = gpuTelemetry.length > 0 || serverMetrics.length > 0 ? "only GPU telemetry / server metrics" : "no data rows";
        warnings.push(`no request metrics: ${what} in ${ordered.map((p) => p.file).join(", ")}`);
    } else {
        if (metrics.requestCount === undefined) warnings.push("no request count in the files");
        if (metrics.errorCount === undefined) {
            warnings.push(
                toolName === "genai-perf"
                    ? "genai-perf does not report failed requests: error count and completion rate unknown"
                    : "no error count in the files: completion rate unknown",
            );
        }
    }

    const out: RunSummary = {
        schema: SUMMARY_SCHEMA,
        label: context.label ?? label ?? (ordered.length === 1 ? ordered[0].file : "run"),
        tool,
        parameters: { ...(context.parameters ?? {}) },
        topology,
        metrics,
        derived: deriveFigures(metrics, topology),
        phases,
        gpuTelemetry,
        serverMetrics,
        sources,
        warnings,
        outputs: {},
    };
    if (context.phase !== undefined) out.phase = context.phase;
    if (errorSummary !== undefined) out.errorSummary = errorSummary;
    out.outputs = toStackOutputs(out);
    return out;
}

/**
 * Summarize exports held in memory (fetched from a pod log, a remote host, an
 * object store): no disk access. `name` is the file name (it picks the format;
 * content is sniffed when the name says nothing).
 */
export function summarizeExports(files: ReadonlyArray<{ name: string; content: string }>, context: SummaryContext = {}): RunSummary {
    checkContext(context);
    if (files.length === 0) throw new ResultsError("NOT_FOUND", "<exports>", "no export files given");
    const parsed = files.map((f) => parseExport(f.name, f.content, context.records));
    return combineExports(parsed, context, files.length === 1 ? files[0].name : undefined);
}

async function parseAll(files: string[], context: SummaryContext): Promise<ParsedExport[]> {
    const out: ParsedExport[] = [];
    for (const f of files) out.push(await parseExportFile(f, context.records));
    return out;
}

function statOrThrow(p: string): fs.Stats {
    try {
        return fs.statSync(p);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ResultsError("UNREADABLE", p, code === "ENOENT" ? "no such file or directory" : `cannot read: ${(e as Error).message}`);
    }
}

/**
 * Summarize one run from disk.
 *  - a file: that file alone;
 *  - a directory: the export files found in it (recursively); it must hold exactly one run
 *    (else AMBIGUOUS; use summarizeRuns);
 *  - a list of paths: all of them (directories expanded) as one run.
 */
export async function summarizeRun(input: string | string[], context: SummaryContext = {}): Promise<RunSummary> {
    checkContext(context);
    if (Array.isArray(input)) {
        if (input.length === 0) throw new ResultsError("NOT_FOUND", "<files>", "no files given");
        const files: string[] = [];
        for (const p of input) {
            if (statOrThrow(p).isDirectory()) files.push(...findExports(p).map((f: ExportFile) => f.path));
            else files.push(p);
        }
        if (files.length === 0) throw new ResultsError("NOT_FOUND", input.join(", "), "no genai-perf/AIPerf export files found");
        return combineExports(await parseAll(files, context), context, input.length === 1 ? input[0] : undefined);
    }
    if (!statOrThrow(input).isDirectory()) return combineExports(await parseAll([input], context), context, input);
    const runs = findRuns(input);
    if (runs.length === 0) throw new ResultsError("NOT_FOUND", input, "no genai-perf/AIPerf export files found (searched recursively)");
    if (runs.length > 1) {
        throw new ResultsError(
            "AMBIGUOUS",
            input,
            `holds ${runs.length} runs (${runs
                .slice(0, 5)
                .map((r) => r.label)
                .join(", ")}${runs.length > 5 ? ", ..." : ""}); pass one of them, or use summarizeRuns`,
        );
    }
    const label = runs[0].label === "." ? input : path.join(input, runs[0].label);
    return combineExports(
        await parseAll(
            runs[0].files.map((f) => f.path),
            context,
        ),
        context,
        label,
    );
}

/** Summarize every run found under a directory (or the single file given), one summary per run. */
export async function summarizeRuns(input: string, context: SummaryContext = {}): Promise<RunSummary[]> {
    checkContext(context);
    if (!statOrThrow(input).isDirectory()) return [await summarizeRun(input, context)];
    const runs = findRuns(input);
    if (runs.length === 0) throw new ResultsError("NOT_FOUND", input, "no genai-perf/AIPerf export files found (searched recursively)");
    const out: RunSummary[] = [];
    const { label: prefix, ...rest } = context;
    for (const r of runs) {
        const where = r.label === "." ? input : path.join(input, r.label);
        const label = prefix !== undefined ? `${prefix}:${r.label}` : where;
        out.push(
            combineExports(
                await parseAll(
                    r.files.map((f) => f.path),
                    rest,
                ),
                rest,
                label,
            ),
        );
    }
    return out;
}

/**
 * Benchmark results: genai-perf and AIPerf exports → one normalized model →
 * run summary JSON → Pulumi stack outputs. Pure TypeScript, no Pulumi.
 *
 * ## The API (everything else in this folder is internal)
 *
 * From disk:
 *
 *     summarizeRun(input: string | string[], context?: SummaryContext): Promise<RunSummary>
 *         input = an export file, a run directory (searched recursively; must hold exactly one run),
 *         or a list of files/directories taken as one run.
 *     summarizeRuns(dir: string, context?: SummaryContext): Promise<RunSummary[]>
 *         one summary per run found under dir (runs = same directory and file-name prefix).
 *
 * From memory (files fetched from a pod log, a remote host, an object store; no disk access):
 *
 *     summarizeExports(files: {name: string; content: string}[], context?: SummaryContext): RunSummary
 *         name picks the format (e.g. "profile_export_aiperf.json"); content is sniffed when the name says nothing.
 *
 * Then:
 *
 *     toStackOutputs(summary: RunSummary): StackOutputs
 *         { ttftMs: {avg, min, max, std, p1..p99}, ttstMs, itlMs, requestLatencyMs,
 *           inputSequenceLengthTokens, outputSequenceLengthTokens,
 *           outputTokenThroughputTokPerS, outputTokenThroughputPerGpuTokPerS, outputTokenThroughputPerUserTokPerS,
 *           totalTokenThroughputTokPerS, requestThroughputReqPerS, goodputReqPerS,
 *           requestCount, errorCount, completionRate, benchmarkDurationS }
 *         Plain finite numbers only; a figure the files do not have is omitted, never 0 or NaN.
 *
 *     renderSummary(summary: RunSummary): string        aligned text table (what the CLI prints)
 *     workerGpuCount(workers): number                    GPUs of the inference workers, for context.gpus
 *
 * SummaryContext = { tool?, phase?, gpus?, concurrency?, parameters?, label?, records?: {exactLimit?} }
 *   Nothing in it is guessed from the files: per-GPU throughput needs `gpus` (the workers' real GPU
 *   count, not nodes × GPUs per node); per-user throughput uses the tool's per-user metric, else
 *   `concurrency`; completion rate needs a real error count (AIPerf has one, genai-perf does not).
 *
 * Errors: every unreadable, empty (0-byte), truncated or foreign file throws ResultsError
 *   { code: "EMPTY" | "PARTIAL" | "MALFORMED" | "FOREIGN" | "UNREADABLE" | "NOT_FOUND" | "AMBIGUOUS" | "BAD_CONTEXT",
 *     file, line?, reason }. Nothing is silently read as zero.
 *
 * Metric ids (RunSummary.metrics keys): see KNOWN_METRICS (ttft, ttst, itl, requestLatency, inputSequenceLength,
 * outputSequenceLength, outputTokenThroughput, outputTokenThroughputPerUser, requestThroughput, requestCount,
 * errorCount, goodput, benchmarkDuration, ...). Metrics this library does not know are kept under their
 * source names. Times are in ms (durations in s); scalars carry their value in stats.avg.
 *
 * Lower level, for callers that parse one file themselves: parseExport(name, content), parseExportFile(path),
 * parseRecordsStream(stream, name) (per-request JSONL from any stream), findRuns(dir), combineExports(parsed[], context).
 */

export { ResultsError, isResultsError, type ResultsErrorCode } from "./errors";
export {
    KNOWN_METRICS,
    STAT_KEYS,
    type DerivedFigure,
    type DerivedFigures,
    type ErrorSummaryEntry,
    type ExportKind,
    type GpuTelemetryRow,
    type KnownMetricId,
    type Metric,
    type ParsedExport,
    type PhaseMetrics,
    type ServerMetricRow,
    type StatKey,
    type Stats,
    type ToolName,
    type Topology,
    deriveFigures,
    metricValue,
    workerGpuCount,
} from "./model";
export {
    SUMMARY_SCHEMA,
    type PhaseSummary,
    type RunSummary,
    type SourceInfo,
    type SummaryContext,
    combineExports,
    summarizeExports,
    summarizeRun,
    summarizeRuns,
} from "./summary";
export { type DistributionOutput, type StackOutputs, toStackOutputs } from "./outputs";
export { type PhaseResult, phaseResult } from "./phase-result";
export { RESULT_MARKER, type ResultLine, formatResultLine, parseResultLine, phaseFigures } from "./result-line";
export { type ExportFile, type RunFiles, findExports, findRuns, parseExport, parseExportFile } from "./files";
export { type RecordsOptions, parseRecordsFile, parseRecordsStream, parseRecordsText } from "./records";
export { renderSummary } from "./table";

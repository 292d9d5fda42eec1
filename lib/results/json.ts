/**
 * JSON summary exports:
 *   - genai-perf `*_genai_perf.json`: top-level `<metric>: {unit, avg, p1..p99, min, max, std}`, `telemetry_stats`, `input_config`.
 *   - AIPerf layout A (0.1.x, before 2025-10-10): `{"records": {<tag>: {tag, unit, header, avg, ..., count}}, error_summary, ...}`.
 *   - AIPerf layout B (from 2025-10-10): flat like genai-perf plus `schema_version`, `aiperf_version`, `error_summary`,
 *     `telemetry_data`, `warmup_metrics`, `is_complete`.
 * genai-perf's Python json.dumps can write bare NaN/Infinity; they are read, and reported as non-finite.
 */

import * as path from "node:path";
import { lineAt, lineCount, ResultsError } from "./errors";
import { type ErrorSummaryEntry, type GpuTelemetryRow, type Metric, type ParsedExport, type PhaseMetrics, type ToolName, makeMetric } from "./model";
import { gpuMetricBase, metricIdFor } from "./names";
import { type NonFinite, type StatKey, type Stats, jsonNumber, STAT_KEYS } from "./numbers";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Replace bare NaN / Infinity / -Infinity tokens (outside strings) by the strings "NaN", "Infinity", "-Infinity". */
export function quoteBareNonFinite(text: string): { text: string; replaced: number } {
    let out = "";
    let last = 0;
    let replaced = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 92 /* \ */) i++;
            else if (c === 34 /* " */) inString = false;
            continue;
        }
        if (c === 34) {
            inString = true;
            continue;
        }
        for (const tok of ["-Infinity", "Infinity", "NaN"]) {
            if (text.startsWith(tok, i)) {
                out += text.slice(last, i) + `"${tok}"`;
                i += tok.length - 1;
                last = i + 1;
                replaced++;
                break;
            }
        }
    }
    return { text: replaced === 0 ? text : out + text.slice(last), replaced };
}

/** JSON.parse with ResultsError on failure (PARTIAL when the text ends early, MALFORMED otherwise). */
export function parseJsonText(text: string, file: string, warnings: string[]): unknown {
    try {
        return JSON.parse(text);
    } catch (first) {
        const tolerant = quoteBareNonFinite(text);
        if (tolerant.replaced > 0) {
            try {
                const v = JSON.parse(tolerant.text);
                warnings.push(`${file}: ${tolerant.replaced} bare NaN/Infinity token(s) (not valid JSON) read as non-finite values`);
                return v;
            } catch {
                /* report the original error */
            }
        }
        const msg = (first as Error).message;
        const pos = /position (\d+)/.exec(msg);
        if (/end of JSON input/i.test(msg) || (pos && Number(pos[1]) >= text.trimEnd().length)) {
            throw new ResultsError("PARTIAL", file, `JSON ends early (truncated?): ${msg}`, Math.max(1, lineCount(text)));
        }
        throw new ResultsError("MALFORMED", file, `invalid JSON: ${msg}`, pos ? lineAt(text, Number(pos[1])) : undefined);
    }
}

/** Line of the first occurrence of `"key"` in the text (for error messages), else undefined. */
function lineOfKey(text: string, key: string): number | undefined {
    const i = text.indexOf(JSON.stringify(key));
    return i >= 0 ? lineAt(text, i) : undefined;
}

interface BlockStats {
    stats: Stats;
    nonFinite: Partial<Record<StatKey, NonFinite>>;
    count?: number;
}

function readStatBlock(block: JsonObject, where: string, file: string, text: string): BlockStats {
    const out: BlockStats = { stats: {}, nonFinite: {} };
    for (const k of STAT_KEYS) {
        if (!(k in block)) continue;
        const cell = jsonNumber(block[k]);
        if (cell.kind === "missing") continue;
        if (cell.kind === "number") out.stats[k] = cell.value;
        else if (cell.kind === "nonfinite") out.nonFinite[k] = cell.value;
        else {
            throw new ResultsError("MALFORMED", file, `"${where}.${k}" is not a number: ${JSON.stringify(block[k])}`, lineOfKey(text, where));
        }
    }
    const count = jsonNumber(block.count);
    if (count.kind === "number") out.count = count.value;
    return out;
}

function blockToMetric(name: string, block: JsonObject, file: string, text: string, warnings: string[], header?: string): Metric {
    const s = readStatBlock(block, name, file, text);
    const hasDistribution = STAT_KEYS.some((k) => k !== "avg" && k !== "sum" && (s.stats[k] !== undefined || s.nonFinite[k] !== undefined));
    const unit = typeof block.unit === "string" ? block.unit : undefined;
    const lookup = metricIdFor(name) === undefined && header !== undefined ? header : name;
    return makeMetric({
        name,
        lookup,
        unit,
        stats: s.stats,
        scalar: !hasDistribution,
        // Layout A gives scalars `count: 1`: meaningless, dropped.
        count: hasDistribution ? s.count : undefined,
        nonFinite: s.nonFinite,
        source: file,
        warnings,
    });
}

const CONTAINERS = new Set([
    "records",
    "input_config",
    "telemetry_stats",
    "telemetry_data",
    "sessions",
    "warmup_metrics",
    "run_info",
    "branch_stats",
    "error_summary",
]);

function errorSummaryOf(v: Json | undefined): ErrorSummaryEntry[] | undefined {
    if (!Array.isArray(v)) return undefined;
    const out: ErrorSummaryEntry[] = [];
    for (const e of v) {
        if (!isObject(e)) continue;
        const d = isObject(e.error_details) ? e.error_details : e;
        const entry: ErrorSummaryEntry = { count: typeof e.count === "number" ? e.count : 0 };
        if (typeof d.type === "string") entry.type = d.type;
        if (typeof d.code === "number" || typeof d.code === "string") entry.code = d.code;
        if (typeof d.message === "string") entry.message = d.message;
        out.push(entry);
    }
    return out;
}

function telemetryRows(doc: JsonObject, file: string, text: string): GpuTelemetryRow[] {
    const rows: GpuTelemetryRow[] = [];
    // genai-perf: telemetry_stats: {<metric>: {unit, gpu0: {avg, ...}}}
    if (isObject(doc.telemetry_stats)) {
        for (const [metric, block] of Object.entries(doc.telemetry_stats)) {
            if (!isObject(block)) continue;
            for (const [gpu, stats] of Object.entries(block)) {
                if (gpu === "unit" || !isObject(stats)) continue;
                const s = readStatBlock(stats, `telemetry_stats.${metric}`, file, text);
                const r: GpuTelemetryRow = { gpu, metric: gpuMetricBase(metric), name: metric, stats: s.stats, source: file };
                if (typeof block.unit === "string") r.unit = block.unit;
                if (Object.keys(s.nonFinite).length > 0) r.nonFinite = s.nonFinite;
                rows.push(r);
            }
        }
    }
    // AIPerf: telemetry_data.endpoints[ep].gpus[key] = {gpu_index, gpu_name, gpu_uuid, [platform], [hostname], metrics: {...}}
    const td = doc.telemetry_data;
    if (isObject(td) && isObject(td.endpoints)) {
        for (const [endpoint, ep] of Object.entries(td.endpoints)) {
            if (!isObject(ep) || !isObject(ep.gpus)) continue;
            for (const [key, g] of Object.entries(ep.gpus)) {
                if (!isObject(g) || !isObject(g.metrics)) continue;
                for (const [metric, block] of Object.entries(g.metrics)) {
                    if (!isObject(block)) continue;
                    const s = readStatBlock(block, `telemetry_data.${metric}`, file, text);
                    const r: GpuTelemetryRow = {
                        endpoint,
                        gpu: typeof g.gpu_index === "number" || typeof g.gpu_index === "string" ? String(g.gpu_index) : key,
                        metric: gpuMetricBase(metric),
                        name: metric,
                        stats: s.stats,
                        source: file,
                    };
                    if (typeof g.gpu_name === "string") r.gpuName = g.gpu_name;
                    if (typeof g.gpu_uuid === "string") r.gpuUuid = g.gpu_uuid;
                    const labels: Record<string, string> = {};
                    for (const l of ["platform", "hostname", "namespace", "pod_name"]) {
                        const v = g[l];
                        if (typeof v === "string" && v !== "") labels[l] = v;
                    }
                    if (Object.keys(labels).length > 0) r.labels = labels;
                    if (typeof block.unit === "string") r.unit = block.unit;
                    if (Object.keys(s.nonFinite).length > 0) r.nonFinite = s.nonFinite;
                    rows.push(r);
                }
            }
        }
    }
    return rows;
}

/** Parse a genai-perf or AIPerf summary JSON export. */
export function parseJsonExport(text: string, file: string): ParsedExport {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim() === "") throw new ResultsError("EMPTY", file, "file is empty", 1);
    const warnings: string[] = [];
    const doc = parseJsonText(body, file, warnings);
    if (!isObject(doc)) throw new ResultsError("FOREIGN", file, "top-level JSON value is not an object", 1);

    const metrics: Record<string, Metric> = {};
    const add = (m: Metric) => {
        if (metrics[m.id] !== undefined) {
            warnings.push(`${file}: metric "${m.name}" maps to "${m.id}" like "${metrics[m.id].name}"; the first is kept`);
            return;
        }
        metrics[m.id] = m;
    };

    let tool: ToolName;
    let format: string;
    const name = path.basename(file).toLowerCase();
    if (isObject(doc.records)) {
        tool = "aiperf";
        format = "aiperf-json-records";
        for (const [tag, block] of Object.entries(doc.records)) {
            if (!isObject(block)) continue;
            add(blockToMetric(tag, block, file, body, warnings, typeof block.header === "string" ? block.header : undefined));
        }
    } else {
        const aiperfMarkers = ["schema_version", "aiperf_version", "error_summary", "was_cancelled", "benchmark_id"].some((k) => k in doc);
        tool = aiperfMarkers || (name.includes("aiperf") && !name.endsWith("_genai_perf.json")) ? "aiperf" : "genai-perf";
        format = tool === "aiperf" ? "aiperf-json-flat" : "genai-perf-json";
        if (tool === "aiperf" && typeof doc.schema_version === "string") format += ` (schema ${doc.schema_version})`;
        for (const [key, block] of Object.entries(doc)) {
            if (CONTAINERS.has(key) || !isObject(block) || typeof block.unit !== "string") continue;
            add(blockToMetric(key, block, file, body, warnings));
        }
    }

    const gpuTelemetry = telemetryRows(doc, file, body);
    if (Object.keys(metrics).length === 0 && gpuTelemetry.length === 0) {
        if (Array.isArray(doc.experiments)) {
            throw new ResultsError(
                "FOREIGN",
                file,
                "this is perf_analyzer's raw per-request export (profile_export.json); read the *_genai_perf.csv/json next to it",
                1,
            );
        }
        throw new ResultsError("FOREIGN", file, 'no metric blocks ({unit, avg, ...}) and no "records" object: not a genai-perf/AIPerf summary', 1);
    }

    const out: ParsedExport = {
        file,
        kind: "summary-json",
        tool,
        format,
        metrics,
        gpuTelemetry,
        serverMetrics: [],
        warnings,
        bytes: Buffer.byteLength(text, "utf8"),
    };
    if (typeof doc.aiperf_version === "string") out.toolVersion = doc.aiperf_version;
    else if (typeof doc.genai_perf_version === "string") out.toolVersion = doc.genai_perf_version;

    const errors = errorSummaryOf(doc.error_summary);
    if (errors !== undefined) {
        out.errorSummary = errors;
        if (metrics.errorCount === undefined && tool === "aiperf") {
            // An explicit error_summary list (possibly empty) is a real error count.
            metrics.errorCount = makeMetric({
                name: "error_summary",
                lookup: "error request count",
                unit: "requests",
                stats: { avg: errors.reduce((a, e) => a + e.count, 0) },
                scalar: true,
                source: file,
            });
        }
    }
    if (doc.is_complete === false) {
        warnings.push(`${file}: the tool marked this run incomplete${typeof doc.incomplete_reason === "string" ? `: ${doc.incomplete_reason}` : ""}`);
    }
    if (doc.was_cancelled === true) warnings.push(`${file}: the tool reports the run was cancelled`);

    if (isObject(doc.warmup_metrics)) {
        const wm: Record<string, Metric> = {};
        for (const [tag, block] of Object.entries(doc.warmup_metrics)) {
            if (!isObject(block)) continue;
            const m = blockToMetric(tag, block, file, body, warnings);
            if (wm[m.id] === undefined) wm[m.id] = m;
        }
        const phase: PhaseMetrics = { phase: "warmup", metrics: wm };
        if (wm.requestCount?.stats.avg !== undefined) phase.requestCount = wm.requestCount.stats.avg;
        if (wm.errorCount?.stats.avg !== undefined) phase.errorCount = wm.errorCount.stats.avg;
        out.phases = { warmup: phase };
    }
    return out;
}

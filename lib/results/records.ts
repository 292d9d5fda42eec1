/**
 * AIPerf per-request records (`profile_export.jsonl`), read as a stream, one
 * line at a time, in bounded memory.
 *
 * Each line is `{"metadata": {...}, "metrics": {<tag>: {"value": v, "unit": u}}, "error": null | {...}}`.
 * - 0.1.x metadata: timestamp_ns, credit_phase; newer: request_start_ns, request_end_ns, benchmark_phase.
 * - `value` is a number, or an array of numbers (inter_chunk_latency).
 *
 * Statistics per metric and per phase: count, avg, min, max, std (population,
 * like numpy), sum exactly; percentiles exactly (numpy "linear") from a
 * Float64Array of the values, up to `exactLimit` values per metric. Past that
 * (only the per-chunk series of very large runs), percentiles come from a
 * log-bucket sketch with ≤0.5% relative error and are flagged `approximate`.
 */

import * as fs from "node:fs";
import { ResultsError } from "./errors";
import { type ErrorSummaryEntry, type Metric, type ParsedExport, type PhaseMetrics, makeMetric } from "./model";
import type { StatKey, Stats } from "./numbers";

export interface RecordsOptions {
    /** Values kept per metric and phase for exact percentiles (default 1,048,576 = 8 MB). */
    exactLimit?: number;
}

const DEFAULT_EXACT_LIMIT = 1 << 20;
const PERCENTILES: ReadonlyArray<[StatKey, number]> = [
    ["p1", 1],
    ["p5", 5],
    ["p10", 10],
    ["p25", 25],
    ["p50", 50],
    ["p75", 75],
    ["p90", 90],
    ["p95", 95],
    ["p99", 99],
];
const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Values per chunk of a series' exact store (256 KB as Int32, 512 KB as Float64). */
const CHUNK = 65536;

/** Log-bucketed histogram (DDSketch-like): quantiles with relative error ≤ (γ-1)/(γ+1) ≈ 0.5%. */
export class LogSketch {
    private static readonly GAMMA = 1.01;
    private static readonly LN_GAMMA = Math.log(LogSketch.GAMMA);
    private static readonly MIN_INDEX = Math.floor(Math.log(1e-12) / LogSketch.LN_GAMMA);
    private static readonly MAX_INDEX = Math.ceil(Math.log(1e18) / LogSketch.LN_GAMMA);
    private static readonly SIZE = LogSketch.MAX_INDEX - LogSketch.MIN_INDEX + 1;
    private readonly pos = new Float64Array(LogSketch.SIZE);
    private readonly neg = new Float64Array(LogSketch.SIZE);
    private zeros = 0;
    count = 0;

    private static index(x: number): number {
        const i = Math.ceil(Math.log(x) / LogSketch.LN_GAMMA);
        return (i < LogSketch.MIN_INDEX ? LogSketch.MIN_INDEX : i > LogSketch.MAX_INDEX ? LogSketch.MAX_INDEX : i) - LogSketch.MIN_INDEX;
    }
    private static value(bucket: number): number {
        const g = LogSketch.GAMMA;
        return (2 * Math.pow(g, bucket + LogSketch.MIN_INDEX)) / (g + 1);
    }
    add(x: number): void {
        if (x > 0) this.pos[LogSketch.index(x)]++;
        else if (x < 0) this.neg[LogSketch.index(-x)]++;
        else this.zeros++;
        this.count++;
    }
    /** Value at rank q·(n-1) (nearest rank), q in [0, 1]. */
    quantile(q: number): number {
        const rank = Math.round(q * (this.count - 1));
        let seen = 0;
        for (let b = LogSketch.SIZE - 1; b >= 0; b--) {
            seen += this.neg[b];
            if (seen > rank) return -LogSketch.value(b);
        }
        seen += this.zeros;
        if (seen > rank) return 0;
        for (let b = 0; b < LogSketch.SIZE; b++) {
            seen += this.pos[b];
            if (seen > rank) return LogSketch.value(b);
        }
        return NaN;
    }
}

type Mode = "dist" | "min" | "max" | "sum";

/** Position of percentile p in n sorted values, numpy "linear": index lo, weight t of the next value. */
function rankOf(n: number, p: number): { lo: number; hi: number; t: number } {
    const v = (n - 1) * (p / 100);
    const lo = Math.floor(v);
    return { lo, hi: Math.min(lo + 1, n - 1), t: v - lo };
}

/** numpy's _lerp (the same rounding as numpy for t ≥ 0.5). */
function lerp(a: number, b: number, t: number): number {
    const d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Exact linear-interpolated percentile (numpy's default) of a sorted array. */
export function percentileSorted(a: ArrayLike<number>, n: number, p: number): number {
    const r = rankOf(n, p);
    return lerp(a[r.lo], a[r.hi], r.t);
}

/**
 * Values at the given ranks (ascending) of the union of sorted chunks, by a k-way merge:
 * no contiguous copy of all values is ever made.
 */
export function valuesAtRanks(chunks: ReadonlyArray<ArrayLike<number>>, ranks: readonly number[]): number[] {
    const heap: number[] = []; // chunk indices, min-heap on head value
    const pos = new Array<number>(chunks.length).fill(0);
    const head = (c: number) => chunks[c][pos[c]];
    const less = (a: number, b: number) => head(heap[a]) < head(heap[b]);
    const swap = (a: number, b: number) => {
        const t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    };
    const down = (i: number) => {
        for (;;) {
            const l = 2 * i + 1;
            const r = l + 1;
            let m = i;
            if (l < heap.length && less(l, m)) m = l;
            if (r < heap.length && less(r, m)) m = r;
            if (m === i) return;
            swap(i, m);
            i = m;
        }
    };
    for (let c = 0; c < chunks.length; c++) if (chunks[c].length > 0) heap.push(c);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    const out: number[] = [];
    let rank = 0;
    let next = 0;
    while (next < ranks.length && heap.length > 0) {
        const c = heap[0];
        const v = head(c);
        while (next < ranks.length && ranks[next] === rank) {
            out.push(v);
            next++;
        }
        rank++;
        pos[c]++;
        if (pos[c] >= chunks[c].length) {
            heap[0] = heap[heap.length - 1];
            heap.pop();
        }
        if (heap.length > 0) down(0);
    }
    return out;
}

/** Streaming accumulator for one metric of one phase. */
class Series {
    unit?: string;
    count = 0;
    private mean = 0;
    private m2 = 0;
    min = Infinity;
    max = -Infinity;
    sum = 0;
    nonFinite = 0;
    nonNumeric = 0;
    /**
     * Exact values, in fixed-size chunks (never reallocated or copied while streaming, so no
     * transient peaks or heap fragmentation). A chunk is an Int32Array while every value in it
     * is an integer (token counts: half the memory), else a Float64Array.
     */
    private chunks: Array<Int32Array | Float64Array> | null = [];
    private current: Int32Array | Float64Array | null = null;
    private fill = 0;
    private len = 0;
    private sketch: LogSketch | null = null;
    /** Statistics once computed from the exact values (the values themselves are then released). */
    private exact: Stats | null = null;

    constructor(
        readonly mode: Mode,
        private readonly exactLimit: number,
    ) {}

    add(x: number): void {
        if (!Number.isFinite(x)) {
            this.nonFinite++;
            return;
        }
        this.count++;
        this.sum += x;
        if (x < this.min) this.min = x;
        if (x > this.max) this.max = x;
        if (this.mode !== "dist") return;
        // Welford: numerically stable mean and variance.
        const d = x - this.mean;
        this.mean += d / this.count;
        this.m2 += d * (x - this.mean);
        if (this.chunks === null) {
            this.sketch!.add(x);
            return;
        }
        if (this.len >= this.exactLimit) {
            // Too many values to keep: from now on, percentiles from a sketch.
            const sketch = new LogSketch();
            let left = this.len;
            for (const c of this.chunks) {
                const n = Math.min(c.length, left);
                for (let i = 0; i < n; i++) sketch.add(c[i]);
                left -= n;
            }
            sketch.add(x);
            this.sketch = sketch;
            this.chunks = null;
            this.current = null;
            return;
        }
        let cur = this.current;
        if (cur === null || this.fill === cur.length) {
            const size = Math.min(CHUNK, this.exactLimit - this.len);
            cur = this.current = (x | 0) === x ? new Int32Array(size) : new Float64Array(size);
            this.chunks.push(cur);
            this.fill = 0;
        } else if ((x | 0) !== x && cur instanceof Int32Array) {
            const wide = new Float64Array(cur.length);
            wide.set(cur.subarray(0, this.fill));
            this.chunks[this.chunks.length - 1] = cur = this.current = wide;
        }
        cur[this.fill++] = x;
        this.len++;
    }

    /** Exact percentiles: each chunk sorted in place, then a k-way merge picks the ranks. Releases the values. */
    private exactPercentiles(stats: Stats): void {
        const views: Array<Int32Array | Float64Array> = [];
        let left = this.len;
        for (const c of this.chunks!) {
            const n = Math.min(c.length, left);
            views.push(c.subarray(0, n).sort());
            left -= n;
        }
        const positions = PERCENTILES.map(([, p]) => rankOf(this.len, p));
        const ranks = [...new Set(positions.flatMap((r) => [r.lo, r.hi]))].sort((a, b) => a - b);
        const values = valuesAtRanks(views, ranks);
        const at = new Map(ranks.map((r, i) => [r, values[i]]));
        PERCENTILES.forEach(([k], i) => {
            const r = positions[i];
            stats[k] = lerp(at.get(r.lo)!, at.get(r.hi)!, r.t);
        });
        this.chunks = null;
        this.current = null;
    }

    result(): { stats: Stats; count: number; approximate?: StatKey[] } {
        const stats: Stats = {};
        if (this.count === 0) return { stats, count: 0 };
        if (this.mode === "min") return { stats: { avg: this.min }, count: this.count };
        if (this.mode === "max") return { stats: { avg: this.max }, count: this.count };
        if (this.mode === "sum") return { stats: { avg: this.sum }, count: this.count };
        stats.avg = this.mean;
        stats.min = this.min;
        stats.max = this.max;
        stats.std = Math.sqrt(this.m2 / this.count);
        stats.sum = this.sum;
        if (this.chunks !== null) {
            this.exactPercentiles(stats);
            this.exact = stats;
            return { stats, count: this.count };
        }
        if (this.exact !== null) return { stats: this.exact, count: this.count };
        for (const [k, p] of PERCENTILES) {
            const v = this.sketch!.quantile(p / 100);
            stats[k] = Math.min(this.max, Math.max(this.min, v));
        }
        return { stats, count: this.count, approximate: PERCENTILES.map(([k]) => k) };
    }
}

function modeFor(tag: string, unit: string | undefined): Mode {
    if (tag === "min_request_timestamp") return "min";
    if (tag === "max_response_timestamp") return "max";
    if (unit === "requests") return "sum"; // request_count, error_request_count, osl_mismatch_count, ...: one per record
    return "dist";
}

class Phase {
    records = 0;
    errors = 0;
    readonly series = new Map<string, Series>();
    readonly errorTypes = new Map<string, ErrorSummaryEntry>();
    startNs = Infinity;
    endNs = -Infinity;
    constructor(readonly name: string) {}
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Push-based reader: feed it lines (pushLine) in order, then call finish().
 * Used by the file/stream reader and by the in-memory (string) reader.
 */
export class RecordsReader {
    private readonly phases = new Map<string, Phase>();
    private readonly exactLimit: number;

    private records = 0;
    bytes = 0;

    constructor(
        readonly file: string,
        options: RecordsOptions = {},
    ) {
        this.exactLimit = Math.max(1, Math.floor(options.exactLimit ?? DEFAULT_EXACT_LIMIT));
    }

    /** One line without its line break. `last` = the file ended without a line break after it. */
    pushLine(text: string, lineNo: number, last: boolean): void {
        let line = text;
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
        if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
        let rec: unknown;
        try {
            rec = JSON.parse(line);
        } catch (e) {
            if (last) throw new ResultsError("PARTIAL", this.file, `last line is cut off (truncated?): ${(e as Error).message}`, lineNo);
            throw new ResultsError("MALFORMED", this.file, `invalid JSON: ${(e as Error).message}`, lineNo);
        }
        this.pushRecord(rec, lineNo);
    }

    private pushRecord(rec: unknown, lineNo: number): void {
        if (!isObject(rec)) throw new ResultsError("FOREIGN", this.file, "line is not a JSON object: not an AIPerf record", lineNo);
        const metrics = rec.metrics;
        const error = rec.error;
        if (!isObject(metrics) && !(isObject(error) && (metrics === undefined || metrics === null))) {
            throw new ResultsError("FOREIGN", this.file, 'record has no "metrics" object: not an AIPerf profile_export.jsonl record', lineNo);
        }
        const md = isObject(rec.metadata) ? rec.metadata : undefined;
        const label =
            md && typeof md.benchmark_phase === "string" ? md.benchmark_phase : md && typeof md.credit_phase === "string" ? md.credit_phase : "profiling";
        let phase = this.phases.get(label);
        if (phase === undefined) {
            phase = new Phase(label);
            this.phases.set(label, phase);
        }
        this.records++;
        phase.records++;
        if (error !== null && error !== undefined) {
            phase.errors++;
            const e = isObject(error) ? error : {};
            const key = `${String(e.type ?? "")}\u0000${String(e.code ?? "")}`;
            let entry = phase.errorTypes.get(key);
            if (entry === undefined) {
                entry = { count: 0 };
                if (typeof e.type === "string") entry.type = e.type;
                if (typeof e.code === "number" || typeof e.code === "string") entry.code = e.code;
                if (typeof e.message === "string") entry.message = e.message;
                phase.errorTypes.set(key, entry);
            }
            entry.count++;
        }
        if (md !== undefined) {
            const s = md.request_start_ns;
            const t = md.request_end_ns;
            if (typeof s === "number" && s < phase.startNs) phase.startNs = s;
            if (typeof t === "number" && t > phase.endNs) phase.endNs = t;
        }
        if (!isObject(metrics)) return;
        for (const tag in metrics) {
            const m = metrics[tag];
            if (!isObject(m)) continue;
            const v = m.value;
            let series = phase.series.get(tag);
            if (series === undefined) {
                const unit = typeof m.unit === "string" ? m.unit : undefined;
                series = new Series(modeFor(tag, unit), this.exactLimit);
                series.unit = unit;
                phase.series.set(tag, series);
            }
            if (typeof v === "number") series.add(v);
            else if (Array.isArray(v)) {
                for (let i = 0; i < v.length; i++) {
                    const x = v[i];
                    if (typeof x === "number") series.add(x);
                    else series.nonNumeric++;
                }
            } else if (v !== null && v !== undefined) series.nonNumeric++;
        }
    }

    finish(): ParsedExport {
        if (this.records === 0) throw new ResultsError("EMPTY", this.file, "no records (file is empty or blank)", 1);
        const warnings: string[] = [];
        const phases: Record<string, PhaseMetrics> = {};
        for (const p of this.phases.values()) phases[p.name] = this.finishPhase(p, warnings);
        let main: PhaseMetrics | undefined = phases.profiling;
        if (main === undefined) {
            const candidates = Object.values(phases).filter((p) => p.phase !== "warmup");
            main = (candidates.length > 0 ? candidates : Object.values(phases)).sort(
                (a, b) => (b.requestCount ?? 0) + (b.errorCount ?? 0) - (a.requestCount ?? 0) - (a.errorCount ?? 0),
            )[0];
            warnings.push(`${this.file}: no "profiling" phase in the records; the top-level metrics are those of phase "${main.phase}"`);
        }
        const out: ParsedExport = {
            file: this.file,
            kind: "records-jsonl",
            tool: "aiperf",
            format: "aiperf-jsonl",
            metrics: main.metrics,
            gpuTelemetry: [],
            serverMetrics: [],
            phases,
            warnings,
            bytes: this.bytes,
            records: this.records,
        };
        if (main.errorSummary !== undefined) out.errorSummary = main.errorSummary;
        return out;
    }

    private finishPhase(p: Phase, warnings: string[]): PhaseMetrics {
        const metrics: Record<string, Metric> = {};
        const file = this.file;
        const add = (m: Metric) => {
            if (metrics[m.id] === undefined) metrics[m.id] = m;
        };
        const requestCount = p.records - p.errors;
        add(
            makeMetric({ name: "records without error", lookup: "request count", stats: { avg: requestCount }, scalar: true, source: file, method: "records" }),
        );
        add(makeMetric({ name: "records with error", lookup: "error request count", stats: { avg: p.errors }, scalar: true, source: file, method: "records" }));

        let start = p.startNs;
        let end = p.endNs;
        for (const [tag, s] of p.series) {
            if (s.nonFinite > 0) warnings.push(`${file}: phase "${p.name}": ${s.nonFinite} non-finite value(s) of "${tag}" left out`);
            if (s.nonNumeric > 0) warnings.push(`${file}: phase "${p.name}": ${s.nonNumeric} non-numeric value(s) of "${tag}" left out`);
            if (tag === "request_count" || tag === "error_request_count") continue; // counted from the records themselves
            if (s.count === 0) continue;
            if (tag === "min_request_timestamp") start = Math.min(start, s.min);
            if (tag === "max_response_timestamp") end = Math.max(end, s.max);
            const r = s.result();
            add(
                makeMetric({
                    name: tag,
                    unit: s.unit,
                    stats: r.stats,
                    scalar: s.mode !== "dist",
                    count: s.mode === "dist" ? r.count : undefined,
                    approximate: r.approximate,
                    source: file,
                    method: "records",
                    warnings,
                }),
            );
        }
        const phase: PhaseMetrics = { phase: p.name, metrics, requestCount, errorCount: p.errors };
        if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
            const durationS = (end - start) / 1e9;
            phase.durationS = durationS;
            add(
                makeMetric({
                    name: "last response - first request",
                    lookup: "benchmark duration",
                    unit: "s",
                    stats: { avg: durationS },
                    scalar: true,
                    source: file,
                    method: "records",
                }),
            );
            add(
                makeMetric({
                    name: "completed records / duration",
                    lookup: "request throughput",
                    stats: { avg: requestCount / durationS },
                    scalar: true,
                    source: file,
                    method: "records",
                }),
            );
            const osl = p.series.get("output_sequence_length");
            if (osl !== undefined && osl.count > 0) {
                add(
                    makeMetric({
                        name: "sum(output_sequence_length) / duration",
                        lookup: "output token throughput",
                        stats: { avg: osl.sum / durationS },
                        scalar: true,
                        source: file,
                        method: "records",
                    }),
                );
            }
        }
        if (p.errorTypes.size > 0) phase.errorSummary = [...p.errorTypes.values()];
        return phase;
    }
}

/** Read an AIPerf records file from disk as a stream (constant memory apart from the per-metric value arrays). */
export async function parseRecordsFile(file: string, options: RecordsOptions = {}, label: string = file): Promise<ParsedExport> {
    return parseRecordsStream(fs.createReadStream(file, { highWaterMark: 64 * 1024 }), label, options);
}

/** Read AIPerf records from any byte/string stream (file, HTTP body, `kubectl logs` pipe, ...). */
export async function parseRecordsStream(
    stream: AsyncIterable<Buffer | Uint8Array | string>,
    file: string,
    options: RecordsOptions = {},
): Promise<ParsedExport> {
    const reader = new RecordsReader(file, options);
    let carry: Buffer | null = null;
    let lineNo = 0;
    let bytes = 0;
    try {
        for await (const part of stream) {
            const chunk = typeof part === "string" ? Buffer.from(part, "utf8") : Buffer.isBuffer(part) ? part : Buffer.from(part);
            bytes += chunk.length;
            const buf: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
            let start = 0;
            let nl: number;
            while ((nl = buf.indexOf(10, start)) !== -1) {
                reader.pushLine(buf.toString("utf8", start, nl), ++lineNo, false);
                start = nl + 1;
            }
            carry = start < buf.length ? buf.subarray(start) : null;
            if (carry !== null && carry.length > MAX_LINE_BYTES) {
                throw new ResultsError("MALFORMED", file, `line longer than ${MAX_LINE_BYTES} bytes: not a JSON Lines records file`, lineNo + 1);
            }
        }
    } catch (e) {
        if (e instanceof ResultsError) throw e;
        throw new ResultsError("UNREADABLE", file, `cannot read: ${(e as Error).message}`);
    }
    if (carry !== null) reader.pushLine(carry.toString("utf8"), ++lineNo, true);
    reader.bytes = bytes;
    return reader.finish();
}

/** Read AIPerf records already in memory (e.g. fetched from a pod log). */
export function parseRecordsText(text: string, file: string, options: RecordsOptions = {}): ParsedExport {
    const reader = new RecordsReader(file, options);
    let start = 0;
    let lineNo = 0;
    while (start < text.length) {
        const nl = text.indexOf("\n", start);
        if (nl === -1) {
            reader.pushLine(text.slice(start), ++lineNo, true);
            break;
        }
        reader.pushLine(text.slice(start, nl), ++lineNo, false);
        start = nl + 1;
    }
    reader.bytes = Buffer.byteLength(text, "utf8");
    return reader.finish();
}

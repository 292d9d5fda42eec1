// Per-request records (profile_export.jsonl): streaming, exact statistics, phases, errors, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { parseExport, parseRecordsFile, parseRecordsStream, ResultsError } from "../../lib/results";
import { percentileSorted, valuesAtRanks } from "../../lib/results/records";
import { referencePath, referenceSkip } from "../helpers/reference";
import { throwsResults } from "../helpers/results-assert";

const SAMPLE = referencePath("metrics", "aiperf-examples-run1-7c31f579__profile_export.jsonl");
const NO_METRICS = referenceSkip("metrics", "aiperf-examples-run1-7c31f579__profile_export.jsonl");

/** A record in the newer AIPerf layout (benchmark_phase, request_start_ns / request_end_ns). */
function rec(i: number, o: { phase?: string; ttft?: number; osl?: number; error?: boolean; icl?: number[] } = {}): string {
    const start = 1_000_000_000_000 + i * 1_000_000; // ns
    const metadata = {
        session_num: i,
        x_request_id: `id-${i}`,
        benchmark_phase: o.phase ?? "profiling",
        request_start_ns: start,
        request_end_ns: start + 500_000_000,
    };
    if (o.error) {
        return JSON.stringify({
            metadata,
            metrics: { error_isl: { value: 100, unit: "tokens" } },
            error: { code: 503, type: "ServiceUnavailable", message: "überlastet °" },
        });
    }
    const metrics: Record<string, unknown> = {
        time_to_first_token: { value: o.ttft ?? i, unit: "ms" },
        request_latency: { value: 100 + i, unit: "ms" },
        output_sequence_length: { value: o.osl ?? 10, unit: "tokens" },
        request_count: { value: 1, unit: "requests" },
    };
    if (o.icl) metrics.inter_chunk_latency = { value: o.icl, unit: "ms" };
    return JSON.stringify({ metadata, metrics, error: null });
}

async function rejectsResults(p: Promise<unknown>, code: string, line?: number): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof ResultsError, String(e));
        assert.equal(e.code, code, e.message);
        if (line !== undefined) assert.equal(e.line, line, e.message);
        return true;
    });
}

test("percentiles are numpy 'linear': values 1..100", () => {
    const a = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentileSorted(a, 100, 50), 50.5);
    assert.equal(percentileSorted(a, 100, 99), 99.01);
    assert.equal(percentileSorted(a, 100, 1), 1.99);
    assert.equal(percentileSorted(a, 1, 99), 1);
});

test("k-way merge of sorted chunks picks the right ranks", () => {
    const chunks = [Float64Array.from([1, 4, 9]), Float64Array.from([]), Float64Array.from([2, 3, 10, 11]), Float64Array.from([0])];
    assert.deepEqual(valuesAtRanks(chunks, [0, 1, 2, 2, 7]), [0, 1, 2, 2, 11]);
});

test("exact percentiles across many chunks, with integers turning into floats midway", () => {
    let x = 7;
    const values: number[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 150_000; i++) {
        x = (x * 48271) % 2147483647;
        const v = i < 100_000 ? x % 5000 : (x / 2147483647) * 5000; // ints first (Int32 chunks), then doubles
        values.push(v);
        lines.push(`{"metadata":{},"metrics":{"ttft":{"value":${v},"unit":"ms"}},"error":null}`);
    }
    const p = parseExport("profile_export.jsonl", lines.join("\n"));
    const sorted = Float64Array.from(values).sort();
    for (const [k, q] of [
        ["p1", 1],
        ["p5", 5],
        ["p10", 10],
        ["p25", 25],
        ["p50", 50],
        ["p75", 75],
        ["p90", 90],
        ["p95", 95],
        ["p99", 99],
    ] as const) {
        assert.equal(p.metrics.ttft.stats[k], percentileSorted(sorted, sorted.length, q), k);
    }
    assert.equal(p.metrics.ttft.stats.min, sorted[0]);
    assert.equal(p.metrics.ttft.stats.max, sorted[sorted.length - 1]);
    assert.equal(p.metrics.ttft.approximate, undefined);
});

test("counts, errors, exact stats, population std, duration and throughput from records", () => {
    const lines = [1, 2, 3, 4].map((i) => rec(i, { ttft: i * 10, osl: 20 }));
    lines.push(rec(5, { error: true }));
    const p = parseExport("profile_export.jsonl", lines.join("\n") + "\n");
    assert.equal(p.records, 5);
    assert.equal(p.metrics.requestCount.stats.avg, 4);
    assert.equal(p.metrics.errorCount.stats.avg, 1);
    assert.deepEqual(p.errorSummary, [{ count: 1, type: "ServiceUnavailable", code: 503, message: "überlastet °" }]);
    const t = p.metrics.ttft.stats;
    assert.deepEqual([t.avg, t.min, t.max, t.sum, t.p50, p.metrics.ttft.count], [25, 10, 40, 100, 25, 4]);
    assert.equal(t.std, Math.sqrt(125)); // population (ddof=0), like AIPerf/numpy
    assert.equal(p.metrics.errorInputSequenceLength.stats.avg, 100);
    // first start = 1e12 + 1e6 ns, last end = 1e12 + 5e6 + 5e8 ns → 0.504 s
    assert.ok(Math.abs(p.metrics.benchmarkDuration.stats.avg! - 0.504) < 1e-9);
    assert.ok(Math.abs(p.metrics.requestThroughput.stats.avg! - 4 / 0.504) < 1e-9);
    assert.ok(Math.abs(p.metrics.outputTokenThroughput.stats.avg! - 80 / 0.504) < 1e-9);
    assert.equal(p.metrics.request_count, undefined); // per-record counters are replaced by the record counts
});

test("phases are kept apart; the top-level metrics are the profiling phase", () => {
    const lines = [rec(1, { phase: "warmup", ttft: 1000 }), rec(2, { phase: "warmup", ttft: 1000 }), rec(3, { ttft: 5 }), rec(4, { ttft: 7 })];
    const p = parseExport("profile_export.jsonl", lines.join("\n"));
    assert.deepEqual(Object.keys(p.phases!).sort(), ["profiling", "warmup"]);
    assert.equal(p.phases!.warmup.metrics.ttft.stats.avg, 1000);
    assert.equal(p.phases!.warmup.requestCount, 2);
    assert.equal(p.metrics.ttft.stats.avg, 6);
    assert.equal(p.metrics.requestCount.stats.avg, 2);
});

test("old 0.1.x records: credit_phase and metric timestamps", { skip: NO_METRICS }, async () => {
    const p = await parseRecordsFile(SAMPLE);
    assert.equal(p.phases!.profiling.durationS !== undefined, true);
    assert.ok(Math.abs(p.phases!.profiling.durationS! - 9.317788951) < 1e-6);
});

test("CRLF line ends, blank lines, a BOM and no final newline are fine", () => {
    const text = "\uFEFF" + [rec(1), "", rec(2), "   ", rec(3)].join("\r\n");
    const p = parseExport("profile_export.jsonl", text);
    assert.equal(p.records, 3);
    assert.equal(p.metrics.ttft.stats.max, 3);
});

test("streaming: chunks that split lines and multi-byte characters give the same result as one string", async () => {
    const text = [rec(1), rec(2, { error: true }), rec(3, { icl: [1, 2, 3] })].join("\n") + "\n";
    const bytes = Buffer.from(text, "utf8");
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    const streamed = await parseRecordsStream(Readable.from(chunks), "profile_export.jsonl");
    const whole = parseExport("profile_export.jsonl", text);
    assert.deepEqual(streamed.metrics, whole.metrics);
    assert.deepEqual(streamed.errorSummary, whole.errorSummary);
    assert.equal(streamed.errorSummary![0].message, "überlastet °");
    assert.equal(streamed.bytes, bytes.length);
});

test("array values (inter_chunk_latency) are flattened; past exactLimit percentiles are estimates within 1%", () => {
    const lines: string[] = [];
    let x = 1;
    for (let i = 0; i < 200; i++) {
        const icl: number[] = [];
        for (let j = 0; j < 50; j++) icl.push(((x = (x * 48271) % 2147483647) / 2147483647) * 100 + 1);
        lines.push(rec(i, { icl }));
    }
    const text = lines.join("\n");
    const exact = parseExport("profile_export.jsonl", text);
    const approx = parseExport("profile_export.jsonl", text, { exactLimit: 1000 });
    const e = exact.metrics.interChunkLatency;
    const a = approx.metrics.interChunkLatency;
    assert.equal(e.count, 10000);
    assert.equal(e.approximate, undefined);
    assert.deepEqual(a.approximate, ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"]);
    for (const k of ["avg", "min", "max", "std", "sum"] as const) assert.equal(a.stats[k], e.stats[k], k); // always exact
    for (const k of a.approximate!) {
        const rel = Math.abs(a.stats[k]! - e.stats[k]!) / e.stats[k]!;
        assert.ok(rel < 0.01, `${k}: ${a.stats[k]} vs exact ${e.stats[k]}`);
    }
    assert.equal(approx.metrics.ttft.approximate, undefined); // 200 values: still exact
});

test("0-byte, blank, malformed, truncated and foreign records files are typed errors with lines", async () => {
    throwsResults(() => parseExport("profile_export.jsonl", ""), "EMPTY", 1);
    throwsResults(() => parseExport("profile_export.jsonl", "\n\n"), "EMPTY", 1);
    throwsResults(() => parseExport("profile_export.jsonl", [rec(1), "{oops", rec(3)].join("\n")), "MALFORMED", 2);
    throwsResults(() => parseExport("profile_export.jsonl", [rec(1), rec(2).slice(0, 40)].join("\n")), "PARTIAL", 2);
    throwsResults(() => parseExport("profile_export.jsonl", [rec(1), '{"hello": 1}'].join("\n")), "FOREIGN", 2);
    throwsResults(() => parseExport("profile_export.jsonl", "[1,2]\n"), "FOREIGN", 1);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "results-records-"));
    try {
        const empty = path.join(dir, "profile_export.jsonl");
        fs.writeFileSync(empty, "");
        await rejectsResults(parseRecordsFile(empty), "EMPTY", 1);
        const cut = path.join(dir, "cut_profile_export.jsonl");
        fs.writeFileSync(cut, [rec(1), rec(2), rec(3).slice(0, 100)].join("\n"));
        await rejectsResults(parseRecordsFile(cut), "PARTIAL", 3);
        await rejectsResults(parseRecordsFile(path.join(dir, "missing.jsonl")), "UNREADABLE");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

// Every sample in the reference metrics (test/helpers/reference.ts), parsed, with values read from the files asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseExportFile, summarizeRun, toStackOutputs, type ParsedExport } from "../../lib/results";
import { referencePath, referenceSkip } from "../helpers/reference";

const REF = referencePath("metrics");
const NO_METRICS = referenceSkip("metrics");
const ref = (name: string) => path.join(REF, name);
const parse = (name: string) => parseExportFile(ref(name));

function near(actual: number | undefined, expected: number, rel = 1e-9, msg?: string) {
    assert.ok(actual !== undefined, msg ?? `expected ${expected}, got undefined`);
    const tol = Math.max(Math.abs(expected) * rel, 1e-12);
    assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected}, got ${actual}`);
}

/** Per-file checks. Every sample must have an entry (see the last test). */
const CHECKS: Record<string, (p: ParsedExport) => void> = {
    "seed-example.csv": (p) => {
        assert.equal(p.tool, "genai-perf");
        assert.deepEqual(p.metrics.ttft.stats, {
            avg: 1146.31,
            min: 249.48,
            max: 3485.23,
            p99: 3457.97,
            p95: 3349.56,
            p90: 3215.06,
            p75: 1330.93,
            p50: 640.07,
            p25: 286.52,
        });
        assert.equal(p.metrics.ttst.stats.min, 0); // a real zero, not missing
        assert.equal(p.metrics.requestLatency.stats.max, 9608.72);
        assert.equal(p.metrics.itl.stats.p50, 30.13);
        assert.equal(p.metrics.inputSequenceLength.stats.avg, 3000.05);
        assert.equal(p.metrics.outputSequenceLength.stats.avg, 174.45);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 261.25);
        assert.equal(p.metrics.outputTokenThroughput.unit, "tokens/s");
        assert.equal(p.metrics.outputTokenThroughput.sourceUnit, "per sec");
        assert.equal(p.metrics.requestThroughput.stats.avg, 1.5);
        assert.equal(p.metrics.requestCount.stats.avg, 40);
        assert.equal(p.metrics.errorCount, undefined);
        assert.equal(Object.keys(p.metrics).length, 9);
    },
    "genai-perf-real-perf_analyzer-issue393-psydok-2025-07-07.csv": (p) => {
        assert.equal(p.tool, "genai-perf");
        assert.equal(p.metrics.ttft.stats.avg, 32688.4);
        assert.equal(p.metrics.ttft.stats.max, 69427.64);
        assert.equal(p.metrics.requestLatency.stats.max, 102848.43);
        assert.equal(p.metrics.requestLatency.stats.p25, 57505.44);
        assert.equal(p.metrics.inputSequenceLength.stats.avg, 4000.03);
        assert.equal(p.metrics.ttst.stats.avg, 416.23);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 410.43);
        assert.equal(p.metrics.requestThroughput.stats.avg, 1.7);
        assert.equal(p.metrics.requestCount.stats.avg, 353);
    },
    "genai-perf-testfixture-2024-08-23-68968e30-streaming_llm.csv": (p) => {
        assert.equal(p.tool, "genai-perf");
        assert.deepEqual(Object.keys(p.metrics).sort(), [
            "inputSequenceLength",
            "itl",
            "outputSequenceLength",
            "outputTokenThroughput",
            "requestLatency",
            "requestThroughput",
            "ttft",
        ]);
        assert.equal(p.metrics.outputSequenceLength.name, "Output Sequence Length"); // no unit in this version
        assert.equal(p.metrics.outputSequenceLength.unit, "tokens");
        assert.equal(p.metrics.itl.stats.p25, 10.5);
        assert.equal(p.metrics.inputSequenceLength.stats.p99, 6.98);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 456);
        assert.equal(p.metrics.requestThroughput.stats.avg, 123);
        assert.equal(p.metrics.requestCount, undefined); // no Request Count row yet
    },
    "genai-perf-testfixture-2024-12-23-bf54dfb5-missing_data.csv": (p) => {
        assert.deepEqual(p.metrics.requestLatency.stats, { min: 4, max: 6, p99: 5.98, p95: 5.9, p90: 5.8, p75: 5.5, p50: 5, p25: 4.5 });
        assert.equal(p.metrics.outputSequenceLength.stats.max, undefined);
        assert.equal(p.metrics.outputSequenceLength.stats.avg, 2);
        assert.deepEqual(p.metrics.inputSequenceLength.stats, {});
        assert.equal(p.metrics.requestCount.stats.avg, 3);
    },
    "genai-perf-testfixture-2024-12-23-bf54dfb5-streaming_llm.csv": (p) => {
        assert.equal(p.metrics.ttst.stats.avg, 2);
        assert.equal(p.metrics.ttst.stats.p25, 1.5);
        assert.equal(p.metrics.requestLatency.stats.avg, 5);
        assert.equal(p.metrics.requestCount.stats.avg, 3);
        assert.equal(p.gpuTelemetry.length, 0);
    },
    "genai-perf-testfixture-2024-12-23-bf54dfb5-triton_telemetry.csv": (p) => {
        assert.equal(Object.keys(p.metrics).length, 9); // GPU tables did not leak into request metrics
        assert.equal(p.metrics.ttft.stats.avg, 8);
        assert.equal(p.gpuTelemetry.length, 6);
        const power = p.gpuTelemetry.find((r) => r.metric === "GPU Power Usage")!;
        assert.deepEqual([power.gpu, power.unit, power.stats.avg, power.stats.p25, power.stats.max], ["gpu0", "W", 45.85, 45.53, 46.5]);
        const limit = p.gpuTelemetry.find((r) => r.metric === "GPU Power Limit")!;
        assert.equal(limit.value, 250);
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "Total GPU Memory")!.value, 8);
    },
    "genai-perf-testfixture-2025-01-02-8205e126-missing_data.csv": (p) => {
        assert.equal(p.metrics.outputSequenceLength.name, "Output Sequence Length (tokens)");
        assert.equal(p.metrics.outputSequenceLength.stats.max, undefined);
        assert.equal(p.metrics.requestLatency.stats.avg, undefined);
        assert.equal(p.metrics.requestLatency.stats.min, 4);
        assert.deepEqual(p.metrics.inputSequenceLength.stats, {});
    },
    "genai-perf-testfixture-2025-01-02-8205e126-streaming_llm.csv": (p) => {
        assert.equal(p.metrics.inputSequenceLength.stats.avg, 6);
        assert.equal(p.metrics.itl.stats.p99, 11.98);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 456);
    },
    "genai-perf-testfixture-2025-04-07-bae673ee-streaming_llm.csv": (p) => {
        assert.equal(p.metrics.outputTokenThroughputPerUser.stats.avg, 5);
        assert.equal(p.metrics.outputTokenThroughputPerUser.stats.p25, 4.5);
        assert.equal(p.metrics.outputTokenThroughputPerUser.unit, "tokens/s/user");
        assert.equal(p.metrics.outputTokenThroughput.sourceUnit, "tokens/sec");
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 456);
    },
    "genai-perf-testfixture-2025-12-15-263c5f6e-embedding.csv": (p) => {
        assert.deepEqual(Object.keys(p.metrics).sort(), ["requestCount", "requestLatency", "requestThroughput"]);
        assert.equal(p.metrics.requestLatency.stats.p1, 4.02);
        assert.equal(p.metrics.requestLatency.stats.p10, 4.2);
    },
    "genai-perf-testfixture-2025-12-15-263c5f6e-missing_data.csv": (p) => {
        assert.equal(p.metrics.requestLatency.stats.avg, undefined);
        assert.equal(p.metrics.requestLatency.stats.p1, 4.02);
        assert.equal(p.metrics.outputSequenceLength.stats.p5, 1.1);
        assert.deepEqual(p.metrics.inputSequenceLength.stats, {});
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 456);
    },
    "genai-perf-testfixture-2025-12-15-263c5f6e-nonstreaming_llm.csv": (p) => {
        assert.equal(p.metrics.ttft, undefined);
        assert.equal(p.metrics.itl, undefined);
        assert.equal(p.metrics.inputSequenceLength.stats.p1, 5.02);
        assert.equal(p.metrics.requestCount.stats.avg, 3);
    },
    "genai-perf-testfixture-2025-12-15-263c5f6e-streaming_llm.csv": (p) => {
        assert.deepEqual(p.metrics.ttft.stats, {
            avg: 8,
            min: 7,
            max: 9,
            p99: 8.98,
            p95: 8.9,
            p90: 8.8,
            p75: 8.5,
            p50: 8,
            p25: 7.5,
            p10: 7.2,
            p5: 7.1,
            p1: 7.02,
        });
        assert.equal(p.metrics.outputTokenThroughputPerUser.stats.p1, 4.02);
    },
    "genai-perf-testfixture-2025-12-15-263c5f6e-telemetry.csv": (p) => {
        assert.equal(Object.keys(p.metrics).length, 10);
        assert.equal(p.gpuTelemetry.length, 15);
        const clock = p.gpuTelemetry.find((r) => r.metric === "GPU Clock Sm")!;
        assert.deepEqual([clock.stats.avg, clock.stats.min, clock.stats.p1, clock.unit], [1525, 1500, 1500.5, "MHz"]); // "1,525.00" quoted
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "GPU Clock Memory")!.stats.max, 5100);
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "GPU Temperature")!.unit, "C");
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "GPU Power Limit")!.value, 250);
    },
    "aiperf-examples-run1-7c31f579__profile_export_aiperf.csv": (p) => {
        assert.equal(p.tool, "aiperf");
        assert.equal(p.metrics.ttft.name, "Time to First Token (ms)");
        assert.equal(p.metrics.ttft.stats.p10, undefined); // no p10 column in 0.1.x
        assert.deepEqual(p.metrics.ttft.stats, {
            avg: 2343.22,
            min: 464.66,
            max: 3853.86,
            p1: 581.2,
            p5: 728.68,
            p25: 1413.84,
            p50: 2369.32,
            p75: 3336.6,
            p90: 3796.93,
            p95: 3825.28,
            p99: 3833.39,
            std: 1049.82,
        });
        assert.equal(p.metrics.interChunkLatency.stats.p99, 140.53);
        assert.equal(p.metrics.outputTokenCount.stats.avg, 61.07);
        assert.equal(p.metrics.requestCount.stats.avg, 89);
        assert.equal(p.metrics.errorCount.stats.avg, 11);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 2320.72);
        assert.equal(p.metrics.requestThroughput.stats.avg, 9.55);
        assert.equal(p.metrics.benchmarkDuration.stats.avg, 9.32);
        assert.equal(p.metrics.benchmarkDuration.unit, "s");
        assert.equal(p.metrics.totalReasoningTokens.stats.avg, 19792);
        // Unknown metric kept under its own name.
        assert.equal(p.metrics["Maximum Response Timestamp (ns)"].stats.avg, 1759522428472357888);
        assert.equal(p.metrics["Maximum Response Timestamp (ns)"].unit, "ns");
    },
    "aiperf-examples-run1-7c31f579__profile_export_aiperf.json": (p) => {
        assert.equal(p.format, "aiperf-json-records");
        assert.equal(p.metrics.ttft.name, "ttft");
        assert.equal(p.metrics.ttft.stats.avg, 2343.219436988764);
        assert.equal(p.metrics.ttft.stats.p99, 3833.3894000399996);
        assert.equal(p.metrics.ttft.count, 89);
        assert.equal(p.metrics.ttst.stats.p50, 136.642199);
        assert.equal(p.metrics.interChunkLatency.count, 21537);
        assert.equal(p.metrics.requestCount.stats.avg, 89);
        assert.equal(p.metrics.requestCount.scalar, true);
        assert.equal(p.metrics.requestCount.count, undefined); // layout A's "count: 1" on scalars is dropped
        assert.equal(p.metrics.errorCount.stats.avg, 11);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 2320.7222350404572);
        assert.equal(p.metrics.benchmarkDuration.stats.avg, 9.317788951);
        assert.equal(p.metrics.min_request_timestamp.stats.avg, 1.759522419154569e18);
        assert.deepEqual(p.errorSummary, [{ count: 11, type: "RequestCancellationError", code: 499, message: "Request was cancelled after 0.000 seconds" }]);
    },
    "aiperf-examples-run1-7c31f579__profile_export.jsonl": (p) => {
        assert.equal(p.kind, "records-jsonl");
        assert.equal(p.records, 100);
        assert.equal(p.metrics.requestCount.stats.avg, 89);
        assert.equal(p.metrics.errorCount.stats.avg, 11);
        assert.deepEqual(Object.keys(p.phases!), ["profiling"]);
        // Exact statistics from the records match AIPerf's own summary (profile_export_aiperf.json).
        const t = p.metrics.ttft.stats;
        near(t.avg, 2343.219436988764);
        near(t.std, 1049.8164554204095);
        near(t.p1, 581.1957117999999);
        near(t.p50, 2369.317693);
        near(t.p90, 3796.9311679999996);
        near(t.p99, 3833.3894000399996);
        assert.equal(t.min, 464.66410099999996);
        assert.equal(t.max, 3853.857423);
        near(p.metrics.requestLatency.stats.p95, 9288.605606);
        near(p.metrics.itl.stats.p75, 31.228363955284554);
        assert.equal(p.metrics.outputTokenCount.count, 30);
        const icl = p.metrics.interChunkLatency;
        assert.equal(icl.count, 21537);
        near(icl.stats.p99, 140.53429476);
        near(icl.stats.avg, 27.755153106189347);
        near(p.metrics.benchmarkDuration.stats.avg, 9.317788951, 1e-7);
        near(p.metrics.outputTokenThroughput.stats.avg, 2320.7222350404572, 1e-7);
        near(p.metrics.requestThroughput.stats.avg, 9.551622221540914, 1e-7);
        assert.deepEqual(p.errorSummary, [{ count: 11, type: "RequestCancellationError", code: 499, message: "Request was cancelled after 0.000 seconds" }]);
    },
    "aiperf-dev-results-smoke-100k-conc-7fd33582__profile_export_aiperf.csv": (p) => {
        assert.equal(p.tool, "aiperf");
        assert.equal(p.metrics.ttft.stats.avg, 11205.91);
        assert.equal(p.metrics.ttft.stats.sum, 5394682734.72);
        assert.equal(p.metrics.ttft.stats.p10, 595.67);
        assert.equal(p.metrics.ttft.stats.std, 9827.95);
        const diff = p.metrics["OSL Mismatch Diff % (%)"];
        assert.equal(diff.unit, "%");
        assert.equal(diff.stats.avg, -21.09); // negative values are real
        assert.equal(diff.stats.sum, -10154826.56);
        assert.deepEqual(p.metrics.ttst.stats.p99, 0); // all-zero row, not missing
        assert.equal(p.metrics.requestCount.stats.avg, 481414);
        assert.equal(p.metrics.errorCount.stats.avg, 18586);
        assert.equal(p.metrics.requestThroughput.stats.avg, 3400.22);
        assert.equal(p.metrics.outputTokenThroughput.stats.avg, 343421.9);
        assert.equal(p.metrics.totalTokenThroughput.stats.avg, 778649.65);
        assert.equal(p.metrics.benchmarkDuration.stats.avg, 141.58);
        assert.equal(p.metrics["E2E Output Token Throughput (tokens/sec/user)"].stats.p99, 799.97);
    },
    "aiperf-dev-results-smoke-100k-conc-7fd33582__profile_export_aiperf.json": (p) => {
        assert.equal(p.format, "aiperf-json-flat (schema 1.0)");
        assert.equal(p.toolVersion, "0.8.0");
        assert.equal(p.metrics.requestLatency.stats.p99, 54340.43933500999);
        assert.equal(p.metrics.ttft.name, "time_to_first_token");
        assert.equal(p.metrics.ttft.stats.p10, 595.6656786);
        assert.equal(p.metrics.requestThroughput.stats.avg, 3400.2168222410205);
        assert.equal(p.metrics.requestThroughput.scalar, true);
        assert.equal(p.metrics.osl_mismatch_count.stats.avg, 481414); // explicit nulls → scalar
        assert.equal(p.metrics.osl_mismatch_count.scalar, true);
        assert.equal(p.metrics.osl_mismatch_diff_pct.stats.min, -21.09375);
        assert.equal(p.metrics.errorCount.stats.avg, 18586);
        assert.equal(p.metrics.totalTokenThroughput.stats.avg, 778649.6522931937);
        assert.equal(p.errorSummary?.[0].count, 18586);
        assert.equal(p.errorSummary?.[0].type, "ClientConnectorError");
    },
    "aiperf-rust-golden-25abba1e__server_metrics_export.csv": (p) => {
        assert.equal(p.kind, "server-metrics-csv");
        assert.equal(p.toolVersion, "0.0.0");
        assert.deepEqual(p.metrics, {}); // server metrics are not request metrics
        assert.equal(p.serverMetrics.length, 5);
        const [gauge, counter, hist, info1, info2] = p.serverMetrics;
        assert.deepEqual(
            [gauge.type, gauge.metric, gauge.unit, gauge.values.avg, gauge.values.p50, gauge.values.std],
            ["gauge", "num_requests_running", "requests", 2.5, 2.5, 1.2],
        );
        assert.deepEqual(gauge.labels, { model: "llama" });
        assert.equal(gauge.description, "Number of running requests.");
        assert.deepEqual(counter.values, { total: 1000, rate: 16.6667 }); // empty rate_* cells are absent
        assert.deepEqual([hist.values.count, hist.values.sum, hist.values.p99_estimate, hist.values.p1_estimate], [5, 3.5, 1.4, undefined]);
        assert.equal(hist.labels.buckets, "+Inf=5;0.1=1;1.0=3");
        assert.deepEqual([info1.type, info1.metric, info1.labels.Key, info1.labels.Value], ["info", "cache_config_info", "block_size", "16"]);
        assert.equal(info2.labels.Value, "1.2");
    },
    "aiperf-docs-gpu-telemetry-md-2025-10__example-csv-gpu-section.csv": (p) => {
        assert.deepEqual(p.metrics, {});
        assert.equal(p.gpuTelemetry.length, 11);
        const power = p.gpuTelemetry[0];
        assert.deepEqual(
            [power.endpoint, power.gpu, power.gpuName, power.metric, power.unit],
            ["localhost:9401", "0", "NVIDIA H100 80GB HBM3", "GPU Power Usage", "W"],
        );
        assert.equal(power.stats.avg, 348.69);
        assert.equal(power.stats.p10, undefined); // empty cell
        assert.equal(power.stats.std, 85.97);
        assert.equal(power.labels, undefined);
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "GPU Temperature")!.unit, "°C");
    },
    "aiperf-docs-gpu-telemetry-md-013e4607__example-csv-gpu-section-with-platform.csv": (p) => {
        assert.equal(p.gpuTelemetry.length, 11);
        const power = p.gpuTelemetry[0];
        assert.equal(power.name, "NVIDIA GPU Power Usage (W)");
        assert.equal(power.metric, "GPU Power Usage");
        assert.deepEqual(power.labels, { Platform: "nvidia" });
        assert.equal(p.gpuTelemetry.find((r) => r.metric === "Framebuffer Memory Free")!.stats.avg, 9387.26);
    },
};

for (const [name, check] of Object.entries(CHECKS)) {
    test(`reference sample ${name}`, { skip: NO_METRICS }, async () => check(await parse(name)));
}

test("every reference sample is covered", { skip: NO_METRICS }, () => {
    const files = fs
        .readdirSync(REF)
        .filter((f) => f !== "README.md")
        .sort();
    assert.ok(files.length >= 22, `expected the reference samples in ${REF}`);
    assert.deepEqual(files, Object.keys(CHECKS).sort());
});

test("genai-perf fixtures of one layout parse to the same values whatever their era", { skip: NO_METRICS }, async () => {
    const a = await parse("genai-perf-testfixture-2024-12-23-bf54dfb5-streaming_llm.csv");
    const b = await parse("genai-perf-testfixture-2025-01-02-8205e126-streaming_llm.csv");
    assert.deepEqual(a.metrics.inputSequenceLength.stats, b.metrics.inputSequenceLength.stats);
    assert.equal(a.metrics.inputSequenceLength.id, b.metrics.inputSequenceLength.id);
});

test("AIPerf run1: JSON, CSV and JSONL merged into one summary", { skip: NO_METRICS }, async () => {
    const s = await summarizeRun(
        ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"].map((f) => ref(`aiperf-examples-run1-7c31f579__${f}`)),
        { gpus: 2, concurrency: 100, parameters: { model: "openai/gpt-oss-20b" } },
    );
    assert.equal(s.tool.name, "aiperf");
    assert.equal(s.metrics.ttft.stats.avg, 2343.219436988764); // JSON wins over the 2-decimal CSV
    assert.ok(s.metrics.ttft.source.endsWith(".json"));
    assert.equal(s.metrics.requestCount.stats.avg, 89);
    near(s.derived.completionRate?.value, 0.89);
    near(s.derived.outputTokenThroughputPerGpu?.value, 2320.7222350404572 / 2);
    near(s.derived.outputTokenThroughputPerUser?.value, 36.68434853220158); // the tool's own per-user metric
    assert.equal(s.phases.profiling.requestCount, 89);
    assert.deepEqual(s.parameters, { model: "openai/gpt-oss-20b" });
    assert.equal(s.metrics["Maximum Response Timestamp (ns)"], undefined); // CSV duplicate of the JSON's max_response_timestamp
    assert.ok(s.metrics.max_response_timestamp);
    assert.deepEqual(s.warnings, []);
    const o = toStackOutputs(s);
    assert.equal(o.requestCount, 89);
    assert.equal(o.errorCount, 11);
    near(o.completionRate, 0.89);
    assert.equal(o.ttftMs?.p99, 3833.3894000399996);
});

test("AIPerf smoke run: completion rate from the real error count", { skip: NO_METRICS }, async () => {
    const s = await summarizeRun(ref("aiperf-dev-results-smoke-100k-conc-7fd33582__profile_export_aiperf.json"));
    near(s.derived.completionRate?.value, 481414 / 500000);
    assert.equal(s.tool.version, "0.8.0");
    assert.equal(s.outputs.errorCount, 18586);
});

test("acceptance figures of the seed example", { skip: NO_METRICS }, async () => {
    const o = toStackOutputs(await summarizeRun(ref("seed-example.csv")));
    assert.equal(o.ttftMs?.avg, 1146.31);
    assert.equal(o.ttftMs?.p99, 3457.97);
    assert.equal(o.outputTokenThroughputTokPerS, 261.25);
    assert.equal(o.requestThroughputReqPerS, 1.5);
    assert.equal(o.requestCount, 40);
    assert.equal(o.completionRate, undefined); // genai-perf has no error count: never a made-up 100%
    assert.equal(o.errorCount, undefined);
});

// Summary JSON exports: genai-perf, AIPerf layout A ("records") and layout B (flat, schema_version).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseExport, parseExportFile, summarizeExports, summarizeRun } from "../../lib/results";
import { quoteBareNonFinite } from "../../lib/results/json";
import { throwsResults } from "../helpers/results-assert";

const FIX = path.resolve(__dirname, "../fixtures/results");

test("bare NaN/Infinity are replaced outside strings only", () => {
    const r = quoteBareNonFinite('{"a": NaN, "b": -Infinity, "c": "NaN Infinity \\" NaN", "d": [Infinity]}');
    assert.equal(r.replaced, 3);
    assert.deepEqual(JSON.parse(r.text), { a: "NaN", b: "-Infinity", c: 'NaN Infinity " NaN', d: ["Infinity"] });
});

test("genai-perf JSON: NaN tolerated and reported, wrong units of 2024 ignored, telemetry kept apart", async () => {
    const p = await parseExportFile(path.join(FIX, "genai-perf-json/profile_export_genai_perf.json"));
    assert.equal(p.tool, "genai-perf");
    assert.equal(p.format, "genai-perf-json");
    assert.deepEqual(p.metrics.ttft.nonFinite, { std: "nan" });
    assert.equal(p.metrics.ttft.stats.std, undefined);
    assert.equal(p.metrics.ttft.stats.p99, 3457.97);
    assert.deepEqual(p.metrics.itl.nonFinite, { p99: "inf" });
    assert.ok(p.warnings.some((w) => /bare NaN\/Infinity/.test(w)));
    // "requests/sec" on ISL/OSL/count/throughput is genai-perf's 2024 unit bug: the id decides the unit.
    assert.equal(p.metrics.inputSequenceLength.unit, "tokens");
    assert.equal(p.metrics.inputSequenceLength.stats.avg, 3000.05);
    assert.equal(p.metrics.outputTokenThroughput.unit, "tokens/s");
    assert.equal(p.metrics.requestCount.unit, "requests");
    assert.equal(p.metrics.requestCount.stats.avg, 40);
    assert.equal(p.gpuTelemetry.length, 2);
    assert.deepEqual(
        p.gpuTelemetry.map((r) => [r.gpu, r.metric, r.unit, r.stats.avg]),
        [
            ["gpu0", "gpu_power_usage", "W", 45.85],
            ["gpu1", "gpu_power_usage", "W", 50],
        ],
    );
    assert.equal(p.metrics.gpu_power_usage, undefined);
});

test("AIPerf flat layout: version, telemetry_data, warmup phase, explicit empty error_summary, incomplete run", async () => {
    const dir = path.join(FIX, "aiperf-flat");
    const p = await parseExportFile(path.join(dir, "profile_export_aiperf.json"));
    assert.equal(p.format, "aiperf-json-flat (schema 1.4)");
    assert.equal(p.toolVersion, "0.13.0");
    assert.equal(p.metrics.requestLatency.count, 200);
    assert.equal(p.metrics.requestLatency.stats.sum, 20000);
    assert.equal(p.metrics.benchmarkDuration.stats.avg, 10);
    assert.equal(p.metrics.errorCount.stats.avg, 0); // from the explicit, empty error_summary
    assert.equal(p.metrics.errorCount.name, "error_summary");
    assert.deepEqual(p.errorSummary, []);
    assert.ok(p.warnings.some((w) => w.includes("incomplete: benchmark duration reached")));
    assert.equal(p.gpuTelemetry.length, 2);
    const g = p.gpuTelemetry[0];
    assert.deepEqual([g.endpoint, g.gpu, g.gpuName, g.gpuUuid, g.stats.p99], ["localhost:9400", "0", "NVIDIA H100 80GB HBM3", "GPU-0000", 399]);
    assert.deepEqual(g.labels, { platform: "nvidia", hostname: "node-a" });
    assert.equal(p.phases?.warmup.requestCount, 4);
    assert.equal(p.phases?.warmup.metrics.ttft.stats.p50, 48);

    const s = await summarizeRun(dir, { gpus: 8, phase: "profiling" });
    assert.equal(s.derived.completionRate?.value, 1);
    assert.equal(s.derived.outputTokenThroughputPerGpu?.value, 250);
    assert.equal(s.outputs.outputTokenThroughputPerGpuTokPerS, 250);
    assert.equal(s.phase, "profiling");
    assert.equal(s.phases.warmup.metrics.ttft.stats.avg, 50);
});

test("time units are converted to ms (and durations to s) by unit, not by guess", () => {
    const p = parseExport(
        "a_genai_perf.json",
        JSON.stringify({
            time_to_first_token: { unit: "sec", avg: 1.5, p99: 2 },
            request_latency: { unit: "ns", avg: 2_000_000 },
            inter_token_latency: { unit: "us", avg: 500 },
            benchmark_duration: { unit: "ms", avg: 2500 },
        }),
    );
    assert.deepEqual(p.metrics.ttft.stats, { avg: 1500, p99: 2000 });
    assert.equal(p.metrics.ttft.unit, "ms");
    assert.equal(p.metrics.ttft.sourceUnit, "sec");
    assert.equal(p.metrics.requestLatency.stats.avg, 2);
    assert.equal(p.metrics.itl.stats.avg, 0.5);
    assert.equal(p.metrics.benchmarkDuration.stats.avg, 2.5);
    assert.equal(p.metrics.benchmarkDuration.unit, "s");
});

test("a time metric with a non-time unit is kept unconverted, with a warning, and stays out of stack outputs", () => {
    const files = [{ name: "a_genai_perf.json", content: JSON.stringify({ time_to_first_token: { unit: "tokens", avg: 3 } }) }];
    const p = parseExport(files[0].name, files[0].content);
    assert.equal(p.metrics.ttft.unit, "tokens");
    assert.ok(p.warnings.some((w) => w.includes('unit "tokens"')));
    assert.equal(summarizeExports(files).outputs.ttftMs, undefined);
});

test("empty, truncated, malformed and foreign JSON give typed errors with lines", () => {
    throwsResults(() => parseExport("profile_export_aiperf.json", ""), "EMPTY", 1);
    const full = fs.readFileSync(path.join(FIX, "aiperf-flat/profile_export_aiperf.json"), "utf8");
    const cut = full.slice(0, 700);
    throwsResults(() => parseExport("profile_export_aiperf.json", cut), "PARTIAL", cut.split("\n").length, /truncated/);
    throwsResults(() => parseExport("profile_export_aiperf.json", '{\n  "request_count": {"unit": "requests", "avg": 1},\n  oops\n}'), "MALFORMED", 3);
    throwsResults(() => parseExport("profile_export_aiperf.json", "[1, 2]"), "FOREIGN", 1);
    throwsResults(() => parseExport("profile_export_aiperf.json", '{"hello": "world"}'), "FOREIGN", 1, /no metric blocks/);
    throwsResults(() => parseExport("x_genai_perf.json", '{"experiments": [{"requests": []}], "version": "1"}'), "FOREIGN", 1, /perf_analyzer/);
    throwsResults(() => parseExport("x_genai_perf.json", '{\n"request_latency": {"unit": "ms", "avg": "fast"}\n}'), "MALFORMED", 2, /request_latency\.avg/);
});

test("layout A with an unknown tag falls back to its header for the id", () => {
    const p = parseExport(
        "profile_export_aiperf.json",
        JSON.stringify({
            records: { goodput_v2: { tag: "goodput_v2", header: "Goodput", unit: "requests/sec", avg: 3.5, p50: null, count: 1 } },
        }),
    );
    assert.equal(p.metrics.goodput.stats.avg, 3.5);
    assert.equal(p.metrics.goodput.name, "goodput_v2");
    assert.equal(p.metrics.goodput.count, undefined);
});

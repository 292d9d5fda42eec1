// Synthetic CSV edge cases: one test per pitfall of the genai-perf / AIPerf CSV exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExport, summarizeExports, toStackOutputs } from "../../lib/results";
import { parseCell } from "../../lib/results/numbers";
import { throwsResults } from "../helpers/results-assert";

const GENAI = [
    "Metric,avg,min,max,p99,p95,p90,p75,p50,p25",
    'Time To First Token (ms),"1,146.31",249.48,"3,485.23","3,457.97","3,349.56","3,215.06","1,330.93",640.07,286.52',
    "Request Latency (ms),5.00,4.00,6.00,5.98,5.90,5.80,5.50,5.00,4.50",
    "",
    "Metric,Value",
    "Output Token Throughput (per sec),261.25",
    "Request Throughput (per sec),1.50",
    "Request Count (count),40.00",
];

const csv = (lines: string[], eol = "\n") => lines.join(eol) + eol;
const parseCsv = (text: string, name = "x_genai_perf.csv") => parseExport(name, text);

test("cells: thousands separators only in Python's exact form; N/A, empty, nan, inf", () => {
    assert.deepEqual(parseCell("1,146.31"), { kind: "number", value: 1146.31 });
    assert.deepEqual(parseCell("12,345,678.90"), { kind: "number", value: 12345678.9 });
    assert.deepEqual(parseCell("-1,000.00"), { kind: "number", value: -1000 });
    assert.deepEqual(parseCell("1759522428472357888.00"), { kind: "number", value: 1759522428472357888 });
    assert.deepEqual(parseCell("1e-3"), { kind: "number", value: 0.001 });
    assert.deepEqual(parseCell("0.00"), { kind: "number", value: 0 });
    assert.deepEqual(parseCell("N/A"), { kind: "missing" });
    assert.deepEqual(parseCell(""), { kind: "missing" });
    assert.deepEqual(parseCell("nan"), { kind: "nonfinite", value: "nan" });
    assert.deepEqual(parseCell("inf"), { kind: "nonfinite", value: "inf" });
    assert.deepEqual(parseCell("-inf"), { kind: "nonfinite", value: "-inf" });
    assert.equal(parseCell("1,14").kind, "invalid"); // not a thousands group
    assert.equal(parseCell("1.146,31").kind, "invalid"); // European decimal comma: never guessed
    assert.equal(parseCell("12abc").kind, "invalid");
});

test("LF, CRLF, CR-only and mixed line endings give the same result", () => {
    const lf = parseCsv(csv(GENAI, "\n"));
    const crlf = parseCsv(csv(GENAI, "\r\n"));
    const cr = parseCsv(csv(GENAI, "\r"));
    const mixed = parseCsv(GENAI.map((l, i) => l + (i % 2 ? "\r\n" : "\n")).join(""));
    for (const p of [crlf, cr, mixed]) assert.deepEqual(p.metrics, lf.metrics);
    assert.equal(lf.metrics.ttft.stats.avg, 1146.31);
    assert.equal(lf.metrics.ttft.stats.max, 3485.23);
    assert.equal(lf.metrics.requestCount.stats.avg, 40);
});

test("a UTF-8 BOM does not end up in the first header", () => {
    const p = parseCsv("\uFEFF" + csv(GENAI, "\r\n"));
    assert.equal(p.metrics.ttft.stats.avg, 1146.31);
    assert.equal(p.metrics.outputTokenThroughput.stats.avg, 261.25);
});

test("all tables are read, including two-column Metric,Value rows (CloudAI keeps only the first table)", () => {
    const p = parseCsv(csv(GENAI));
    assert.equal(p.metrics.outputTokenThroughput.stats.avg, 261.25);
    assert.equal(p.metrics.requestThroughput.stats.avg, 1.5);
    assert.equal(p.metrics.outputTokenThroughput.scalar, true);
    assert.equal(p.metrics.ttft.scalar, false);
});

test("tables are split at header rows, with 0, 1 or 2 blank rows between them", () => {
    const zero = GENAI.filter((l) => l !== "");
    const two = [...GENAI.slice(0, 3), "", "", ...GENAI.slice(4)];
    const ref = parseCsv(csv(GENAI)).metrics;
    assert.deepEqual(parseCsv(csv(zero)).metrics, ref);
    assert.deepEqual(parseCsv(csv(two)).metrics, ref);
});

test("cells are read by header name: any column order, extra sum column, missing p10", () => {
    const aiperf = csv(["Metric,p99,std,avg,max,min,sum,p50", "Time to First Token (ms),9.9,1.5,5.0,10.0,1.0,500.0,4.5"]);
    const p = parseCsv(aiperf, "profile_export_aiperf.csv");
    assert.deepEqual(p.metrics.ttft.stats, { p99: 9.9, std: 1.5, avg: 5, max: 10, min: 1, sum: 500, p50: 4.5 });
    assert.equal(p.tool, "aiperf");
});

test("N/A and empty cells are missing, not zero; real zeros and negatives are kept", () => {
    const p = parseCsv(csv(["Metric,avg,min,max,p99,p95,p90,p75,p50,p25", "Request Latency (ms),N/A,,6.00,0.00,0.00,0.00,0.00,0.00,-1.50"]));
    const s = p.metrics.requestLatency.stats;
    assert.equal(s.avg, undefined);
    assert.equal(s.min, undefined);
    assert.equal(s.p99, 0);
    assert.equal(s.p25, -1.5);
    assert.equal("avg" in s, false);
});

test("nan and inf cells are reported as non-finite and never reach stack outputs", () => {
    const text = csv([
        "Metric,avg,min,max,p99,p95,p90,p75,p50,p25",
        "Time To First Token (ms),nan,1.00,inf,-inf,5,5,5,5,5",
        "",
        "Metric,Value",
        "Output Token Throughput (tokens/sec),nan",
    ]);
    const p = parseCsv(text);
    assert.deepEqual(p.metrics.ttft.nonFinite, { avg: "nan", max: "inf", p99: "-inf" });
    assert.equal(p.metrics.ttft.stats.avg, undefined);
    const o = toStackOutputs(summarizeExports([{ name: "x_genai_perf.csv", content: text }]));
    assert.deepEqual(o.ttftMs, { min: 1, p25: 5, p50: 5, p75: 5, p90: 5, p95: 5 });
    assert.equal("outputTokenThroughputTokPerS" in o, false);
    assert.ok(!JSON.stringify(o).includes("null"));
});

test("GPU telemetry and server-metric tables are kept apart from request metrics", () => {
    const p = parseCsv(
        csv([
            ...GENAI,
            "",
            "Metric,GPU,avg,min,max,p99,p95,p90,p75,p50,p25",
            'Request Latency (ms),gpu0,"1,000.00",1,2,3,4,5,6,7,8',
            "GPU Power Usage (W),gpu1,45.85,45.20,46.50,46.49,46.44,46.37,46.17,45.85,45.53",
            "",
            "Metric,GPU,Value",
            "GPU Power Limit (W),gpu1,250.00",
        ]),
    );
    // A telemetry row that happens to share a request metric's name does not overwrite it.
    assert.equal(p.metrics.requestLatency.stats.avg, 5);
    assert.equal(p.gpuTelemetry.length, 3);
    assert.equal(p.gpuTelemetry[0].stats.avg, 1000);
    assert.deepEqual([p.gpuTelemetry[2].gpu, p.gpuTelemetry[2].value], ["gpu1", 250]);
});

test("AIPerf GPU table with Platform, Hostname, Namespace and Pod Name columns", () => {
    const p = parseExport(
        "profile_export_aiperf.csv",
        csv([
            "Metric,Value",
            "Request Count,10.00",
            "",
            "",
            "Endpoint,GPU_Index,GPU_Name,GPU_UUID,Platform,Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std,Hostname,Namespace,Pod Name",
            'http://node-a:9400/metrics,3,"NVIDIA H100, SXM",GPU-1,nvidia,NVIDIA GPU Power Usage (W),300.5,1,2,3,4,,5,6,7,8,9,10,0.5,node-a,bench,"dcgm-exporter-x7,1"',
        ]),
    );
    assert.equal(p.metrics.requestCount.stats.avg, 10); // AIPerf CSV with only section 2
    const r = p.gpuTelemetry[0];
    assert.deepEqual([r.gpu, r.gpuName, r.metric, r.unit, r.stats.avg, r.stats.p10], ["3", "NVIDIA H100, SXM", "GPU Power Usage", "W", 300.5, undefined]);
    assert.deepEqual(r.labels, { Platform: "nvidia", Hostname: "node-a", Namespace: "bench", "Pod Name": "dcgm-exporter-x7,1" });
});

test("unknown metrics are kept under their own names; unknown columns are ignored with a warning", () => {
    const p = parseExport(
        "profile_export_aiperf.csv",
        csv(["Metric,avg,min,max,p50,p99,std,mystery", "Overall Usage Prompt Cache Read % (%),12.5,0,50,10,49,3,zzz"]),
    );
    const m = p.metrics["Overall Usage Prompt Cache Read % (%)"];
    assert.equal(m.known, false);
    assert.equal(m.unit, "%");
    assert.equal(m.stats.avg, 12.5);
    assert.ok(p.warnings.some((w) => w.includes("mystery")));
});

test("a duplicate metric keeps the first and warns", () => {
    const p = parseCsv(csv(["Metric,avg", "Request Latency (ms),1", "Request Latency (ms),2"]));
    assert.equal(p.metrics.requestLatency.stats.avg, 1);
    assert.ok(p.warnings.some((w) => /line 2/.test(w)));
});

test("genai-perf goodput: -1.00 (invalid spec marker) is dropped, a real value is kept", () => {
    const bad = parseCsv(csv(["Metric,Value", "Request Goodput (per sec),-1.00"]));
    assert.equal(bad.metrics.goodput, undefined);
    assert.ok(bad.warnings.some((w) => w.includes("-1.00")));
    const good = summarizeExports([{ name: "a_genai_perf.csv", content: csv(["Metric,Value", "Request Goodput (per sec),1.25"]) }]);
    assert.equal(good.outputs.goodputReqPerS, 1.25);
});

test("0-byte and blank files: EMPTY, naming the file and line", () => {
    const e = throwsResults(() => parseCsv("", "run/profile_export_genai_perf.csv"), "EMPTY", 1);
    assert.match(e.message, /run\/profile_export_genai_perf\.csv:1/);
    throwsResults(() => parseCsv("\uFEFF \r\n\r\n"), "EMPTY", 1);
});

test("a file cut mid-row is PARTIAL at that line", () => {
    const cut = csv(GENAI).slice(0, csv(GENAI).indexOf("Request Throughput") + 20); // "Request Throughput (pe"
    throwsResults(() => parseCsv(cut), "PARTIAL", 7);
    const text = csv(GENAI.slice(0, 2)) + "Request Latency (ms),5.00,4.00,6.00";
    throwsResults(() => parseCsv(text), "PARTIAL", 3);
});

test("a file cut inside a quoted number is PARTIAL", () => {
    throwsResults(() => parseCsv('Metric,avg\nTime To First Token (ms),"1,14'), "PARTIAL", 2, /quoted/);
});

test("a short row in the middle is MALFORMED (not silently padded)", () => {
    const text = csv(["Metric,avg,min,max", "Request Latency (ms),1,2", "Time To First Token (ms),1,2,3"]);
    throwsResults(() => parseCsv(text), "MALFORMED", 2, /3 fields.*line 1 has 4/);
});

test("unquoted thousands separators (a hand edit) shift columns: MALFORMED, never a wrong number", () => {
    throwsResults(() => parseCsv(csv(["Metric,avg,min", "Time To First Token (ms),1,146.31,2.00"])), "MALFORMED", 2);
});

test("a non-number in a statistic column is MALFORMED, naming line and column", () => {
    throwsResults(() => parseCsv(csv(["Metric,avg,min", "Request Latency (ms),fast,2"])), "MALFORMED", 2, /column "avg".*"fast"/);
});

test("foreign CSVs are FOREIGN: wrong header, data before any header, analyze export, semicolons", () => {
    throwsResults(() => parseExport("people.csv", "name,age\nbob,3\n"), "FOREIGN", 1);
    throwsResults(() => parseExport("analyze_export_genai_perf.csv", "Config Name,Concurrency,ISL\nx,1,2\n"), "FOREIGN", 1);
    throwsResults(() => parseExport("x.csv", "Metric;avg;min\nRequest Latency (ms);1,5;2\n"), "FOREIGN", 1, /semicolon/);
    throwsResults(() => parseExport("x.csv", "Metric,foo,bar\nRequest Latency (ms),1,2\n"), "FOREIGN", 1, /no known statistic/);
});

test("a server-metrics export: comment preamble, four headers, mixed line endings", () => {
    const text =
        "# AIPerf Server Metrics Export (CSV)\n# aiperf_version: 0.13.0\n#\n" +
        "Endpoint,Type,Metric,Unit,avg,p99,dynamo_component,Description\r\n" +
        'http://fe:8000/metrics,gauge,dynamo_component_kvstats_gpu_cache_usage_percent,percent,0.5000,0.9000,prefill,"Usage, in percent"\r\n' +
        "\r\n" +
        "Endpoint,Metric,Key,Value,Description\r\n" +
        "http://fe:8000/metrics,build_info,version,1.6.1,Build.\r\n";
    const p = parseExport("server_metrics_export.csv", text);
    assert.equal(p.kind, "server-metrics-csv");
    assert.equal(p.toolVersion, "0.13.0");
    assert.equal(p.serverMetrics[0].line, 5);
    assert.deepEqual(p.serverMetrics[0].values, { avg: 0.5, p99: 0.9 });
    assert.deepEqual(p.serverMetrics[0].labels, { dynamo_component: "prefill" });
    assert.equal(p.serverMetrics[0].description, "Usage, in percent");
    assert.deepEqual(p.serverMetrics[1].labels, { Key: "version", Value: "1.6.1" });
    assert.deepEqual(p.metrics, {});
});

test("a comment preamble with no table is PARTIAL", () => {
    throwsResults(() => parseExport("server_metrics_export.csv", "# AIPerf Server Metrics Export (CSV)\n# aiperf_version: 1\n"), "PARTIAL", 2);
});

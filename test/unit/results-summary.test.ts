// Run summaries, derived figures, stack outputs, file discovery and the in-memory API.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findRuns, ResultsError, summarizeExports, summarizeRun, summarizeRuns, toStackOutputs, workerGpuCount, type RunSummary } from "../../lib/results";
import { referencePath, referenceSkip } from "../helpers/reference";

const REF = referencePath("metrics");
const NO_METRICS = referenceSkip("metrics");
const read = (f: string) => fs.readFileSync(path.join(REF, f), "utf8");

const GENAI =
    "Metric,avg,min,max,p99,p50\nTime To First Token (ms),10,5,20,19,9\n\nMetric,Value\nOutput Token Throughput (tokens/sec),800.00\nRequest Throughput (per sec),4.00\nRequest Count (count),40.00\n";

async function rejectsCode(p: Promise<unknown>, code: string): Promise<ResultsError> {
    let caught: unknown;
    try {
        await p;
    } catch (e) {
        caught = e;
    }
    assert.ok(caught instanceof ResultsError, `expected ResultsError ${code}, got ${String(caught)}`);
    assert.equal(caught.code, code, caught.message);
    return caught;
}

function allFiniteNumbers(v: unknown): boolean {
    if (typeof v === "number") return Number.isFinite(v);
    if (typeof v === "object" && v !== null) return Object.values(v).every(allFiniteNumbers);
    return false;
}

test("derived figures use the topology passed in, never a guess", () => {
    const none = summarizeExports([{ name: "p_genai_perf.csv", content: GENAI }]);
    assert.deepEqual(none.derived, {}); // no gpus, no concurrency, no per-user metric, no error count
    const s = summarizeExports([{ name: "p_genai_perf.csv", content: GENAI }], { gpus: 3, concurrency: 8 });
    assert.equal(s.derived.outputTokenThroughputPerGpu?.value, 800 / 3);
    assert.equal(s.derived.outputTokenThroughputPerUser?.value, 100);
    assert.match(s.derived.outputTokenThroughputPerUser!.basis, /concurrency 8/);
    assert.equal(s.derived.completionRate, undefined);
    assert.deepEqual(s.topology, { gpus: 3, concurrency: 8 });
});

test("per-user throughput prefers the tool's own per-user metric over throughput/concurrency", () => {
    const text = GENAI.replace(
        "Time To First Token (ms),10,5,20,19,9\n",
        "Time To First Token (ms),10,5,20,19,9\nOutput Token Throughput Per User (tokens/sec/user),42,40,44,43.9,42\n",
    );
    const s = summarizeExports([{ name: "p_genai_perf.csv", content: text }], { concurrency: 8 });
    assert.equal(s.derived.outputTokenThroughputPerUser?.value, 42);
    assert.equal(s.outputs.outputTokenThroughputPerUserTokPerS, 42);
});

test("workerGpuCount: replicas × TP × PP (or GPUs per replica); bad input rejected", () => {
    assert.equal(
        workerGpuCount([
            { replicas: 2, tensorParallel: 2 },
            { replicas: 1, gpusPerReplica: 4 },
            { tensorParallel: 2, pipelineParallel: 2 },
        ]),
        12,
    );
    assert.equal(workerGpuCount([]), 0);
    assert.throws(
        () => workerGpuCount([{ replicas: 1.5 }]),
        (e: unknown) => e instanceof ResultsError && e.code === "BAD_CONTEXT",
    );
});

test("bad context values are BAD_CONTEXT", () => {
    const files = [{ name: "p_genai_perf.csv", content: GENAI }];
    for (const ctx of [{ gpus: 0 }, { gpus: 1.5 }, { gpus: -2 }, { gpus: Number.NaN }, { concurrency: 0 }, { concurrency: Infinity }, { phase: "" }]) {
        assert.throws(
            () => summarizeExports(files, ctx),
            (e: unknown) => e instanceof ResultsError && e.code === "BAD_CONTEXT",
            JSON.stringify(ctx),
        );
    }
    assert.throws(
        () => summarizeExports(files, { tool: "vllm" as never }),
        (e: unknown) => e instanceof ResultsError && e.code === "BAD_CONTEXT",
    );
});

test("stack outputs: units in key names, plain finite numbers, absent figures omitted", { skip: NO_METRICS }, () => {
    const s = summarizeExports(
        ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"].map((f) => ({
            name: `aiperf-examples-run1-7c31f579__${f}`,
            content: read(`aiperf-examples-run1-7c31f579__${f}`),
        })),
        { gpus: 4 },
    );
    const o = toStackOutputs(s);
    assert.deepEqual(Object.keys(o).sort(), [
        "benchmarkDurationS",
        "completionRate",
        "errorCount",
        "inputSequenceLengthTokens",
        "itlMs",
        "outputSequenceLengthTokens",
        "outputTokenThroughputPerGpuTokPerS",
        "outputTokenThroughputPerUserTokPerS",
        "outputTokenThroughputTokPerS",
        "requestCount",
        "requestLatencyMs",
        "requestThroughputReqPerS",
        "ttftMs",
        "ttstMs",
    ]);
    assert.ok(allFiniteNumbers(o));
    assert.deepEqual(Object.keys(o.ttftMs!), ["avg", "min", "max", "std", "p1", "p5", "p25", "p50", "p75", "p90", "p95", "p99"]);
    assert.equal(o.outputTokenThroughputPerGpuTokPerS, 2320.7222350404572 / 4);
    assert.equal(o.benchmarkDurationS, 9.317788951);
    assert.deepEqual(s.outputs, o);
    assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
});

test("summaries from strings equal summaries from disk (same run, same numbers)", { skip: NO_METRICS }, async () => {
    const names = ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"].map((f) => `aiperf-examples-run1-7c31f579__${f}`);
    const fromDisk = await summarizeRun(
        names.map((n) => path.join(REF, n)),
        { concurrency: 100 },
    );
    const fromText = summarizeExports(
        names.map((n) => ({ name: path.join(REF, n), content: read(n) })),
        { concurrency: 100 },
    );
    assert.deepEqual(fromText.metrics, fromDisk.metrics);
    assert.deepEqual(fromText.outputs, fromDisk.outputs);
    assert.deepEqual(fromText.phases, fromDisk.phases);
});

test("a records file alone: completion rate and throughput computed from the records", { skip: NO_METRICS }, () => {
    const s = summarizeExports([{ name: "run/profile_export.jsonl", content: read("aiperf-examples-run1-7c31f579__profile_export.jsonl") }]);
    assert.equal(s.tool.name, "aiperf");
    assert.equal(s.outputs.requestCount, 89);
    assert.equal(s.outputs.errorCount, 11);
    assert.equal(s.outputs.completionRate, 0.89);
    assert.equal(s.metrics.requestCount.method, "records");
    assert.equal(s.metrics.min_request_timestamp.unit, "ns"); // unknown metrics from records are kept when nothing better exists
});

test("a summary and its records disagreeing on counts gives a warning", { skip: NO_METRICS }, () => {
    const csv = "Metric,Value\nRequest Count,90.00\nError Request Count,10.00\n";
    const s = summarizeExports([
        { name: "profile_export_aiperf.csv", content: csv },
        { name: "profile_export.jsonl", content: read("aiperf-examples-run1-7c31f579__profile_export.jsonl") },
    ]);
    assert.equal(s.metrics.requestCount.stats.avg, 90);
    assert.ok(
        s.warnings.some((w) => /requestCount: 90 .* but 89/.test(w)),
        s.warnings.join("\n"),
    );
});

test("summary JSON: schema, label, tool, parameters, phase, sources", { skip: NO_METRICS }, () => {
    const s: RunSummary = summarizeExports([{ name: "seed_genai_perf.csv", content: read("seed-example.csv") }], {
        phase: "main",
        parameters: { isl: 3000, osl: 175, concurrency: 2 },
    });
    assert.equal(s.schema, "dynamo-bench.results/v1");
    assert.equal(s.label, "seed_genai_perf.csv");
    assert.deepEqual(s.tool, { name: "genai-perf" });
    assert.equal(s.phase, "main");
    assert.deepEqual(s.parameters, { isl: 3000, osl: 175, concurrency: 2 });
    assert.equal(s.sources.length, 1);
    assert.equal(s.sources[0].format, "genai-perf-csv");
    assert.ok(s.sources[0].used.includes("ttft"));
    assert.ok(s.warnings.some((w) => /completion rate unknown/.test(w)));
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s); // plain JSON
});

test("the tool given in the context is checked against the files", () => {
    const s = summarizeExports([{ name: "p_genai_perf.csv", content: GENAI }], { tool: "aiperf" });
    assert.equal(s.tool.name, "genai-perf");
    assert.ok(s.warnings.some((w) => /context says tool "aiperf"/.test(w)));
});

test("only telemetry: no metrics and a warning, not zeros", { skip: NO_METRICS }, () => {
    const s = summarizeExports([{ name: "gpu.csv", content: read("aiperf-docs-gpu-telemetry-md-2025-10__example-csv-gpu-section.csv") }]);
    assert.deepEqual(s.metrics, {});
    assert.deepEqual(s.outputs, {});
    assert.equal(s.gpuTelemetry.length, 11);
    assert.ok(s.warnings.some((w) => /no request metrics/.test(w)));
});

function tree(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "results-tree-"));
    for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), content);
    }
    return root;
}

test("discovery: nested run folders of both tools, skipping files that are not summaries", { skip: NO_METRICS }, async () => {
    const aiperfJson = read("aiperf-examples-run1-7c31f579__profile_export_aiperf.json");
    const root = tree({
        "artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency1/profile_export_genai_perf.csv": read("seed-example.csv"),
        "artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency1/profile_export.json": '{"experiments": []}', // perf_analyzer raw
        "artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency1/inputs.json": '{"data": []}',
        "analyze_export_genai_perf.csv": "Config Name,Concurrency\nx,1\n",
        "aiperf/profile_runs/run_0001/profile_export_aiperf.json": aiperfJson,
        "aiperf/profile_runs/run_0001/profile_export_aiperf.csv": read("aiperf-examples-run1-7c31f579__profile_export_aiperf.csv"),
        "aiperf/profile_runs/run_0001/profile_export.jsonl": read("aiperf-examples-run1-7c31f579__profile_export.jsonl"),
        "aiperf/profile_runs/run_0001/profile_export_aiperf.csv.partial": "",
        "aiperf/aggregate/profile_export_aiperf_aggregate.json": "{}",
        "prefixed/foo.json": aiperfJson, // newer --profile-export-prefix foo
        "prefixed/notes.json": '{"hello": 1}',
        "prefixed/readme.txt": "hi",
    });
    try {
        const runs = findRuns(root);
        assert.deepEqual(
            runs.map((r) => [r.label, r.files.map((f) => path.basename(f.path))]),
            [
                ["aiperf/profile_runs/run_0001", ["profile_export.jsonl", "profile_export_aiperf.csv", "profile_export_aiperf.json"]],
                ["artifacts/Qwen_Qwen3-0.6B-openai-chat-concurrency1", ["profile_export_genai_perf.csv"]],
                ["prefixed/foo", ["foo.json"]],
            ],
        );
        const all = await summarizeRuns(root, { gpus: 2 });
        assert.equal(all.length, 3);
        assert.equal(all[0].outputs.completionRate, 0.89);
        assert.equal(all[1].outputs.ttftMs?.avg, 1146.31);
        assert.equal(all[1].outputs.outputTokenThroughputPerGpuTokPerS, 261.25 / 2);
        await rejectsCode(summarizeRun(root), "AMBIGUOUS");
        const one = await summarizeRun(path.join(root, "artifacts"));
        assert.equal(one.outputs.requestCount, 40);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("discovery: a renamed records file or server-metrics file joins the only summary of its folder", { skip: NO_METRICS }, () => {
    const root = tree({
        "run/profile_export_aiperf.json": read("aiperf-examples-run1-7c31f579__profile_export_aiperf.json"),
        "run/my_run.jsonl": read("aiperf-examples-run1-7c31f579__profile_export.jsonl"),
        "run/server_metrics_export.csv": read("aiperf-rust-golden-25abba1e__server_metrics_export.csv"),
        "two/a_genai_perf.csv": read("seed-example.csv"),
        "two/b_genai_perf.csv": read("seed-example.csv"),
        "two/c_profile_export.jsonl": read("aiperf-examples-run1-7c31f579__profile_export.jsonl"),
    });
    try {
        assert.deepEqual(
            findRuns(root).map((r) => [r.label, r.files.map((f) => path.basename(f.path))]),
            [
                ["run", ["my_run.jsonl", "profile_export_aiperf.json", "server_metrics_export.csv"]],
                ["two/a", ["a_genai_perf.csv"]],
                ["two/b", ["b_genai_perf.csv"]],
                ["two/c_", ["c_profile_export.jsonl"]],
            ],
        );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("a 0-byte export found in a run folder is an error naming it, not an empty result", async () => {
    const root = tree({ "run/profile_export_aiperf.csv": "" });
    try {
        const e = await rejectsCode(summarizeRun(root), "EMPTY");
        assert.match(e.message, /run\/profile_export_aiperf\.csv:1/);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("missing paths, empty directories and empty file lists", async () => {
    const root = tree({ "readme.txt": "x" });
    try {
        await rejectsCode(summarizeRun(path.join(root, "nope")), "UNREADABLE");
        await rejectsCode(summarizeRun(root), "NOT_FOUND");
        await rejectsCode(summarizeRuns(root), "NOT_FOUND");
        await rejectsCode(summarizeRun([]), "NOT_FOUND");
        assert.throws(
            () => summarizeExports([]),
            (e: unknown) => e instanceof ResultsError && e.code === "NOT_FOUND",
        );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});

test("an in-memory export with an uninformative name is recognised by its content", { skip: NO_METRICS }, () => {
    const s = summarizeExports([{ name: "pod-log-extract.txt", content: read("seed-example.csv") }]);
    assert.equal(s.outputs.requestCount, 40);
    assert.throws(
        () => summarizeExports([{ name: "x.txt", content: "hello world" }]),
        (e: unknown) => e instanceof ResultsError && e.code === "FOREIGN",
    );
});

// `dynamo-bench results`, run through the real bin shim (bin/dynamo-bench.js → tsx → cli/main.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT as ROOT } from "../../lib/paths";
import { referencePath, referenceSkip } from "../helpers/reference";
const BIN = path.join(ROOT, "bin/dynamo-bench.js");
// Relative to the repository root (the CLI's working directory), as a user would type it.
const SEED = path.relative(ROOT, referencePath("metrics", "seed-example.csv"));
const NO_METRICS = referenceSkip("metrics");

function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("results --json: the acceptance figures of the seed example", { skip: NO_METRICS }, () => {
    const r = cli("results", SEED, "--json");
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.tool.name, "genai-perf");
    assert.equal(s.metrics.ttft.unit, "ms");
    assert.equal(s.metrics.ttft.stats.avg, 1146.31);
    assert.equal(s.metrics.ttft.stats.p99, 3457.97);
    assert.equal(s.metrics.outputTokenThroughput.stats.avg, 261.25);
    assert.equal(s.metrics.outputTokenThroughput.unit, "tokens/s");
    assert.equal(s.metrics.requestThroughput.stats.avg, 1.5);
    assert.equal(s.metrics.requestCount.stats.avg, 40);
    assert.equal(s.outputs.ttftMs.avg, 1146.31);
    assert.equal(s.outputs.ttftMs.p99, 3457.97);
    assert.equal(s.outputs.outputTokenThroughputTokPerS, 261.25);
    assert.equal(s.outputs.requestThroughputReqPerS, 1.5);
    assert.equal(s.outputs.requestCount, 40);
});

test("results: an aligned table by default", { skip: NO_METRICS }, () => {
    const r = cli("results", SEED);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const header = lines.find((l) => /^\s+Metric\s+Unit\s+avg/.test(l))!;
    const ttft = lines.find((l) => /^\s+ttft\s/.test(l))!;
    assert.ok(header && ttft, r.stdout);
    assert.ok(ttft.includes("1146.31") && ttft.includes("3457.97"), ttft);
    // right-aligned numeric columns end at the same place as their header
    assert.equal(ttft.length, header.length);
    assert.match(r.stdout, /outputTokenThroughput\s+tokens\/s\s+261\.25/);
});

test("results with --gpus/--concurrency on a directory of several runs prints {runs: [...]}", { skip: NO_METRICS }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "results-cli-"));
    try {
        fs.mkdirSync(path.join(dir, "a"));
        fs.mkdirSync(path.join(dir, "b"));
        fs.copyFileSync(path.join(ROOT, SEED), path.join(dir, "a/profile_export_genai_perf.csv"));
        fs.copyFileSync(referencePath("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.json"), path.join(dir, "b/profile_export_aiperf.json"));
        const r = cli("results", dir, "--json", "--gpus", "2", "--concurrency=100");
        assert.equal(r.code, 0, r.stderr);
        const { runs } = JSON.parse(r.stdout);
        assert.equal(runs.length, 2);
        assert.equal(runs[0].outputs.outputTokenThroughputPerGpuTokPerS, 130.625);
        assert.equal(runs[0].outputs.outputTokenThroughputPerUserTokPerS, 2.6125);
        assert.equal(runs[1].outputs.completionRate, 0.89);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("unreadable input: exit 1 with a message naming the file (and line)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "results-cli-"));
    try {
        const empty = path.join(dir, "profile_export_aiperf.csv");
        fs.writeFileSync(empty, "");
        let r = cli("results", empty);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /profile_export_aiperf\.csv:1: file is empty \[EMPTY\]/);
        r = cli("results", path.join(dir, "missing"));
        assert.equal(r.code, 1);
        assert.match(r.stderr, /missing: no such file or directory/);
        const foreign = path.join(dir, "x.csv");
        fs.writeFileSync(foreign, "name,age\nbob,3\n");
        r = cli("results", foreign, "--json");
        assert.equal(r.code, 1);
        assert.match(r.stderr, /x\.csv:1: .*\[FOREIGN\]/);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("usage errors exit 2; --help exits 0", { skip: NO_METRICS }, () => {
    assert.equal(cli().code, 2);
    assert.equal(cli("frobnicate").code, 2);
    assert.equal(cli("results").code, 2);
    const bad = cli("results", SEED, "--gpus", "0");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--gpus expects a positive integer/);
    assert.equal(cli("results", SEED, "--bogus").code, 2);
    const help = cli("results", "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: dynamo-bench results/);
    assert.match(cli("--help").stdout, /results\s+summarize/);
});

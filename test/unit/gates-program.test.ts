// The gates at the program's edge: a bad gates section is one clear error
// naming the field, before any resource is registered; benchmark.repeats runs
// every phase k times on the target and folds the runs back; every stack's
// outputs gain valid, invalidReasons and gates, judged by one verdict resource.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import { REPO_ROOT } from "../../lib/paths";
import { GATE_OUTPUT_KEYS } from "../../lib/outputs";
import { gatesSchema } from "../../config/gates";

const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/report/local-outputs.json"), "utf8"));
const c1 = fixture.phases.c1;
/**
 * The local runner's result line for the spec it is given: every phase gets the
 * real c1 figures, except a second run (`-r2`) and any phase of a 2-replica
 * point, which lose one request to an error.
 */
function runStdout(name: string, inputs: Record<string, any>): string {
    // The cluster targets' Slurm job id and results collector: no figures needed here.
    if (name.endsWith("-job")) return "4242\n";
    if (name.endsWith("-results")) return `DYNAMO_BENCH_RESULT ${JSON.stringify({ ok: true, phases: [] })}`;
    let spec: { phases?: Array<{ name: string }>; decode: { replicas: number } };
    try {
        spec = JSON.parse(inputs.stdin ?? "{}");
    } catch {
        return ""; // a file the Slurm target writes, not a spec
    }
    if (!spec.phases) return "";
    const phases = spec.phases.map((p) => {
        const failing = p.name.endsWith("-r2") || spec.decode.replicas === 2;
        return { name: p.name, artifactDir: `/tmp/${p.name}`, outputs: failing ? { ...c1, requestCount: 39, errorCount: 1 } : c1 };
    });
    return `DYNAMO_BENCH_RESULT ${JSON.stringify({ ok: true, runId: "r1", runDir: "/tmp/r1", phases, timings: {} })}`;
}

let mocks: MockRecorder;
let program: typeof import("../../program");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-gates-unit-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

before(async () => {
    mocks = await setupMocks({ project: "dynamo-bench", stack: "local", commandStdout: runStdout });
    program = await import("../../program");
});
beforeEach(() => mocks.reset());

function setStackConfig(values: Record<string, unknown>) {
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(values).map(([k, v]) => [`dynamo-bench:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
        [],
    );
}

const BASE = {
    model: { id: "dynamo-bench/tiny-model", servedName: "tiny" },
    benchmark: { concurrency: [1], requestCount: 40, outputTokens: 64, inputTokens: 128 },
};
const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
};

describe("a bad gates section registers nothing", () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        [
            "an SLO on a metric that does not exist",
            { slo: ["ttftMs.p98 <= 500"] },
            /dynamo-bench:gates\.slo\[0\]: expected a metric of the stack outputs \(ttftMs\.\{avg\|min\|.*\}, .*outputTokenThroughputPerGpuTokPerS.*\) before the operator; "ttftMs\.p98" is not one, got "ttftMs\.p98 <= 500"/,
        ],
        [
            "an SLO that does not parse",
            { slo: ["ttft under 500"] },
            /dynamo-bench:gates\.slo\[0\]: expected "<metric> <=\|<\|>=\|> <number> \[in <phase>\]" such as .*, got "ttft under 500"/,
        ],
        [
            "an SLO on a phase the stack does not run",
            { slo: ["ttftMs.p99 <= 500 in c8"] },
            /dynamo-bench:gates\.slo\[0\]: names phase "c8", which this stack does not run \(phases: c1\)/,
        ],
        [
            "a tolerance on a metric that does not exist",
            { baseline: { file: "x.json" }, tolerances: { "ttft.p99": 10 } },
            /dynamo-bench:gates\.tolerances\.ttft\.p99: expected a metric of the stack outputs \(.*\), got "ttft\.p99"/,
        ],
        [
            "a tolerance on a metric without a better direction",
            { baseline: { file: "x.json" }, tolerances: { requestCount: 10 } },
            /dynamo-bench:gates\.tolerances\.requestCount: expected a metric with a better direction/,
        ],
        [
            "a tolerance out of range",
            { baseline: { file: "x.json" }, tolerances: { "ttftMs.p99": 250 } },
            /dynamo-bench:gates\.tolerances\.ttftMs\.p99: expected a percentage from 0 to 100, got 250/,
        ],
        [
            "tolerances without a baseline",
            { tolerances: { "ttftMs.p99": 10 } },
            /dynamo-bench:gates\.baseline: expected gates\.baseline \(stack or file\) to compare with/,
        ],
        [
            "a baseline without tolerances",
            { baseline: { stack: "org/dynamo-bench/main" } },
            /dynamo-bench:gates\.tolerances: expected at least one metric to compare with the baseline/,
        ],
        [
            "a baseline with both stack and file",
            { baseline: { stack: "a", file: "b" }, tolerances: { "ttftMs.p99": 10 } },
            /dynamo-bench:gates\.baseline: expected exactly one of stack and file/,
        ],
        ["a misspelled gate setting", { maxErrorRat: 0.1 }, /dynamo-bench:gates\.maxErrorRat: is not a known setting/],
        ["an error rate above 1", { maxErrorRate: 5 }, /dynamo-bench:gates\.maxErrorRate: expected a number <=1, got 5/],
    ];
    for (const [name, gates, message] of cases) {
        test(name, async () => {
            setStackConfig({ ...BASE, gates });
            assert.throws(
                () => program.stackFromConfig(),
                (error: Error) => {
                    assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${error.name}: ${error.message}`);
                    assert.match(error.message, /^Invalid stack configuration \(1 problem\)/);
                    assert.match(error.message, message);
                    return true;
                },
            );
            await mocks.settle();
            assert.equal(mocks.resources.length, 0);
        });
    }
    test("a baseline file that does not exist, or has no figures", async () => {
        const missing = path.join(dir, "missing.json");
        setStackConfig({ ...BASE, gates: { baseline: { file: missing }, tolerances: { "ttftMs.p99": 10 } } });
        assert.throws(() => program.stackFromConfig(), new RegExp(`dynamo-bench:gates\\.baseline\\.file: cannot read ${missing}: ENOENT`));
        const empty = file("empty.json", JSON.stringify({ resultsStatus: "not run: render mode", phases: {} }));
        setStackConfig({ ...BASE, gates: { baseline: { file: empty }, tolerances: { "ttftMs.p99": 10 } } });
        assert.throws(
            () => program.stackFromConfig(),
            new RegExp(`dynamo-bench:gates\\.baseline\\.file: the baseline file ${empty} has no figures \\(resultsStatus: "not run: render mode"\\)`),
        );
        await mocks.settle();
        assert.equal(mocks.resources.length, 0);
    });
});

describe("repeats and gates in the program", () => {
    test("the target runs each phase twice; the outputs fold the runs and judge each one", async () => {
        const baseline = file("base.json", JSON.stringify(fixture));
        setStackConfig({
            ...BASE,
            benchmark: { ...BASE.benchmark, repeats: 2 },
            gates: { baseline: { file: baseline }, tolerances: { "itlMs.avg": 10 }, onInvalid: "record" },
        });
        const { plan, secrets, gates } = program.stackFromConfig();
        const outputs = program.deployStack(plan, secrets, { commandRunner: "pulumi-command" }, gates) as Record<string, unknown>;
        await mocks.settle();
        const run = mocks.one("command:local:Command");
        const spec = JSON.parse(run.inputs.stdin);
        assert.deepEqual(
            spec.phases.map((p: { name: string }) => p.name),
            ["c1-r1", "c1-r2"],
        );
        assert.equal(spec.benchmark.repeats, undefined, "the target's spec carries its runs, not the repeat count");
        assert.deepEqual(Object.keys(outputs).slice(-GATE_OUTPUT_KEYS.length), [...GATE_OUTPUT_KEYS]);
        const phases = (await promiseOf(pulumi.output(outputs.phases))) as Record<string, any>;
        assert.equal(phases.c1.requestCount, 39.5);
        assert.equal(phases.c1.repeats.spread.errorCount, 1);
        assert.deepEqual(await promiseOf(pulumi.output(outputs.invalidReasons)), ["c1 run 2: 1 of 40 requests failed (2.5%), above gates.maxErrorRate 0"]);
        assert.equal(await promiseOf(pulumi.output(outputs.valid)), false);
        const verdict = (await promiseOf(pulumi.output(outputs.gates))) as Record<string, any>;
        assert.equal(verdict.status, "pass", "onInvalid: record keeps the invalid run without failing");
        assert.deepEqual(verdict.recorded, ["invalid: c1 run 2: 1 of 40 requests failed (2.5%), above gates.maxErrorRate 0"]);
        assert.deepEqual(
            verdict.regression.rows.map((r: any) => [r.where, r.metric, r.verdict]),
            [["c1", "itlMs.avg", "better or equal"]],
        );
        const component = mocks.one("dynamo-bench:gates:Gates");
        assert.equal(component.name, "local-gates");
        const check = mocks.resources.find((r) => r.name === "local-gates-verdict")!;
        assert.equal(check.parent, component.urn);
        assert.deepEqual(check.inputs.failures, []);
    });
});

/** The first-column keys of the table under `heading` in a docs file. */
function tableKeys(file: string, heading: string): string[] {
    const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
    const start = lines.indexOf(heading);
    assert.ok(start >= 0, `${file} has no heading ${heading}`);
    const keys: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (/^#+ /.test(line)) break;
        const cell = /^\| `([^`]+)` \|/.exec(line);
        if (cell) keys.push(cell[1]!);
    }
    return keys;
}

describe("gates on a sweep", () => {
    test("every point's phases are judged, named <point>/<phase>; the gate fails with them", async () => {
        setStackConfig({ ...BASE, sweep: { grid: { "decode.replicas": [1, 2] } } });
        const { plan, secrets, gates } = program.stackFromConfig();
        const outputs = program.deployStack(plan, secrets, { commandRunner: "pulumi-command" }, gates) as Record<string, unknown>;
        await mocks.settle();
        assert.deepEqual(await promiseOf(pulumi.output(outputs.invalidReasons)), ["d2/c1: 1 of 40 requests failed (2.5%), above gates.maxErrorRate 0"]);
        const verdict = (await promiseOf(pulumi.output(outputs.gates))) as Record<string, any>;
        assert.equal(verdict.status, "fail");
        const check = mocks.resources.find((r) => r.name === "local-gates-verdict")!;
        assert.deepEqual(check.inputs.failures, ["invalid: d2/c1: 1 of 40 requests failed (2.5%), above gates.maxErrorRate 0"]);
    });
});

describe("docs/gates.md lists what exists", () => {
    test("its stack outputs table is GATE_OUTPUT_KEYS", () => {
        assert.deepEqual(tableKeys("docs/gates.md", "## Stack outputs"), [...GATE_OUTPUT_KEYS]);
    });
    test("its settings table is every gates setting, and benchmark.repeats", () => {
        const settings = Object.keys(gatesSchema.parse({})).concat("baseline", "tolerances");
        const expected = [...new Set(settings)].map((k) => `gates.${k}`).sort();
        assert.deepEqual(
            tableKeys("docs/gates.md", "## Settings")
                .filter((k) => k.startsWith("gates."))
                .sort(),
            expected,
        );
        assert.ok(tableKeys("docs/gates.md", "## Settings").includes("benchmark.repeats"));
    });
});

describe("benchmark.goodput", () => {
    test("per-request limits become the client's --goodput on every phase; the user's own flag wins", async () => {
        const { loadSpec } = await import("../../config/load");
        const spec = loadSpec({ ...BASE, benchmark: { ...BASE.benchmark, concurrency: [1, 4], goodput: { ttftMs: 500, itlMs: 20 } } }, "s");
        assert.deepEqual(
            spec.phases.map((p) => p.extraArgs),
            [
                ["--goodput", "time_to_first_token:500 inter_token_latency:20"],
                ["--goodput", "time_to_first_token:500 inter_token_latency:20"],
            ],
        );
        const own = loadSpec(
            { ...BASE, benchmark: { ...BASE.benchmark, goodput: { requestLatencyMs: 900 }, extraArgs: ["--goodput", "request_latency:5"] } },
            "s",
        );
        assert.deepEqual(own.phases[0]!.extraArgs, ["--goodput", "request_latency:5"]);
        assert.throws(
            () => loadSpec({ ...BASE, benchmark: { ...BASE.benchmark, goodput: { ttft: 5 } } }, "s"),
            /dynamo-bench:benchmark\.goodput\.ttft: is not a known setting/,
        );
    });
});

describe("benchmark.repeats on the cluster targets", () => {
    for (const target of ["kubernetes", "slurm"] as const) {
        test(`${target}: the runs reach the target's resources, round by round`, async () => {
            const { k8sSpec } = await import("./k8s-fixtures");
            const { slurmSpec } = await import("./slurm-fixtures");
            const over = { benchmark: { concurrency: [1, 4], repeats: 2 } };
            const spec = target === "kubernetes" ? k8sSpec(over) : slurmSpec(over);
            program.deployBenchmark(spec, {}, { commandRunner: "pulumi-command" });
            await mocks.settle();
            const text = JSON.stringify(mocks.resources.map((r) => r.inputs));
            const order = ["c1-r1", "c4-r1", "c1-r2", "c4-r2"].map((run) => text.indexOf(run));
            assert.ok(
                order.every((i) => i >= 0),
                `every run named in ${target}'s resources: ${order}`,
            );
            assert.deepEqual(
                order,
                [...order].sort((a, b) => a - b),
                "round by round: c1-r1, c4-r1, c1-r2, c4-r2",
            );
            assert.ok(!/"c1"|"c4"/.test(text.replace(/"c[14]-r[12]"/g, "")), "no phase runs under its own name");
        });
    }
});

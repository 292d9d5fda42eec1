// A sweep through the program under Pulumi mocks: one Point component per
// point, each point's benchmark under it, points chained in order, the
// rejected ones deployed not at all, and the stack outputs (points, frontier,
// best) computed from the figures each point's run reported.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import { loadSweep } from "../../config/load-sweep";
import { BENCHMARK_OUTPUT_KEYS } from "../../lib/outputs";
import { REPO_ROOT } from "../../lib/paths";
import { formatResultLine } from "../../lib/results";
import { SWEEP_OUTPUT_KEYS } from "../../lib/sweep/outputs";

/** Figures that depend on the point (decode replicas) and the load, so the frontier has something to rank. */
function runStdout(_name: string, inputs: Record<string, any>): string {
    const spec = JSON.parse(inputs.stdin ?? inputs.create?.stdin ?? "{}");
    if (!spec.phases) return "";
    const replicas = spec.decode.replicas as number;
    const phases = (spec.phases as Array<{ name: string; concurrency: number }>).map((p) => ({
        name: p.name,
        artifactDir: `/tmp/${p.name}`,
        outputs: {
            ttftMs: { p99: 10 * p.concurrency },
            outputTokenThroughputPerGpuTokPerS: 100 * p.concurrency * replicas,
            outputTokenThroughputPerUserTokPerS: 1000 / p.concurrency / replicas,
        },
    }));
    return formatResultLine({ ok: true, runId: `run-${spec.name}`, runDir: `/tmp/${spec.name}`, phases, timings: {} } as never);
}

let mocks: MockRecorder;
let program: typeof import("../../program");

before(async () => {
    mocks = await setupMocks({ commandStdout: runStdout });
    program = await import("../../program");
});

const raw = {
    model: { id: "m" },
    name: "sw",
    gpusPerNode: 4,
    benchmark: { concurrency: [1, 4] },
    sweep: { grid: { "decode.replicas": [1, 2], "decode.tensorParallel": [1, 8] }, limits: { ttftP99Ms: 20 } },
};

describe("a local sweep under mocks", () => {
    let outputs: Record<string, any>;
    before(async () => {
        mocks.reset();
        const plan = loadSweep(raw, "test");
        const out = program.deployStack({ sweep: plan }, {}, { commandRunner: "dynamic" });
        await mocks.settle();
        outputs = (await promiseOf(pulumi.output(out))) as Record<string, any>;
    });

    test("one Point component per accepted point, named by its id, each holding its own benchmark", () => {
        const points = mocks.ofType("dynamo-bench:sweep:Point");
        assert.deepEqual(
            points.map((p) => p.name),
            ["d1-dtp1", "d2-dtp1"],
        );
        for (const point of points) {
            const bench = mocks.resources.find((r) => r.type === "dynamo-bench:local:Benchmark" && r.parent === point.urn);
            assert.equal(bench?.name, `sw-${point.name}`);
        }
        // dtp8 does not fit gpusPerNode 4: rejected before anything was registered for it.
        assert.ok(!mocks.resources.some((r) => r.name.includes("dtp8")));
    });

    test("points are chained: point 2 and its run wait for point 1's run; point 1 waits for nothing", () => {
        const [first, second] = mocks.ofType("dynamo-bench:sweep:Point");
        const run = (name: string) => mocks.resources.find((r) => r.custom && r.name === name)!;
        // dependsOn on a component means on every resource under it: the SDK sends the engine the run's URN.
        assert.ok(mocks.dependsOn(second!, run("sw-d1-dtp1-run")));
        assert.ok(mocks.dependsOn(run("sw-d2-dtp1-run"), run("sw-d1-dtp1-run")));
        assert.deepEqual(first!.dependencies, []);
        // Ordering only: point 2's run does not take anything of point 1 as input.
        assert.ok(!JSON.stringify(run("sw-d2-dtp1-run").inputs).includes("d1-dtp1"));
    });

    test("outputs: the usual keys, then points, frontier and best from the reported figures", () => {
        assert.deepEqual(Object.keys(outputs), [...BENCHMARK_OUTPUT_KEYS, ...SWEEP_OUTPUT_KEYS]);
        assert.equal(outputs.benchmark, "sw");
        assert.equal(outputs.workerGpus, 3);
        assert.equal(outputs.resultsStatus, "collected");
        assert.deepEqual(Object.keys(outputs.details.rejectedPoints), ["d1-dtp8", "d2-dtp8"]);
        assert.deepEqual(outputs.points["d2-dtp1"].settings, { "decode.replicas": 2, "decode.tensorParallel": 1 });
        assert.deepEqual(outputs.points["d2-dtp1"].loads, { c1: { concurrency: 1 }, c4: { concurrency: 4 } });
        assert.equal(outputs.points["d2-dtp1"].phases.c4.outputTokenThroughputPerGpuTokPerS, 800);
        assert.equal(outputs.points["d1-dtp1"].details.runId, "run-sw-d1-dtp1");
        // Per GPU up with load and replicas, per user down: every candidate is Pareto-optimal here.
        assert.equal(outputs.frontier.length, 4);
        // The ttft limit (20 ms p99) leaves c1 only; the best per GPU under it is d2 at c1.
        assert.deepEqual([outputs.best.outputTokenThroughputPerGpu.point, outputs.best.outputTokenThroughputPerGpu.load], ["d2-dtp1", "c1"]);
    });
});

test("docs/sweeps.md lists the sweep's output keys", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs/sweeps.md"), "utf8");
    const start = text.indexOf("## Stack outputs");
    const end = text.indexOf("\n## ", start + 1);
    const section = text.slice(start, end < 0 ? undefined : end);
    const keys = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(keys, [...BENCHMARK_OUTPUT_KEYS, ...SWEEP_OUTPUT_KEYS]);
});

describe("bad sweeps stop at the program's edge: one error naming the field, nothing registered", () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["unknown setting", { "decode.replica": [1, 2] }, /dynamo-bench:sweep\.grid\.decode\.replica: is not a sweepable setting/],
        ["duplicate ids", { "decode.replicas": [2, 2] }, /dynamo-bench:sweep\.grid: point 2 gets the id "d2"/],
        ["every point rejected", { "decode.tensorParallel": [16, 32] }, /dynamo-bench:sweep: expected at least one point to pass the checks, got none of 2/],
    ];
    for (const [name, grid, says] of cases) {
        test(name, async () => {
            const before = mocks.resources.length;
            pulumi.runtime.setAllConfig({ "dynamo-bench:model": JSON.stringify({ id: "m" }), "dynamo-bench:sweep": JSON.stringify({ grid }) }, []);
            assert.throws(
                () => program.stackFromConfig(),
                (error: Error) => error instanceof pulumi.RunError && says.test(error.message),
            );
            await mocks.settle();
            assert.equal(mocks.resources.length, before);
        });
    }
});

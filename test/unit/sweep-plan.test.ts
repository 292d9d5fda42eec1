// The sweep planner (config/load-sweep.ts with lib/sweep/*): expansion, ids,
// per-point validation through the one schema and rules, constraints, and one
// clear error for each kind of bad input, all before anything is deployed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../config/load";
import { loadStack, loadSweep, type SweepPlan } from "../../config/load-sweep";
import { expandPoints, pointConfig, pointCount } from "../../lib/sweep/expand";
import { pointIds } from "../../lib/sweep/ids";
import { SWEEPABLE_PATHS } from "../../lib/sweep/settings";

const base = { model: { id: "Qwen/Qwen3-0.6B" } };
const plan = (sweep: unknown, extra: Record<string, unknown> = {}): SweepPlan => loadSweep({ ...base, ...extra, sweep }, "bench");

function configError(sweep: unknown, extra: Record<string, unknown> = {}): ConfigError {
    try {
        plan(sweep, extra);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error;
    }
    assert.fail("expected a ConfigError");
}

describe("sweep expansion and ids", () => {
    test("grid product (last key fastest), then explicit points; ids only from what differs", () => {
        const p = plan({ grid: { "prefill.replicas": [1, 2], "decode.tensorParallel": [1, 2] }, points: [{ "prefill.replicas": 1, "decode.replicas": 3 }] });
        assert.deepEqual(
            p.points.map((x) => x.id),
            ["p1-dtp1", "p1-dtp2", "p2-dtp1", "p2-dtp2", "p1-d3"],
        );
        assert.deepEqual(p.points[1]!.settings, { "prefill.replicas": 1, "decode.tensorParallel": 2 });
        assert.equal(p.points[1]!.spec.decode.tensorParallel, 2);
        assert.equal(p.points[4]!.spec.decode.replicas, 3);
        assert.equal(p.points[3]!.spec.totalWorkerGpus, 2 * 1 + 1 * 2);
    });

    test("a setting every point shares is not in the ids", () => {
        const p = plan({ grid: { "frontend.routerMode": ["kv"], "decode.replicas": [1, 2] } });
        assert.deepEqual(
            p.points.map((x) => x.id),
            ["d1", "d2"],
        );
        assert.equal(p.points[0]!.spec.frontend.routerMode, "kv");
    });

    test("words are shortened, sets take their label or their position", () => {
        const p = plan({
            grid: {
                mode: ["disaggregated"],
                "frontend.routerMode": ["round-robin", "kv"],
                "decode.extraArgs": [{ label: "FP8", value: ["--quantization", "fp8"] }, ["--enforce-eager"]],
            },
        });
        assert.deepEqual(
            p.points.map((x) => x.id),
            ["rr-da-fp8", "rr-da2", "kv-da-fp8", "kv-da2"],
        );
        assert.deepEqual(p.points[0]!.spec.decode.extraArgs, ["--quantization", "fp8"]);
        // The settings keep the value as typed, label included.
        assert.deepEqual(p.points[0]!.settings["decode.extraArgs"], { label: "FP8", value: ["--quantization", "fp8"] });
    });

    test("each point is named <name>-<id>; one point with no differences is named by its settings", () => {
        assert.deepEqual(
            plan({ points: [{ "decode.replicas": 2 }] }, { name: "sw" }).points.map((x) => x.spec.name),
            ["sw-d2"],
        );
    });

    test("ids are stable: the same sweep gives the same ids, and adding an explicit point keeps the grid's", () => {
        const grid = { "prefill.replicas": [1, 2], "decode.replicas": [1, 2] };
        const before = pointIds(expandPoints({ grid, points: [] }));
        const after = pointIds(expandPoints({ grid, points: [{ "prefill.replicas": 1, "decode.replicas": 4 }] }));
        assert.deepEqual(after.slice(0, 4), before);
    });

    test("pointConfig sets dotted paths on a copy, creating sections, before any parsing", () => {
        const raw = { model: { id: "m" }, decode: { replicas: 1 } };
        const out = pointConfig(raw, { "decode.tensorParallel": 2, "prefill.env": { label: "x", value: { A: "1" } } });
        assert.deepEqual(out, { model: { id: "m" }, decode: { replicas: 1, tensorParallel: 2 }, prefill: { env: { A: "1" } } });
        assert.deepEqual(raw, { model: { id: "m" }, decode: { replicas: 1 } });
        assert.equal(pointCount({ grid: { a: [1, 2], b: [1, 2, 3] }, points: [{}] }), 7);
    });
});

describe("constraints skip points, listing the reason", () => {
    test("the configuration rules (a worker fits gpusPerNode) reject a point; the others run", () => {
        const p = plan({ grid: { "decode.tensorParallel": [4, 16] } }, { gpusPerNode: 8 });
        assert.deepEqual(
            p.points.map((x) => x.id),
            ["dtp4"],
        );
        assert.equal(p.rejected.length, 1);
        assert.equal(p.rejected[0]!.id, "dtp16");
        assert.equal(p.rejected[0]!.reasons[0]!.path, "decode.tensorParallel");
        assert.match(p.rejected[0]!.reasons[0]!.message, /fit one node of 8 GPUs/);
    });

    test("prefill TP <= decode TP, only when asked", () => {
        const sweep = { grid: { "prefill.tensorParallel": [1, 2], "decode.tensorParallel": [1, 2] } };
        assert.equal(plan(sweep).points.length, 4);
        const asked = plan({ ...sweep, constraints: { prefillTpAtMostDecodeTp: true } });
        assert.deepEqual(
            asked.rejected.map((r) => r.id),
            ["ptp2-dtp1"],
        );
        assert.match(asked.rejected[0]!.reasons[0]!.message, /at most decode\.tensorParallel \(1\)/);
    });

    test("the cluster's GPU budget, when the sweep states it", () => {
        const p = plan({ grid: { "decode.replicas": [1, 3] }, constraints: { clusterGpus: 3 } });
        assert.deepEqual(
            p.rejected.map((r) => [r.id, r.reasons[0]!.path]),
            [["d3", "sweep.constraints.clusterGpus"]],
        );
    });

    test("Slurm's shared-node sums are the Slurm rules, run per point", () => {
        const slurm = { target: "slurm", gpusPerNode: 4, slurm: { outputDir: "/shared", topology: { sharedNodes: true } } };
        const p = plan({ grid: { "decode.tensorParallel": [2, 4] } }, slurm);
        assert.deepEqual(
            p.rejected.map((r) => [r.id, r.reasons[0]!.path]),
            [["dtp4", "slurm.topology.sharedNodes"]],
        );
    });
});

describe("bad sweeps: one clear error each, naming the field", () => {
    test("a setting that cannot be swept names sweep.grid.<key> and lists the sweepable ones", () => {
        const error = configError({ grid: { "decode.replica": [1, 2] } });
        assert.equal(error.violations.length, 1);
        assert.equal(error.violations[0]!.path, "sweep.grid.decode.replica");
        for (const path of SWEEPABLE_PATHS) assert.ok(error.message.includes(path), path);
        assert.equal(configError({ points: [{ "model.id": "x" }] }).violations[0]!.path, "sweep.points[0].model.id");
    });

    test("duplicate point ids", () => {
        const error = configError({ grid: { "decode.replicas": [2] }, points: [{ "decode.replicas": 2 }] });
        assert.equal(error.violations.length, 1);
        assert.equal(error.violations[0]!.path, "sweep.points[0]");
        assert.match(error.message, /point 2 gets the id "d2" that point 1 has already/);
    });

    test("more points than maxPoints, counted before expanding", () => {
        const error = configError({ grid: { "decode.replicas": [1, 2, 3], "prefill.replicas": [1, 2, 3] }, points: [{ "decode.replicas": 9 }], maxPoints: 8 });
        assert.deepEqual(
            error.violations.map((v) => v.path),
            ["sweep.maxPoints"],
        );
        assert.match(error.message, /expected at most 8 points, the sweep makes 10 \(grid 3 decode\.replicas x 3 prefill\.replicas \+ 1 explicit\)/);
    });

    test("every point rejected: one error listing each point and its reason", () => {
        const error = configError({ grid: { "decode.tensorParallel": [16, 32] } });
        assert.deepEqual(
            error.violations.map((v) => v.path),
            ["sweep", "sweep.grid", "sweep.grid"],
        );
        assert.match(error.message, /got none of 2/);
        assert.match(error.message, /point dtp16: decode\.tensorParallel expected the worker to fit/);
        assert.match(error.message, /point dtp32: /);
    });

    test("a rule every point fails is reported once, as the base config's", () => {
        const error = configError({ grid: { "decode.replicas": [1, 2] } }, { target: "slurm" });
        assert.deepEqual(
            error.violations.map((v) => v.path),
            ["slurm.outputDir"],
        );
    });

    test("a swept value of the wrong type names the sweep field, the point and the setting", () => {
        const error = configError({ grid: { "decode.replicas": [1, "two"] } });
        assert.equal(error.violations.length, 1);
        assert.equal(error.violations[0]!.path, "sweep.grid.decode.replicas");
        assert.match(error.violations[0]!.message, /^in point dtwo, decode\.replicas expected number, got "two"/);
    });

    test("the sweep section's own fields, an empty sweep, and a name too long for the ids", () => {
        assert.equal(configError({ maxPoints: 0, grid: { "decode.replicas": [1] } }).violations[0]!.path, "sweep.maxPoints");
        assert.equal(configError({ grid: { "decode.replicas": [] } }).violations[0]!.path, "sweep.grid.decode.replicas");
        assert.equal(configError({ grid: {}, points: [] }).violations[0]!.path, "sweep");
        assert.equal(configError({ grid: { colour: [1] } }).violations[0]!.path, "sweep.grid.colour");
        const long = configError({ grid: { "decode.replicas": [1, 2] } }, { name: "a-benchmark-name-of-thirty-eight-chars" });
        assert.equal(long.violations[0]!.path, "name");
        assert.match(long.message, /at most 40 characters/);
    });
});

test("without a sweep section loadStack is loadSpec: the same spec, no sweep", () => {
    const stack = loadStack({ ...base, benchmark: { concurrency: 2 } }, "s");
    assert.equal(stack.sweep, undefined);
    assert.equal(stack.spec!.phases[0]!.concurrency, 2);
});

// A sweep's progress lines: the estimate from the points run so far, the
// progress file the program writes at `up` and the commands read (found by
// benchmark name or Slurm job name, each point's run time added when it ends),
// and the stages each target's command reports (local: ready, load k/L;
// Slurm: the job's steps).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { progressLine, secondsLeft } from "../../lib/sweep/progress";
import { pointProgress, writeSweepProgress } from "../../lib/sweep/progress-file";
import { slurmStages } from "../../lib/slurm/wait";
import { loadStage } from "../../lib/local/runner";
import { loadSweep } from "../../config/load-sweep";
import { setupMocks, promiseOf } from "../helpers/pulumi-mocks";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-progress-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the estimate", () => {
    test("a command's view: what its point has left of the mean, plus the mean per point after it", () => {
        assert.equal(secondsLeft({ index: 2, total: 3, id: "b", stage: "ready", elapsedSeconds: 130, ranSeconds: [100], pointElapsedSeconds: 30 }), 70 + 100);
        // A point running longer than the mean has nothing left of it.
        assert.equal(secondsLeft({ index: 2, total: 3, id: "b", stage: "ready", elapsedSeconds: 230, ranSeconds: [100], pointElapsedSeconds: 130 }), 100);
        assert.equal(secondsLeft({ index: 1, total: 3, id: "a", stage: "deploying", elapsedSeconds: 1, ranSeconds: [], pointElapsedSeconds: 1 }), undefined);
    });

    test("the program's view: the mean of the finished points times the points left", () => {
        assert.equal(
            progressLine({ index: 1, total: 4, id: "a", stage: "collected", elapsedSeconds: 41, done: 1 }),
            "sweep point 1/4 a: collected (elapsed 41 s, about 123 s left)",
        );
        assert.equal(
            progressLine({ index: 4, total: 4, id: "d", stage: "collected", elapsedSeconds: 80, done: 4 }),
            "sweep point 4/4 d: collected (elapsed 80 s, sweep done)",
        );
    });
});

describe("the progress file", () => {
    test("a command finds its point by any of its names; its run time feeds the next point's estimate", () => {
        let clock = 1_000_000;
        const now = () => clock;
        writeSweepProgress(dir, {
            sweep: "sw",
            startedAtMs: clock,
            points: ["a", "b", "c"].map((id) => ({ id, names: [`sw-${id}`, `dynamo-bench-stack-sw-${id}`] })),
            ran: {},
        });
        const a = pointProgress(dir, ["sw-a"], now);
        assert.equal(a.inSweep, true);
        assert.equal(a.line("deploying"), "sweep point 1/3 a: deploying (elapsed 0 s, estimate after the first point)");
        clock += 60_000;
        assert.equal(a.line("load 1/2 c1"), "sweep point 1/3 a: load 1/2 c1 (elapsed 60 s, estimate after the first point)");
        clock += 40_000;
        a.finished();
        // Point b, found by its Slurm job name: point a took 100 s.
        const b = pointProgress(dir, ["dynamo-bench-stack-sw-b"], now);
        clock += 30_000;
        assert.equal(b.line("ready"), "sweep point 2/3 b: ready (elapsed 130 s, about 170 s left)");
    });

    test("a command that runs no sweep point prints no sweep line", () => {
        const lone = pointProgress(dir, ["single-benchmark"]);
        assert.equal(lone.inSweep, false);
        assert.equal(lone.line("deploying"), undefined);
        lone.finished();
        assert.equal(pointProgress(path.join(dir, "absent"), ["sw-a"]).inSweep, false);
    });

    test("the program writes it at `up`, naming each point by its benchmark name", async () => {
        const mocks = await setupMocks({ commandStdout: () => "" });
        const program = await import("../../program");
        const out = path.join(dir, "program");
        const raw = {
            target: "kubernetes",
            name: "psw",
            model: { id: "m" },
            kubernetes: { renderYamlToDirectory: path.join(dir, "rendered") },
            benchmark: { concurrency: [1] },
            sweep: { grid: { "decode.replicas": [1, 2] } },
        };
        const before = Date.now();
        await promiseOf(pulumi.output(program.deployStack({ sweep: loadSweep(raw, "test") }, {}, { commandRunner: "dynamic", progressDir: out })));
        await mocks.settle();
        const state = JSON.parse(fs.readFileSync(path.join(out, "psw.json"), "utf8"));
        assert.deepEqual(state.points, [
            { id: "d1", names: ["psw-d1"] },
            { id: "d2", names: ["psw-d2"] },
        ]);
        assert.ok(state.startedAtMs >= before);
        assert.deepEqual(state.ran, {});
    });
});

test("local stages: one load per client run, a combined run names its phases", () => {
    const one = (name: string) => ({ phases: [{ name }] as never[] });
    assert.equal(loadStage([one("c1"), one("c8")], 1), "load 2/2 c8");
    assert.equal(loadStage([{ phases: [{ name: "c1" }, { name: "c8" }] as never[] }, one("c64")], 0), "load 1-2/3 c1+c8");
    assert.equal(loadStage([{ phases: [{ name: "c1" }, { name: "c8" }] as never[] }, one("c64")], 1), "load 3/3 c64");
});

test("Slurm stages from the job's steps: queued, deploying, ready once, each load, done", () => {
    const stages = slurmStages(["c1", "c8"]);
    const seen = ["queued", "resolving nodes", "waiting for workers", "benchmark phase c1", "benchmark phase c8", "done"].flatMap(stages);
    assert.deepEqual(seen, [
        "queued",
        "deploying: resolving nodes",
        "deploying: waiting for workers",
        "ready",
        "load 1/2 c1",
        "load 2/2 c8",
        "done; fetching the results",
    ]);
});

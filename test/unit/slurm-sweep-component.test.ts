// A Slurm sweep with slurm.sweepJob through the program under Pulumi mocks:
// one SweepJob component and one job for every point (no Point components),
// each point's outputs from the one result line, a failed point's reason and
// log tail kept beside the other point's figures, and benchmark.repeats
// folded per point as on every target.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import { loadSweep } from "../../config/load-sweep";
import { deepMerge } from "../../lib/deep-merge";
import { formatResultLine } from "../../lib/results";
import { BASE_SLURM_CONFIG } from "./slurm-fixtures";

const LOCAL = "command:local:Command";
const FAILURE = "reason: decode-0 exited with status 2 while waiting for workers\nstate: waiting for workers\n--- last 40 lines of decode-0.log ---\nbad flag";

/** What slurm-wait --sweep prints; set per test. */
let resultLine = "";

function phase(name: string, throughput: number) {
    return { name, outputs: { requestCount: 8, outputTokenThroughputPerGpuTokPerS: throughput, outputTokenThroughputPerUserTokPerS: 1000 / throughput } };
}

function sweepResult(points: unknown[]): string {
    return formatResultLine({
        ok: true,
        schema: "dynamo-bench/slurm-sweep-results@1",
        jobId: "4242",
        jobName: "dynamo-bench-unit",
        runDir: "/x",
        points,
    } as never);
}

let mocks: MockRecorder;
let program: typeof import("../../program");

before(async () => {
    mocks = await setupMocks({ commandStdout: (name) => (name.endsWith("-job") ? "4242\n" : name.endsWith("-results") ? resultLine : "") });
    program = await import("../../program");
});

async function deploy(over: Record<string, unknown> = {}): Promise<Record<string, any>> {
    mocks.reset();
    const raw = deepMerge(
        deepMerge(BASE_SLURM_CONFIG, {
            benchmark: { concurrency: [1, 4] },
            slurm: { sweepJob: true },
            sweep: { points: [{ "decode.replicas": 1 }, { "decode.replicas": 2 }] },
        }),
        over,
    );
    const out = program.deployStack({ sweep: loadSweep(raw, "unit") }, {}, { commandRunner: "pulumi-command" });
    await mocks.settle();
    return (await promiseOf(pulumi.output(out))) as Record<string, any>;
}

describe("a Slurm sweep job under mocks", () => {
    test("one job for every point; a failed point keeps its reason and log tail, the other its figures", async () => {
        resultLine = sweepResult([
            { id: "d1", status: "ok", results: { timings: { readySeconds: 2 }, phases: [phase("c1", 100), phase("c4", 300)] } },
            { id: "d2", status: "failed", reason: "decode-0 exited with status 2 while waiting for workers", failure: FAILURE },
        ]);
        const out = await deploy();
        assert.deepEqual(
            mocks.ofType("dynamo-bench:slurm:SweepJob").map((r) => r.name),
            ["unit"],
        );
        assert.equal(mocks.ofType("dynamo-bench:sweep:Point").length, 0);
        assert.equal(mocks.ofType("dynamo-bench:slurm:Benchmark").length, 0);
        const names = mocks
            .ofType(LOCAL)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, [
            "unit-file-batch-sh",
            "unit-file-job-env",
            "unit-file-job-processes-sh",
            "unit-file-node-sh",
            "unit-file-points-d1-job-env",
            "unit-file-points-d2-job-env",
            "unit-file-points-json",
            "unit-file-stall-watch-sh",
            "unit-file-submit-sh",
            "unit-file-sweep-sh",
            "unit-job",
            "unit-results",
        ]);
        const wait = mocks.one(LOCAL, "unit-results");
        assert.ok(mocks.dependsOn(wait, mocks.one(LOCAL, "unit-job")));
        assert.match(wait.inputs.create, / --job-id 4242 .*--sweep --tool aiperf$/);

        const { d1, d2 } = out.points;
        assert.equal(d1.resultsStatus, "collected");
        assert.deepEqual(Object.keys(d1.phases), ["c1", "c4"]);
        assert.equal(d1.phases.c4.outputTokenThroughputPerGpuTokPerS, 300);
        assert.deepEqual(d1.loads, { c1: { concurrency: 1 }, c4: { concurrency: 4 } });
        assert.equal(d1.details.jobId, "4242");
        assert.equal(d1.details.runDir, `${d1.details.sweepRunDir}/points/d1`);
        assert.equal(d2.resultsStatus, "failed: decode-0 exited with status 2 while waiting for workers");
        assert.deepEqual(d2.phases, {});
        assert.equal(d2.details.failure, FAILURE);
        assert.equal(d2.details.jobId, d1.details.jobId);
        assert.equal(d2.workerGpus, 3);
        assert.equal(out.resultsStatus, "collected for 1 of 2 points; d2: failed: decode-0 exited with status 2 while waiting for workers");
        assert.ok(out.frontier.every((e: { point: string }) => e.point === "d1"));
    });

    test("slurm.submit false: the sweep job's files are staged, nothing is submitted, every point says how to submit", async () => {
        const out = await deploy({ slurm: { submit: false } });
        assert.ok(!mocks.ofType(LOCAL).some((r) => r.name === "unit-job" || r.name === "unit-results"));
        assert.ok(mocks.ofType(LOCAL).some((r) => r.name === "unit-file-sweep-sh"));
        for (const id of ["d1", "d2"]) {
            assert.match(
                out.points[id].resultsStatus,
                /^not run: slurm.submit is false: .* submit them with: bash \/shared\/bench\/dynamo-bench-unit\/[0-9a-f]{12}\/submit.sh /,
            );
            assert.equal(out.points[id].details.submitted, false);
        }
    });

    test("benchmark.repeats: the job runs each phase once per round; each point's figures are folded", async () => {
        resultLine = sweepResult(
            ["d1", "d2"].map((id) => ({
                id,
                status: "ok",
                results: { timings: {}, phases: [phase("c1-r1", 100), phase("c4-r1", 300), phase("c1-r2", 110), phase("c4-r2", 330)] },
            })),
        );
        const out = await deploy({ benchmark: { repeats: 2 } });
        const env = mocks.one(LOCAL, "unit-file-points-d1-job-env").inputs.stdin as string;
        assert.match(env, /^PHASE_NAMES=\(c1-r1 c4-r1 c1-r2 c4-r2\)$/m);
        const c4 = out.points.d2.phases.c4;
        assert.equal(c4.outputTokenThroughputPerGpuTokPerS, 315);
        assert.equal(c4.repeats.count, 2);
        assert.deepEqual(Object.keys(out.points.d2.phases), ["c1", "c4"]);
    });
});

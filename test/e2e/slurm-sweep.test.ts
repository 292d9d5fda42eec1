// A Slurm sweep through the real Pulumi engine on the project's one-machine
// Slurm cluster: 2 deployments (decode replicas 1 and 2, the mocker engine) x
// 2 loads. With slurm.sweepJob both points run in one Slurm job, one after the
// other in its allocation, and each point's figures come back under its id;
// without it each point is a job of its own, submitted once the previous one
// ended. `pulumi destroy` leaves no job. The program is the project's index.ts.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { parseSweepOutcome } from "../../lib/slurm/sweep-results";
import { progressDir } from "../../lib/sweep/progress-file";
import { createProgramDir, pulumiAvailable, withStack, type StackContext } from "./helpers";
import { liveJobs, mockerConfig, pidAlive, pythonRuntime, REPO_ROOT, slurmCluster } from "../integration/slurm-helpers";

const engine = pulumiAvailable();
const cluster = slurmCluster();
const py = pythonRuntime();
const skip = !engine.ok ? engine.reason : !cluster.ok ? cluster.reason : !py.ok ? py.reason : false;
if (skip) console.log(`# SKIP slurm-sweep: ${skip}`);
const RUNNER = engine.ok && engine.plugins.command ? "pulumi-command" : "dynamic";

interface PointOut {
    settings: Record<string, unknown>;
    workerGpus: number;
    phases: Record<string, Record<string, any>>;
    timings: Record<string, number>;
    resultsStatus: string;
    details: { jobId: string; jobName: string; runId: string; runDir: string; sweepRunDir?: string };
}

async function sweepConfig(sweepJob: boolean): Promise<Record<string, unknown>> {
    return mockerConfig({
        benchmark: { concurrency: [1, 2], requestCount: 8, warmupRequests: 0, inputTokens: 32, outputTokens: 16 },
        sweep: { points: [{ "decode.replicas": 1 }, { "decode.replicas": 2 }], limits: { ttftP99Ms: 60000 } },
        slurm: { sweepJob },
    });
}

/** Runs `fn` on a fresh stack of the real program (index.ts) with this config; destroys it after. */
async function withSweepStack<T>(stack: string, raw: Record<string, unknown>, fn: (s: StackContext) => Promise<T>): Promise<T> {
    const config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`dynamo-bench:${k}`, v]));
    const dir = createProgramDir({
        "Pulumi.yaml": "name: dynamo-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
        "index.ts": `import outputs = require(${JSON.stringify(path.join(REPO_ROOT, "index"))});\nexport = outputs;\n`,
        [`Pulumi.${stack}.yaml`]: stringify({ config }),
    });
    try {
        return await withStack(dir, stack, {}, fn, { timeoutMs: 900_000, env: { DYNAMO_BENCH_COMMAND_RUNNER: RUNNER } });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function checkPoints(out: Record<string, any>, ids = ["d1", "d2"]): Record<string, PointOut> {
    assert.equal(out.target, "slurm");
    assert.equal(out.resultsStatus, "collected", JSON.stringify(out.points).slice(0, 3000));
    const points = out.points as Record<string, PointOut>;
    assert.deepEqual(Object.keys(points), ids);
    assert.deepEqual(
        ids.map((id) => points[id]!.workerGpus),
        [2, 3],
    );
    for (const [id, point] of Object.entries(points)) {
        assert.equal(point.resultsStatus, "collected", id);
        assert.deepEqual(Object.keys(point.phases).sort(), ["c1", "c2"], id);
        for (const [load, phase] of Object.entries(point.phases)) {
            assert.equal(phase.requestCount, 8, `${id} ${load}`);
            assert.equal(phase.errorCount ?? 0, 0, `${id} ${load}`);
            assert.ok(phase.outputTokenThroughputPerGpuTokPerS > 0, `${id} ${load}`);
        }
        assert.ok(point.timings.lastWorkerToFirstRequestSeconds > 0, `${id}: ${JSON.stringify(point.timings)}`);
        assert.match(String(point.details.jobId), /^\d+$/);
    }
    for (const entry of out.frontier) {
        assert.equal(entry.outputTokenThroughputPerGpuTokPerS, points[entry.point]!.phases[entry.load]!.outputTokenThroughputPerGpuTokPerS);
    }
    return points;
}

/** No process a point started is alive (its pid files), and no job of this name is left. */
function nothingLeft(points: Record<string, PointOut>): void {
    for (const [id, point] of Object.entries(points)) {
        const pids = path.join(point.details.runDir, "pids");
        const files = fs.readdirSync(pids);
        assert.ok(files.length >= 3, `${id}: ${files.join(", ")}`);
        for (const f of files) assert.ok(!pidAlive(path.join(pids, f)), `${id}: ${f} still runs`);
    }
}

const ns = (file: string, key: string): number => (JSON.parse(fs.readFileSync(file, "utf8")) as { timestamps: Record<string, number> }).timestamps[key]!;
const marker = (point: PointOut) => path.join(point.details.runDir, "SUCCESS.json");

/** Point 1's last phase ended until point 2's first request (seconds): what running the points back to back costs in between. */
function between(d1: PointOut, d2: PointOut): number {
    const firstRequest = ns(marker(d2), "workersRegisteredNs") + d2.timings.lastWorkerToFirstRequestSeconds * 1e9;
    return Math.round((firstRequest - ns(marker(d1), "benchmarkEndNs")) / 1e6) / 1e3;
}

describe(`Slurm sweep through the real Pulumi engine (commands: ${RUNNER})`, { skip }, () => {
    // The progress file the program wrote for the per-point sweep (lib/sweep/progress-file.ts).
    after(() => fs.rmSync(path.join(progressDir(process.env), "slurm-sweep-e2e.json"), { force: true }));
    test("slurm.sweepJob: 2 points in one Slurm job, each point's figures in the outputs; destroy", { timeout: 1_200_000 }, async () => {
        let jobName = "";
        await withSweepStack("slurm-sweepjob-e2e", await sweepConfig(true), async (stack) => {
            // Preview shows the one job the sweep will be, and no per-point component.
            const preview = await stack.preview();
            assert.match(preview.stdout, /dynamo-bench:slurm:SweepJob/);
            assert.match(preview.stdout, /slurm-sweepjob-e2e-job\b/);
            assert.doesNotMatch(preview.stdout, /dynamo-bench:sweep:Point/);
            const t0 = Date.now();
            const up = await stack.up();
            const upSeconds = (Date.now() - t0) / 1000;
            assert.match(up.stdout, /dynamo-bench:slurm:SweepJob/);
            assert.doesNotMatch(up.stdout, /dynamo-bench:sweep:Point/);
            assert.match(up.stdout, /sweep point 2\/2 d2: collected/);
            const out = (await stack.outputs()) as Record<string, any>;
            const points = checkPoints(out);
            const [d1, d2] = [points.d1!, points.d2!];
            jobName = d1.details.jobName;
            assert.equal(d1.details.jobId, d2.details.jobId, "one Slurm job for both points");
            assert.equal(d1.details.sweepRunDir, d2.details.sweepRunDir);
            // One job resource in the state, not one per point.
            const state = JSON.parse((await stack.run(["stack", "export"])).stdout) as { deployment: { resources: Array<{ urn: string }> } };
            assert.equal(state.deployment.resources.filter((r) => r.urn.endsWith("-job")).length, 1);

            // In order inside the allocation: point 2 started once nothing of point 1 was left.
            const outcome = parseSweepOutcome(fs.readFileSync(path.join(d1.details.sweepRunDir!, "SWEEP.tsv"), "utf8"));
            assert.deepEqual(
                outcome.map((o) => [o.id, o.status]),
                [
                    ["d1", "ok"],
                    ["d2", "ok"],
                ],
            );
            assert.ok(outcome[1]!.startNs! >= outcome[0]!.clearNs!, "point 2 started after point 1 was cleared");
            assert.ok(ns(marker(d2), "jobStartNs") >= ns(marker(d1), "benchmarkEndNs"));
            nothingLeft(points);
            const gap = d2.timings.previousPointToFirstRequestSeconds;
            assert.ok(gap > 0, JSON.stringify(d2.timings));
            const s = (from: number, to: number) => ((to - from) / 1e9).toFixed(3);
            console.log(
                `# sweepJob up ${upSeconds.toFixed(1)} s, job ${d1.details.jobId}; point 1's last phase end -> point 2's first request ${between(d1, d2)} s: ` +
                    `point 1 stopped ${s(ns(marker(d1), "benchmarkEndNs"), outcome[0]!.endNs!)} s, cleared ${s(outcome[0]!.endNs!, outcome[0]!.clearNs!)} s, ` +
                    `point 2 started ${s(outcome[0]!.clearNs!, outcome[1]!.startNs!)} s later, ready ${d2.timings.readySeconds} s, ` +
                    `last worker -> first request ${d2.timings.lastWorkerToFirstRequestSeconds} s (previousPointToFirstRequestSeconds ${gap}); ` +
                    `last worker -> first request: d1 ${d1.timings.lastWorkerToFirstRequestSeconds} s, d2 ${d2.timings.lastWorkerToFirstRequestSeconds} s`,
            );
            // Nothing changed: nothing runs again.
            const again = await stack.up();
            assert.doesNotMatch(again.stdout, /\+\s+\d+ to create|~\s+\d+ to update|\+-\d+ replaced/);

            // One point changed (point 2 gains an environment set): the sweep is one job, so every point runs again.
            const file = path.join(stack.projectDir, `Pulumi.${stack.stackName}.yaml`);
            const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, { points: Array<Record<string, unknown>> }> };
            doc.config["dynamo-bench:sweep"]!.points[1]!["decode.env"] = { label: "mark", value: { DYNAMO_BENCH_E2E_MARK: "b" } };
            fs.writeFileSync(file, stringify(doc));
            const t1 = Date.now();
            const changed = await stack.up();
            const changedSeconds = (Date.now() - t1) / 1000;
            assert.match(changed.stdout, /\+-\d+ replaced/);
            const after = checkPoints((await stack.outputs()) as Record<string, any>, ["d1", "d2-de-mark"]);
            assert.notEqual(after.d1!.details.jobId, d1.details.jobId, "the unchanged point ran again, in the new job");
            assert.equal(after.d1!.details.jobId, after["d2-de-mark"]!.details.jobId);
            assert.notEqual(after.d1!.details.runId, d1.details.runId);
            console.log(`# sweepJob, one point changed: up ${changedSeconds.toFixed(1)} s, both points ran again in job ${after.d1!.details.jobId}`);
        });
        assert.deepEqual(liveJobs(jobName), [], "destroy left a job");
    });

    test("one job per point: point 2's job is submitted once point 1's ended; destroy", { timeout: 1_200_000 }, async () => {
        const names: string[] = [];
        await withSweepStack("slurm-sweep-e2e", await sweepConfig(false), async (stack) => {
            const t0 = Date.now();
            const up = await stack.up();
            const upSeconds = (Date.now() - t0) / 1000;
            assert.match(up.stdout, /dynamo-bench:sweep:Point/);
            // One line per step of each point's job, from slurm-wait while it waits (lib/sweep/progress-file.ts).
            console.log(
                up.stdout
                    .split("\n")
                    .filter((l) => l.includes("slurm-wait: sweep point"))
                    .map((l) => `# ${l.trim()}`)
                    .join("\n"),
            );
            // The job's first steps may pass before slurm-wait's first look (a second or two here), so "deploying" is not required.
            for (const stage of ["ready", "load 1/2 c1", "load 2/2 c2", "collected"])
                assert.match(up.stdout, new RegExp(`slurm-wait: sweep point 1/2 d1: ${stage} \\(`));
            assert.match(up.stdout, /slurm-wait: sweep point 2\/2 d2: [a-z:; ]+ \(elapsed \d+ s, about \d+ s left\)/);
            const points = checkPoints((await stack.outputs()) as Record<string, any>);
            const [d1, d2] = [points.d1!, points.d2!];
            names.push(d1.details.jobName, d2.details.jobName);
            assert.notEqual(d1.details.jobId, d2.details.jobId, "a job per point");
            // dynamo-bench-<stack>-<benchmark>, the point's benchmark being <sweep name>-<id> (the name defaults to the stack).
            assert.deepEqual(names, ["dynamo-bench-slurm-sweep-e2e-slurm-sweep-e2e-d1", "dynamo-bench-slurm-sweep-e2e-slurm-sweep-e2e-d2"]);
            const d1End = ns(marker(d1), "benchmarkEndNs");
            const d2Start = ns(marker(d2), "jobStartNs");
            assert.ok(d2Start > d1End, "job 2 started after job 1's benchmark ended");
            nothingLeft(points);
            console.log(
                `# one job per point: up ${upSeconds.toFixed(1)} s, jobs ${d1.details.jobId} and ${d2.details.jobId}; ` +
                    `point 1's last phase end -> job 2 start ${((d2Start - d1End) / 1e9).toFixed(3)} s, -> point 2's first request ${between(d1, d2)} s; ` +
                    `last worker -> first request: d1 ${d1.timings.lastWorkerToFirstRequestSeconds} s, d2 ${d2.timings.lastWorkerToFirstRequestSeconds} s`,
            );
        });
        for (const name of names) assert.deepEqual(liveJobs(name), [], `destroy left a job named ${name}`);
    });
});

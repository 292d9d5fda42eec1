// A sweep job (slurm.sweepJob) on the project's one-machine Slurm cluster,
// driven the way the SweepJob component drives it (stage, submit,
// `dynamo-bench slurm-wait --sweep`): point 1's decode worker refuses its
// arguments, point 2 is fine. Point 1 is reported with its reason and log tail,
// point 2 still runs in the same job and keeps its figures, and nothing of
// point 1 is left running when point 2 starts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSweep } from "../../config/load-sweep";
import { parseResultLine, type ResultLine } from "../../lib/results";
import { cancelCommand, stageCommand, submitCommand, sweepWaitCommandArgs } from "../../lib/slurm/render";
import { renderSweepJob } from "../../lib/slurm/sweep-render";
import { parseSweepOutcome, type SlurmSweepResults } from "../../lib/slurm/sweep-results";
import { liveJobs, mockerConfig, pidAlive, pythonRuntime, REPO_ROOT, sh, slurmCluster } from "./slurm-helpers";

const cluster = slurmCluster();
const py = pythonRuntime();
const skip = !cluster.ok ? cluster.reason : !py.ok ? py.reason : false;
if (skip) console.log(`# SKIP slurm-sweep-job: ${skip}`);

function slurmWaitSweep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "dynamo-bench.js"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr });
        });
    });
}

describe("a sweep job on the test cluster", { skip }, () => {
    test(
        "a point that fails is reported with its reason and log tail; the next point runs in the same job and keeps its figures",
        { timeout: 900_000 },
        async () => {
            const raw = await mockerConfig({
                benchmark: { concurrency: 2, requestCount: 8, warmupRequests: 0, inputTokens: 32, outputTokens: 16 },
                sweep: {
                    points: [{ "decode.extraArgs": { label: "bad", value: ["--no-such-flag"] } }, { "decode.extraArgs": { label: "ok", value: [] } }],
                },
                slurm: { sweepJob: true },
            });
            const plan = loadSweep(raw, "it-sweepjob");
            const job = renderSweepJob(
                plan.name,
                plan.points.map((p) => ({ id: p.id, spec: p.spec })),
            );
            try {
                for (const f of job.files) {
                    const r = await sh(stageCommand(job.runDir, f), f.content);
                    assert.equal(r.code, 0, r.stderr);
                }
                const submitted = await sh(submitCommand(job));
                assert.equal(submitted.code, 0, submitted.stderr);
                const jobId = submitted.stdout.trim().split("\n").pop()!;
                const wait = await slurmWaitSweep(sweepWaitCommandArgs(plan.points[0]!.spec, job, jobId));
                assert.equal(wait.code, 0, wait.stderr);
                const result = parseResultLine<ResultLine & SlurmSweepResults>(wait.stdout, "slurm-wait --sweep");
                const [bad, ok] = result.points;
                assert.equal(bad!.id, "da-bad");
                assert.equal(bad!.status, "failed");
                assert.match(bad!.reason!, /decode-0/, bad!.reason);
                assert.match(bad!.failure!, /unrecognized arguments: --no-such-flag/, "the log tail says why");
                assert.equal(ok!.id, "da-ok");
                assert.equal(ok!.status, "ok", JSON.stringify(ok));
                assert.equal(ok!.results!.phases[0]!.outputs.requestCount, 8);
                assert.equal(ok!.results!.jobId, jobId);
                assert.match(wait.stderr, /point 1\/2 da-bad: failed: .*decode-0/);

                // Point 2 started once nothing of point 1 was left.
                const outcome = parseSweepOutcome(fs.readFileSync(path.join(job.runDir, "SWEEP.tsv"), "utf8"));
                assert.ok(outcome[1]!.startNs! >= outcome[0]!.clearNs!);
                for (const point of job.points) {
                    const pids = path.join(point.runDir, "pids");
                    for (const f of fs.readdirSync(pids)) assert.ok(!pidAlive(path.join(pids, f)), `${point.id}: ${f} still runs`);
                }
                console.log(`# point 1 failed after ${((outcome[0]!.endNs! - outcome[0]!.startNs!) / 1e9).toFixed(1)} s: ${bad!.reason}`);
            } finally {
                await sh(cancelCommand(job));
            }
            assert.deepEqual(liveJobs(job.jobName), []);
        },
    );
});

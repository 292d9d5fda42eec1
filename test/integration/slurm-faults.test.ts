// Failures of real Slurm jobs on the project's one-machine cluster: each one
// must end the job within bounds, with the reason in the failure marker and
// in slurm-wait's error, and leave no process or job behind.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    assertNothingLeft,
    benchmarkRunning,
    cancel,
    failureMarker,
    jobState,
    liveJobs,
    mockerConfig,
    render,
    sh,
    slurmWait,
    until,
    slurmSuite,
    LONG_RUN,
} from "./slurm-helpers";
import { cancelRunCommand, submitCommand } from "../../lib/slurm/render";

const { skip, start } = slurmSuite("slurm-faults");

describe("Slurm: failures end the job with their reason", { skip }, () => {
    test("a worker killed mid-run fails the job within 30 s", { timeout: 300_000 }, async (t) => {
        const { run, jobId } = await start(LONG_RUN, "it-kill");
        const waiting = slurmWait(run, jobId);
        await benchmarkRunning(run);
        const pidFile = path.join(run.job.runDir, "pids", "decode-0.pid");
        const pid = Number(fs.readFileSync(pidFile, "utf8").split(" ")[0]);
        const killedAt = Date.now();
        process.kill(pid, "SIGKILL");
        const res = await waiting;
        const seconds = (res.endedAt - killedAt) / 1000;
        t.diagnostic(`kill -9 of decode-0 -> slurm-wait failed after ${seconds.toFixed(1)} s`);
        assert.equal(res.code, 1);
        assert.ok(seconds < 30, `took ${seconds} s`);
        assert.match(res.stderr, /FAILED: job \d+ ended FAILED \(exit code 1:0\): decode-0 exited with status \d+ while benchmark phase main/);
        const marker = failureMarker(run);
        assert.match(marker, /^reason: decode-0 exited with status \d+ while benchmark phase main\n/);
        assert.match(marker, /--- last 40 lines of .*decode-0.log ---/);
        assert.equal(jobState(jobId), "FAILED");
        await until("every process to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
        assertNothingLeft(run);
    });

    test("cancelling (what pulumi destroy runs) during the benchmark cancels the job", { timeout: 300_000 }, async () => {
        const { run, jobId } = await start(LONG_RUN, "it-cancel");
        const waiting = slurmWait(run, jobId);
        await benchmarkRunning(run);
        const c = await cancel(run);
        assert.equal(c.code, 0, c.stderr);
        const res = await waiting;
        assert.equal(res.code, 1);
        assert.match(res.stderr, /FAILED: job \d+ was cancelled \(scancel, pulumi destroy or an administrator\)/);
        assert.equal(jobState(jobId), "CANCELLED");
        await until("every process to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
        assertNothingLeft(run);
    });

    test("the job's time limit is reported as such", { timeout: 300_000 }, async () => {
        const { run, jobId } = await start({ ...LONG_RUN, slurm: { ...LONG_RUN.slurm, timeLimit: 1, timeLimitWarningSeconds: 20 } }, "it-timelimit");
        const res = await slurmWait(run, jobId);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /FAILED: job \d+ reached its time limit \((00:01:00|1)\)/);
        assert.match(failureMarker(run), /time limit/);
        assertNothingLeft(run);
    });

    test("a fatal pattern in a worker log fails the job at once", { timeout: 300_000 }, async () => {
        const { run, jobId } = await start({ slurm: { extraFatalErrorPatterns: ["Using local model [p]ath"] } }, "it-fatal");
        const res = await slurmWait(run, jobId);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /fatal error in the log of (decode|prefill)-0: .*Using local model path/);
        assert.match(failureMarker(run), /^reason: fatal error in the log of/);
        assertNothingLeft(run);
    });

    test("readiness is bounded: a worker that never gets ready fails the job after readySeconds", { timeout: 300_000 }, async () => {
        const { run, jobId } = await start(
            { timeouts: { readySeconds: 15 }, slurm: { readiness: { workerReadyPattern: "a line no worker ever logs" } } },
            "it-notready",
        );
        const res = await slurmWait(run, jobId);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /not ready after 15s \(timeouts.readySeconds\): waiting for decode-0 to log \/a line no worker ever logs\//);
        assertNothingLeft(run);
    });

    test("a deployment interrupted after submit: the next submit and destroy find the job by name", { timeout: 120_000 }, async () => {
        const { run, jobId } = await start(LONG_RUN, "it-orphan");
        await until("the first job to run", () => (jobState(jobId) === "RUNNING" ? true : undefined), 60_000);
        // The state that recorded jobId is lost; the next `pulumi up` submits the same run again.
        const again = await sh(submitCommand(run.job));
        assert.equal(again.code, 0, again.stderr);
        const second = again.stdout.trim();
        assert.notEqual(second, jobId);
        assert.equal(jobState(jobId), "CANCELLED");
        assert.deepEqual(liveJobs(run.job.jobName), [second]);
        // Destroy with the job never recorded: the staged submit script's delete cancels this run's
        // jobs (by name and working directory), not those of another run of the same stack.
        const otherRun = render(await mockerConfig({ ...LONG_RUN, slurm: { ...LONG_RUN.slurm, runTag: "another run" } }), "it-orphan");
        assert.equal(otherRun.job.jobName, run.job.jobName);
        assert.notEqual(otherRun.job.runDir, run.job.runDir);
        fs.mkdirSync(otherRun.job.runDir, { recursive: true });
        for (const f of otherRun.job.files) fs.writeFileSync(path.join(otherRun.job.runDir, f.name), f.content);
        assert.equal((await sh(cancelRunCommand(otherRun.job))).code, 0);
        assert.deepEqual(liveJobs(run.job.jobName), [second], "another run's cancel left this job alone");
        const own = await sh(cancelRunCommand(run.job));
        assert.equal(own.code, 0, own.stderr);
        await until("the job to go", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
        assert.equal(jobState(second), "CANCELLED");
        // And `pulumi destroy` of the job resource (scancel by name) is harmless when nothing runs.
        assert.equal((await cancel(run)).code, 0);
    });
});

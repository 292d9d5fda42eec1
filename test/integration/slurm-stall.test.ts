// The stall watchdog on the project's real one-machine Slurm cluster: the
// decode worker of a running job is stopped with SIGSTOP (the emulated nodes
// are processes on this machine, so its pid from RUN_DIR/pids is signalled
// directly). The job must fail with reason "stalled" within 30 s, naming the
// stopped worker and quoting every log, leave no process or job behind, and
// the same job submitted again in the same folder must succeed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    assertNothingLeft,
    benchmarkRunning,
    failureMarker,
    jobState,
    liveJobs,
    mockerConfig,
    render,
    slurmWait,
    stageAndSubmit,
    until,
    slurmSuite,
} from "./slurm-helpers";

const { skip, track } = slurmSuite("slurm-stall");

describe("Slurm: a hung worker", { skip }, () => {
    test(
        "a decode worker stopped mid-phase fails the job as stalled within 30 s; the next submit in the same folder succeeds",
        { timeout: 400_000 },
        async (t) => {
            // Real mocker timing: the phase takes some 20 s unless a worker hangs.
            const run = render(
                await mockerConfig({
                    benchmark: { concurrency: 4, requestCount: 40, outputTokens: 32 },
                    timeouts: { readySeconds: 120, benchmarkSeconds: 300, stallSeconds: 5 },
                    slurm: { mockerSpeedupRatio: 1 },
                }),
                "it-stall",
            );
            track(run);
            assert.equal(run.spec.timeouts.stallSeconds, 5);
            const jobId = await stageAndSubmit(run);
            const waiting = slurmWait(run, jobId);
            await benchmarkRunning(run);
            // Once the decode worker has finished a few of the phase's requests (the probe was the first), stop it.
            const decodeLog = path.join(run.job.runDir, "logs", "decode-0.log");
            const completions = () => (fs.readFileSync(decodeLog, "utf8").match(/request completed/g) ?? []).length;
            await until("requests of the phase to complete", () => (completions() >= 4 ? true : undefined), 120_000, 100);
            const pid = Number(fs.readFileSync(path.join(run.job.runDir, "pids", "decode-0.pid"), "utf8").split(" ")[0]);
            const stoppedAt = Date.now();
            process.kill(pid, "SIGSTOP");
            const res = await waiting;
            const seconds = (res.endedAt - stoppedAt) / 1000;
            t.diagnostic(`SIGSTOP of decode-0 -> slurm-wait failed "stalled" after ${seconds.toFixed(1)} s (stallSeconds 5)`);
            process.stderr.write(`Slurm: hung decode worker (SIGSTOP) -> slurm-wait failed after ${seconds.toFixed(1)} s\n`);
            assert.equal(res.code, 1, res.stderr);
            assert.ok(seconds < 30, `took ${seconds} s`);
            assert.match(
                res.stderr,
                /FAILED: job \d+ ended FAILED \(exit code 1:0\): stalled: benchmark phase "main" completed no request for \d+s \(timeouts.stallSeconds 5\) with \d+ request\(s\) in flight; last completed request: dynamo_frontend_requests_total=\d+ at \S+ \(\d+s ago\); stopped process: decode-0/,
            );
            const marker = failureMarker(run);
            process.stderr.write(`${marker.split("\n--- last 40 lines of ").slice(0, 2).join("\n--- ")}\n`);
            assert.match(marker, /^reason: stalled: benchmark phase "main"/);
            assert.match(marker, new RegExp(`decode-0 \\(pid ${pid}\\): T on \\S+; log last written \\d+s ago`));
            for (const name of ["frontend", "prefill-0", "decode-0", "phase-main"])
                assert.match(marker, new RegExp(`--- last 40 lines of \\S*/${name}\\.log ---`));
            // Where the time went, from the job's own log: detection, states, stopping every process.
            const jobLog = fs
                .readFileSync(path.join(run.job.runDir, "logs", "job.log"), "utf8")
                .trim()
                .split("\n");
            process.stderr.write(`the job's log from the stall on:\n${jobLog.slice(jobLog.findIndex((l) => /FAILED: stalled/.test(l))).join("\n")}\n`);
            assert.equal(jobState(jobId), "FAILED");
            await until("every process to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
            assertNothingLeft(run);

            // What the next `pulumi up` does with the configuration unchanged: the same job in the same folder.
            const again = await stageAndSubmit(run);
            const ok = await slurmWait(run, again);
            assert.equal(ok.code, 0, ok.stderr);
            assert.ok(!fs.existsSync(path.join(run.job.runDir, "FAILURE")), "the new run cleared the old failure");
            assert.ok(!fs.existsSync(path.join(run.job.runDir, "stall-states.txt")), "and the old stall report");
            assert.ok(fs.existsSync(path.join(run.job.runDir, "SUCCESS.json")));
            assertNothingLeft(run);
        },
    );
});

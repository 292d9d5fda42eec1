// More failures of real Slurm jobs on the project's one-machine test cluster
// (beyond slurm-faults.test.ts): the frontend killed while AIPerf sends, and
// the run folder's disk filling up. Each must end the job within 30 s with
// the reason in the failure marker and in slurm-wait's error, leave no job or
// process behind, and the next job must succeed. Each prints the time from
// the fault to slurm-wait's reported failure ("fault->report").
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { assertNothingLeft, benchmarkRunning, failureMarker, jobState, LAB, liveJobs, slurmWait, until, slurmSuite, LONG_RUN } from "./slurm-helpers";

const { skip, start } = slurmSuite("slurm-fault-matrix");

function report(t: { diagnostic: (m: string) => void }, what: string, ms: number): void {
    const line = `fault->report ${what}: ${(ms / 1000).toFixed(1)} s`;
    t.diagnostic(line);
    process.stderr.write(`${line}\n`);
}

/** A short job in `outputDir` that must succeed: the convergence check after a fault. */
async function nextJobSucceeds(stack: string, outputDir?: string): Promise<void> {
    const { run, jobId } = await start(outputDir ? { slurm: { outputDir } } : {}, stack);
    const res = await slurmWait(run, jobId);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(jobState(jobId), "COMPLETED");
    assertNothingLeft(run);
}

describe("Slurm: the frontend crashes mid-run", { skip }, () => {
    test(
        "kill -9 of the frontend while AIPerf sends fails the job within 30 s with its log tail; nothing left; the next job succeeds",
        { timeout: 400_000 },
        async (t) => {
            const { run, jobId } = await start(LONG_RUN, "it-fe-kill");
            const waiting = slurmWait(run, jobId);
            await benchmarkRunning(run);
            const pid = Number(fs.readFileSync(path.join(run.job.runDir, "pids", "frontend.pid"), "utf8").split(" ")[0]);
            const killedAt = Date.now();
            process.kill(pid, "SIGKILL");
            const res = await waiting;
            // slurm-wait prints the reason once the job script has ended; Slurm may end the job later.
            const ms = (res.failureReportedAt ?? res.endedAt) - killedAt;
            report(t, "frontend kill -9 (Slurm)", ms);
            t.diagnostic(`the job ended (final Slurm state) ${((res.endedAt - killedAt) / 1000).toFixed(1)} s after the kill`);
            assert.equal(res.code, 1);
            assert.ok(ms < 30_000, `took ${ms} ms:\n${res.stderr}`);
            assert.match(res.stderr, /FAILED: job \d+ ended FAILED \(exit code 1:0\): frontend exited with status \d+ while benchmark phase main/);
            const marker = failureMarker(run);
            assert.match(marker, /^reason: frontend exited with status \d+ while benchmark phase main\n/);
            assert.match(marker, /--- last 40 lines of .*frontend\.log ---/);
            await until("every process to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
            assertNothingLeft(run);
            await nextJobSucceeds("it-fe-kill-again");
        },
    );
});

/** Why this process cannot mount a tmpfs, or false when it can. */
function tmpfsSkip(): string | false {
    if (skip) return skip;
    if (process.getuid?.() !== 0) return "mounting a small tmpfs as slurm.outputDir needs root; run as root to exercise a full disk";
    return false;
}
const skipDisk = tmpfsSkip();
if (skipDisk && !skip) console.log(`# SKIP Slurm full-disk test: ${skipDisk}`);

describe("Slurm: the run folder's disk fills up", { skip: skipDisk }, () => {
    test(
        "a 24 MiB tmpfs as slurm.outputDir filled mid-run: the job fails within 30 s naming ENOSPC and the folder; nothing left; once freed the next job succeeds",
        { timeout: 400_000 },
        async (t) => {
            const mount = path.join(LAB, "shared", `small-disk-${process.pid}`);
            fs.mkdirSync(mount, { recursive: true });
            const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], { encoding: "utf8" });
            if (m.status !== 0) {
                fs.rmSync(mount, { recursive: true, force: true });
                t.skip(`cannot mount a tmpfs here (${m.stderr.trim()}); a full disk is not exercised`);
                return;
            }
            try {
                const { run, jobId } = await start({ ...LONG_RUN, slurm: { ...LONG_RUN.slurm, outputDir: mount } }, "it-disk-full");
                const waiting = slurmWait(run, jobId);
                await benchmarkRunning(run);
                const filler = path.join(mount, "something-else-writing-here.bin");
                const fd = fs.openSync(filler, "a");
                try {
                    for (;;) fs.writeSync(fd, Buffer.alloc(256 * 1024, 0x61));
                } catch (e) {
                    assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
                } finally {
                    fs.closeSync(fd);
                }
                const filledAt = Date.now();
                const res = await waiting;
                // Reported by slurm-wait's progress line as soon as the job script wrote its reason; Slurm may
                // keep the job COMPLETING longer (here: AIPerf's processes outliving their killed parent).
                const ms = (res.failureReportedAt ?? res.endedAt) - filledAt;
                report(t, "full disk in the run folder (Slurm)", ms);
                t.diagnostic(`the job ended (final Slurm state) ${((res.endedAt - filledAt) / 1000).toFixed(1)} s after the disk filled`);
                assert.equal(res.code, 1, res.stderr);
                const jobLog = path.join(run.job.runDir, "logs", "job.log");
                assert.ok(
                    ms < 30_000,
                    `took ${ms} ms (filled at ${new Date(filledAt).toISOString()}):\n${res.stderr}\n${fs.existsSync(jobLog) ? fs.readFileSync(jobLog, "utf8").slice(-3000) : ""}`,
                );
                const reason = `no space left on device \\(ENOSPC\\) in the run folder ${run.job.runDir} \\(\\d+ KiB free\\) while benchmark phase main`;
                assert.match(res.stderr, new RegExp(`FAILED: job \\d+ ended FAILED \\(exit code 1:0\\): ${reason}`));
                assert.match(failureMarker(run), new RegExp(`^reason: ${reason}`));
                await until("every process to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 30_000);
                assertNothingLeft(run);
                assert.ok(!fs.existsSync(path.join(run.job.runDir, ".failure-reserve")), "the marker took the reserved room");
                fs.rmSync(filler);
                await nextJobSucceeds("it-disk-full-again", mount);
            } finally {
                const u = spawnSync("umount", [mount], { encoding: "utf8" });
                if (u.status !== 0) spawnSync("umount", ["-l", mount]);
                fs.rmSync(mount, { recursive: true, force: true });
            }
        },
    );
});

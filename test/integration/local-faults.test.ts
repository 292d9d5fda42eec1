// Faults of a real local run (Dynamo frontend + mocker workers + AIPerf from the
// venv of scripts/setup-python.sh), beyond local-run.test.ts: the frontend
// killed while AIPerf sends requests, and the run folder's disk filling up.
// Each test prints the time from the fault to the reported failure
// ("fault->report"), checks that nothing of the run is left, and that the
// next run converges. Skips only when the venv is missing (or, for the full
// disk, when this process may not mount a tmpfs), with the reason printed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultVenv, REPO_ROOT } from "../../lib/paths";
import { planLocalRun, portRequests, portsFromAllocation, type LocalRunPlanInput } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { LocalRunError, runLocalPlan } from "../../lib/local/runner";
import { localPlanInput } from "../helpers/local-input";
import { assertNothingLeft, portFree } from "../helpers/local-leftovers";

const venv = defaultVenv(process.env);
const venvReady = fs.existsSync(path.join(venv, "bin", "python")) && fs.existsSync(path.join(venv, "bin", "aiperf"));
const skip = venvReady ? false : `Python venv ${venv} is missing; set it up with: bash scripts/setup-python.sh (or set DYNAMO_BENCH_VENV)`;
if (skip) process.stderr.write(`SKIP local-faults integration tests: ${skip}\n`);

let work = "";
let modelDir = "";

before(() => {
    if (skip) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-local-faults-"));
    modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(venv, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
});

after(() => {
    if (work && !process.env.KEEP_LOCAL_RUNS) fs.rmSync(work, { recursive: true, force: true });
});

/** A run that sends requests for minutes unless a fault stops it (mocker at real speed). */
function longInput(name: string, runDir: string, over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    const base = localPlanInput({ runId: `it-${name}-${process.pid}`, runDir, venv, modelPath: modelDir });
    const phase = { ...base.benchmark.phases[0]!, concurrency: 2, requestCount: 2000, warmupRequests: 0, outputTokens: 64 };
    return {
        ...base,
        speedupRatio: 1,
        benchmark: { ...base.benchmark, phases: [phase] },
        timeouts: { readySeconds: 90, benchmarkSeconds: 600, teardownGraceSeconds: 10 },
        ...over,
    };
}

/** A short run that must succeed: the convergence check after a fault. */
function shortInput(name: string, runDir: string, over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    const base = localPlanInput({ runId: `it-${name}-${process.pid}`, runDir, venv, modelPath: modelDir });
    const phase = { ...base.benchmark.phases[0]!, requestCount: 12, warmupRequests: 0 };
    return { ...base, benchmark: { ...base.benchmark, phases: [phase] }, ...over };
}

async function plan(inp: LocalRunPlanInput) {
    return planLocalRun(inp, process.env, portsFromAllocation(await allocatePorts(portRequests(inp))));
}

function report(t: { diagnostic: (m: string) => void }, what: string, ms: number): void {
    const line = `fault->report ${what}: ${(ms / 1000).toFixed(1)} s`;
    t.diagnostic(line);
    process.stderr.write(`${line}\n`);
}

describe("local run: the frontend crashes mid-run", { skip }, () => {
    test(
        "kill -9 of the frontend while AIPerf sends: failure within 30 s naming it and quoting its log; nothing left; the next run on the same port converges",
        { timeout: 300_000 },
        async (t) => {
            const inp = longInput("frontend-kill", path.join(work, "frontend-kill"));
            const p = await plan(inp);
            let pgids: number[] = [];
            let killedAt = 0;
            const run = runLocalPlan(p, {
                handleSignals: false,
                onStarted: (procs) => (pgids = procs.map((x) => x.pid)),
                onPhaseStarted: (_name, pid) => {
                    pgids.push(pid);
                    // AIPerf is past its start-up and sending requests 8 s in (its own start-up takes about 6.5 s).
                    setTimeout(() => {
                        killedAt = Date.now();
                        process.kill(pgids[0]!, "SIGKILL");
                    }, 8000);
                },
            });
            let reportedAt = 0;
            await assert.rejects(run, (e: unknown) => {
                reportedAt = Date.now();
                assert.ok(e instanceof LocalRunError, String(e));
                assert.equal(e.kind, "process-exited");
                assert.equal(e.detail.process, "frontend");
                assert.equal(e.detail.signal, "SIGKILL");
                assert.match(e.message, /^frontend \(pid \d+\) was killed by SIGKILL during benchmark phase "main"; last 40 lines of .*frontend\.log:\n/);
                assert.ok((e.detail.logTail ?? "").split("\n").length >= 3, `frontend log tail quoted: ${e.detail.logTail}`);
                return true;
            });
            assert.ok(killedAt > 0, "the frontend was killed during the phase");
            const ms = reportedAt - killedAt;
            report(t, "frontend kill -9 (local)", ms);
            assert.ok(ms < 30_000, `failed ${ms} ms after the kill`);
            await assertNothingLeft(inp.runId, inp.runDir, pgids);
            for (const port of [p.ports.frontend, ...p.ports.bootstrap]) assert.ok(await portFree(port), `port ${port} still taken`);

            // The next run, on the very same frontend port, converges.
            const again = shortInput("frontend-kill-again", path.join(work, "frontend-kill-again"), {
                frontend: { ...inp.frontend, port: p.ports.frontend },
            });
            const p2 = await plan(again);
            assert.equal(p2.ports.frontend, p.ports.frontend);
            const ok = await runLocalPlan(p2, { handleSignals: false });
            assert.ok(fs.existsSync(ok.phases[0]!.summaryJson));
            await assertNothingLeft(
                again.runId,
                again.runDir,
                ok.processes.map((x) => x.pid),
            );
        },
    );
});

/** Why this process cannot mount a tmpfs, or false when it can (root, mount available). */
function tmpfsSkip(): string | false {
    if (skip) return skip;
    if (process.getuid?.() !== 0) return "mounting a small tmpfs as the run folder needs root; run as root to exercise a full disk";
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-tmpfs-probe-"));
    try {
        const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe], { encoding: "utf8" });
        if (r.status !== 0) return `cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()}); a full disk is not exercised`;
        spawnSync("umount", [probe]);
        return false;
    } finally {
        fs.rmSync(probe, { recursive: true, force: true });
    }
}
const skipDisk = tmpfsSkip();
if (skipDisk && !skip) process.stderr.write(`SKIP local full-disk test: ${skipDisk}\n`);

/** Writes 256 KiB chunks into `file` until the filesystem refuses (ENOSPC). */
function fillUp(file: string): void {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const fd = fs.openSync(file, "a");
    try {
        for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
        assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
    } finally {
        fs.closeSync(fd);
    }
}

describe("local run: the run folder's disk fills up", { skip: skipDisk }, () => {
    test(
        "a 24 MiB tmpfs as run folder filled mid-run: failure within 30 s naming ENOSPC, the folder and the file that filled it; nothing left; a full folder fails before anything starts; once freed, the next run converges",
        { timeout: 300_000 },
        async (t) => {
            const mount = path.join(work, "small-disk");
            fs.mkdirSync(mount);
            const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], { encoding: "utf8" });
            assert.equal(m.status, 0, m.stderr);
            try {
                const inp = longInput("disk-full", path.join(mount, "run"));
                const p = await plan(inp);
                const filler = path.join(mount, "run", "something-else-writing-here.bin");
                let pgids: number[] = [];
                let filledAt = 0;
                const run = runLocalPlan(p, {
                    handleSignals: false,
                    onStarted: (procs) => (pgids = procs.map((x) => x.pid)),
                    onPhaseStarted: (_name, pid) => {
                        pgids.push(pid);
                        setTimeout(() => {
                            fillUp(filler);
                            filledAt = Date.now();
                        }, 8000);
                    },
                });
                let reportedAt = 0;
                await assert.rejects(run, (e: unknown) => {
                    reportedAt = Date.now();
                    assert.ok(e instanceof LocalRunError, String(e));
                    assert.equal(e.kind, "disk-full");
                    assert.match(
                        e.message,
                        new RegExp(
                            `^no space left on device \\(ENOSPC\\) in the run folder ${inp.runDir} \\([\\d.]+ MiB free of 24.0 MiB\\) during benchmark phase "main"`,
                        ),
                    );
                    assert.ok(e.message.includes(filler), `the largest file is named: ${e.message}`);
                    return true;
                });
                assert.ok(filledAt > 0, "the disk was filled during the phase");
                const ms = reportedAt - filledAt;
                report(t, "full disk in the run folder (local)", ms);
                assert.ok(ms < 30_000, `failed ${ms} ms after the disk filled`);
                await assertNothingLeft(inp.runId, inp.runDir, pgids);

                // Still full: the next run fails before it starts anything, with the same reason.
                const blocked = shortInput("disk-full-blocked", path.join(mount, "run-blocked"));
                let started = false;
                await assert.rejects(
                    runLocalPlan(await plan(blocked), { handleSignals: false, onStarted: () => (started = true) }),
                    (e: unknown) => e instanceof LocalRunError && e.kind === "disk-full" && e.message.includes(`in the run folder ${blocked.runDir}`),
                );
                assert.equal(started, false, "nothing was started on a full disk");
                await assertNothingLeft(blocked.runId, blocked.runDir, []);

                // Freed: the next run in the same folder converges.
                fs.rmSync(filler);
                fs.rmSync(blocked.runDir, { recursive: true, force: true });
                const again = shortInput("disk-full-again", path.join(mount, "run-again"));
                const ok = await runLocalPlan(await plan(again), { handleSignals: false });
                assert.ok(fs.existsSync(ok.phases[0]!.summaryJson));
                await assertNothingLeft(
                    again.runId,
                    again.runDir,
                    ok.processes.map((x) => x.pid),
                );
            } finally {
                const u = spawnSync("umount", [mount], { encoding: "utf8" });
                if (u.status !== 0) spawnSync("umount", ["-l", mount]);
            }
        },
    );
});

// The stall watchdog on the real local target: a decode worker stopped with
// SIGSTOP mid-phase (it neither exits nor answers) fails the run as "stalled"
// within 30 s of the fault, naming the stopped worker, quoting every Dynamo
// log, leaving nothing running; the next run in the same folder succeeds.
// Real Dynamo frontend + mocker + AIPerf; skips only without the venv.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { planLocalRun, portRequests, portsFromAllocation, type LocalRunPlanInput } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { LocalRunError, runLocalPlan } from "../../lib/local/runner";
import { parseProgress } from "../../lib/watchdog/stall";
import { localPlanInput } from "../helpers/local-input";
import { assertNothingLeft } from "../helpers/local-leftovers";
import { LOCAL_VENV, localToolsSkip } from "../helpers/local-tools";

const venvSkip = fs.existsSync(path.join(LOCAL_VENV, "bin", "aiperf")) ? false : localToolsSkip();
if (venvSkip) process.stderr.write(`SKIP local stall watchdog tests: ${venvSkip}\n`);

let work = "";
let modelDir = "";
before(() => {
    if (venvSkip) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-stall-it-"));
    modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(LOCAL_VENV, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
});
after(() => {
    if (work && !process.env.KEEP_LOCAL_RUNS) fs.rmSync(work, { recursive: true, force: true });
});

const runId = `it-stall-${process.pid}`;
function input(requestCount: number, stallSeconds: number | undefined): LocalRunPlanInput {
    const base = localPlanInput({ runId, runDir: path.join(work, runId), venv: LOCAL_VENV, modelPath: modelDir });
    const phase = { ...base.benchmark.phases[0]!, concurrency: 2, requestCount, warmupRequests: 0, outputTokens: 32 };
    return {
        ...base,
        // Real mocker timing, so the phase is still sending when the worker is stopped.
        speedupRatio: 1,
        benchmark: { ...base.benchmark, phases: [phase] },
        timeouts: { readySeconds: 90, benchmarkSeconds: 600, teardownGraceSeconds: 10, ...(stallSeconds ? { stallSeconds } : {}) },
    };
}

/** Completed requests the frontend counts so far (0 while it does not answer). */
async function completed(metricsUrl: string, metrics: { completed: string; started: string }): Promise<number> {
    try {
        return parseProgress(await (await fetch(metricsUrl)).text(), metrics)?.completed ?? 0;
    } catch {
        return 0;
    }
}

describe("stall watchdog on the real mocker", { skip: venvSkip }, () => {
    test(
        "a decode worker stopped (SIGSTOP) mid-phase: stalled within 30 s, named, log tails, nothing left; the next run succeeds",
        { timeout: 300_000 },
        async () => {
            const inp = input(4000, 5);
            const plan = planLocalRun(inp, process.env, portsFromAllocation(await allocatePorts(portRequests(inp))));
            assert.equal(plan.stall.seconds, 5);
            let pgids: number[] = [];
            let stoppedAt = 0;
            let decodePid = 0;
            const run = runLocalPlan(plan, {
                onStarted: (procs) => {
                    pgids = procs.map((x) => x.pid);
                    decodePid = procs.find((x) => x.name === "decode-0")!.pid;
                },
                onPhaseStarted: (_name, pid) => {
                    pgids.push(pid);
                    // Once the phase has completed a few requests past the probe, stop the decode worker.
                    void (async () => {
                        const deadline = Date.now() + 120_000;
                        while (Date.now() < deadline && (await completed(plan.stall.metricsUrl, plan.stall.metrics)) < 10)
                            await new Promise((r) => setTimeout(r, 200));
                        stoppedAt = Date.now();
                        process.kill(decodePid, "SIGSTOP");
                    })();
                },
            });
            await assert.rejects(run, (e: unknown) => {
                const reportedAt = Date.now();
                assert.ok(e instanceof LocalRunError, String(e));
                assert.equal(e.kind, "stalled", e.message.slice(0, 2000));
                assert.ok(stoppedAt > 0, "the worker was stopped");
                const seconds = (reportedAt - stoppedAt) / 1000;
                process.stderr.write(`hung decode worker (SIGSTOP) -> run failed "stalled" after ${seconds.toFixed(1)} s (stallSeconds 5)\n`);
                assert.ok(seconds < 30, `reported ${seconds} s after the fault`);
                const first = e.message.split("\n")[0]!;
                process.stderr.write(`the report, without its log tails:\n${e.message.split("\n--- ")[0]}\n`);
                assert.match(
                    first,
                    /^stalled: benchmark phase "main" completed no request for \d+s \(timeouts.stallSeconds 5\) with \d+ request\(s\) in flight; last completed request: dynamo_frontend_requests_total=\d+ at /,
                );
                assert.match(first, new RegExp(`stopped process: decode-0 \\(pid ${decodePid}\\)`));
                assert.match(e.message, new RegExp(`decode-0 \\(pid ${decodePid}\\): ${decodePid} \\S+ T \\(stopped\\); log last written \\d+s ago`));
                for (const name of ["frontend", "prefill-0", "decode-0"]) assert.match(e.message, new RegExp(`--- last \\d+ lines of ${name} \\(`));
                assert.match(e.message, /request received/, "the workers' log lines are quoted");
                assert.equal(e.detail.process, "decode-0");
                assert.equal(e.timings?.failure?.kind, "stalled");
                return true;
            });
            await assertNothingLeft(inp.runId, inp.runDir, pgids);

            // The same folder again, nothing stopped, the default bound: the run succeeds.
            const again = input(20, undefined);
            const plan2 = planLocalRun(again, process.env, portsFromAllocation(await allocatePorts(portRequests(again))));
            assert.ok(plan2.stall.seconds >= 60, `derived default ${plan2.stall.seconds}`);
            const ok = await runLocalPlan(plan2, { onStarted: (procs) => (pgids = procs.map((x) => x.pid)) });
            assert.ok(fs.existsSync(ok.phases[0]!.summaryJson));
            await assertNothingLeft(again.runId, again.runDir, pgids);
        },
    );
});

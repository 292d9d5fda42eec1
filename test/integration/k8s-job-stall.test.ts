// The benchmark Job's stall watchdog for real: scripts/k8s/run-benchmark.sh,
// laid out as the Job's ConfigMap mounts it (next to stall-watch.sh and the
// plan), runs real AIPerf against a real Dynamo frontend with mocker workers
// on this machine (the processes the local target plans, started directly:
// no Kubernetes here). The decode worker is stopped with SIGSTOP mid-phase;
// the script must stop AIPerf and end with the FAILED marker reason=stalled
// that k8s-collect reads, within 30 s, leaving no AIPerf process behind.
// What is not exercised: a pod, the Service, the collector's kubectl calls.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { parseBenchmarkLog, PLAN_FILE, SCRIPT_FILE, type BenchmarkPlan } from "../../lib/kubernetes";
import { planLocalRun, portRequests, portsFromAllocation, type LocalRunPlan } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { groupAlive, killGroup } from "../../lib/local/run/groups";
import { waitRegistered, waitServing } from "../../lib/local/run/readiness";
import { readBenchmarkScripts } from "../../lib/kubernetes";
import { parseProgress } from "../../lib/watchdog/stall";
import { localPlanInput } from "../helpers/local-input";
import { assertNothingLeft, processesOf } from "../helpers/local-leftovers";
import { LOCAL_VENV, localToolsSkip } from "../helpers/local-tools";

const venvSkip = fs.existsSync(path.join(LOCAL_VENV, "bin", "aiperf")) ? false : localToolsSkip();
if (venvSkip) process.stderr.write(`SKIP k8s Job stall watchdog test: ${venvSkip}\n`);

let work = "";
let modelDir = "";
const started: ChildProcess[] = [];
before(() => {
    if (venvSkip) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-k8s-stall-"));
    modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(LOCAL_VENV, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
});
after(async () => {
    // Every process group this file started: SIGTERM, SIGCONT (the stopped worker), then SIGKILL.
    for (const c of started) killGroup(c.pid!, "SIGTERM");
    for (const c of started) killGroup(c.pid!, "SIGCONT");
    const deadline = Date.now() + 10_000;
    while (started.some((c) => groupAlive(c.pid!)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of started) killGroup(c.pid!, "SIGKILL");
    if (work && !process.env.KEEP_LOCAL_RUNS) fs.rmSync(work, { recursive: true, force: true });
});

/** Starts the plan's Dynamo processes, each leading its own group, and waits until the model is served. */
async function startDynamo(plan: LocalRunPlan): Promise<Map<string, number>> {
    const pids = new Map<string, number>();
    for (const p of plan.processes) {
        fs.mkdirSync(path.dirname(p.logFile), { recursive: true });
        const fd = fs.openSync(p.logFile, "a");
        const child = spawn(p.argv[0]!, p.argv.slice(1), { detached: true, env: p.env, stdio: ["ignore", fd, fd] });
        fs.closeSync(fd);
        started.push(child);
        pids.set(p.name, child.pid!);
    }
    const polling = { pollMs: 250, maxPollMs: 1000, cancel: new AbortController().signal };
    await waitRegistered(plan, Date.now() + 90_000, polling, () => {});
    await waitServing(plan, Date.now() + 90_000, polling);
    return pids;
}

describe("the benchmark Job's script on a real frontend with a hung decode worker", { skip: venvSkip }, () => {
    test("AIPerf is stopped and the Job fails with reason=stalled within 30 s", { timeout: 240_000 }, async () => {
        const runId = `it-k8s-stall-${process.pid}`;
        const base = localPlanInput({ runId, runDir: path.join(work, runId), venv: LOCAL_VENV, modelPath: modelDir });
        const input = {
            ...base,
            speedupRatio: 1,
            benchmark: {
                ...base.benchmark,
                phases: [{ ...base.benchmark.phases[0]!, concurrency: 2, requestCount: 4000, warmupRequests: 0, outputTokens: 32 }],
            },
        };
        const local = planLocalRun(input, process.env, portsFromAllocation(await allocatePorts(portRequests(input))));
        const pids = await startDynamo(local);

        // The Job's mount: the scripts and the plan side by side, the plan pointing at this frontend.
        const mount = path.join(work, "mount");
        fs.mkdirSync(mount);
        for (const [name, text] of Object.entries(readBenchmarkScripts())) fs.writeFileSync(path.join(mount, name), text);
        const phase = local.benchmarkPhases[0]!;
        const plan: BenchmarkPlan = {
            tool: "aiperf",
            modelsUrl: `${local.frontendUrl}/v1/models`,
            model: local.servedModelName,
            modelWaitSeconds: 30,
            stall: {
                seconds: 5,
                pollSeconds: 1,
                metricsUrl: local.stall.metricsUrl,
                completedMetric: local.stall.metrics.completed,
                startedMetric: local.stall.metrics.started,
            },
            phases: [{ name: phase.name, artifactDir: phase.artifactDir, argv: ["aiperf", ...phase.argv.slice(1)] }],
            betweenPhases: { gaps: [], healthCheck: false, timeoutSeconds: 10, probeUrl: "", probeBody: "{}" },
        };
        fs.writeFileSync(path.join(mount, PLAN_FILE), JSON.stringify(plan));
        const tmp = fs.mkdtempSync(path.join(work, "aiperf-tmp-"));
        const job = spawn("bash", [path.join(mount, SCRIPT_FILE)], {
            env: { ...phase.env, PATH: `${path.join(LOCAL_VENV, "bin")}:${process.env.PATH}`, DYNAMO_BENCH_PLAN: path.join(mount, PLAN_FILE), TMPDIR: tmp },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        started.push(job);
        let log = "";
        job.stdout!.on("data", (d) => (log += d));
        job.stderr!.on("data", (d) => (log += d));
        const exited = new Promise<number | null>((resolve) => job.on("close", (code) => resolve(code)));

        // Once the phase has completed a few requests, stop the decode worker.
        const completed = async () => {
            try {
                return parseProgress(await (await fetch(local.stall.metricsUrl)).text(), local.stall.metrics)?.completed ?? 0;
            } catch {
                return 0;
            }
        };
        const deadline = Date.now() + 120_000;
        while ((await completed()) < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        const stoppedAt = Date.now();
        process.kill(pids.get("decode-0")!, "SIGSTOP");

        const code = await exited;
        const seconds = (Date.now() - stoppedAt) / 1000;
        process.stderr.write(`k8s Job script: hung decode worker (SIGSTOP) -> FAILED reason=stalled after ${seconds.toFixed(1)} s (stallSeconds 5)\n`);
        assert.equal(code, 1, log.slice(-3000));
        assert.ok(seconds < 30, `took ${seconds} s`);
        assert.equal(parseBenchmarkLog(log).failure, "stalled");
        assert.match(
            log,
            /ERROR: stalled: benchmark phase "main" completed no request for \d+s \(timeouts.stallSeconds 5\) with \d+ request\(s\) in flight; last completed request: dynamo_frontend_requests_total=\d+ at /,
        );
        // AIPerf is gone (its argv names the run folder); only the Dynamo processes this test started remain, then go.
        const deadlineGone = Date.now() + 15_000;
        const aiperfLeft = () => processesOf(runId, local.runDir).filter((p) => p.includes("aiperf"));
        while (aiperfLeft().length > 0 && Date.now() < deadlineGone) await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(aiperfLeft(), [], "AIPerf processes left after the stall");
        for (const c of started) killGroup(c.pid!, "SIGTERM");
        for (const c of started) killGroup(c.pid!, "SIGCONT");
        await assertNothingLeft(
            runId,
            local.runDir,
            started.map((c) => c.pid!),
            15_000,
        );
        fs.rmSync(tmp, { recursive: true, force: true });
    });
});

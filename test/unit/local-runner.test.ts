// The runner against stand-in processes (small Node scripts in a fake venv):
// readiness, teardown escalation, failure reporting and timeouts, without
// Dynamo or AIPerf installed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planLocalRun, portRequests, portsFromAllocation, type LocalRunPlanInput } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { aiperfTempPrefix, groupAlive, logTail, LocalRunError, readMeasuredDurationMs, runLocalPlan } from "../../lib/local/runner";
import { localPlanInput } from "../helpers/local-input";
import { loadPhase } from "../helpers/load-phase";

// Stand-in for `python -m dynamo.frontend|dynamo.mocker`. The frontend serves
// /health (instances from FAKE_PREFILL/FAKE_DECODE), /v1/models and chat;
// a mocker idles, optionally ignoring SIGTERM and with a child of its own.
const FAKE_PYTHON = `#!/usr/bin/env node
const http = require("http");
const { spawn } = require("child_process");
const argv = process.argv.slice(2);
const arg = (f) => argv[argv.indexOf(f) + 1];
const mod = arg("-m");
console.log("fake " + mod + " " + argv.join(" "));
if (mod === "dynamo.frontend") {
  const ns = process.env.DYN_NAMESPACE || arg("--namespace");
  const inst = [];
  for (let i = 0; i < Number(process.env.FAKE_PREFILL || 0); i++) inst.push({ namespace: ns, component: "prefill", endpoint: "generate" });
  for (let i = 0; i < Number(process.env.FAKE_DECODE || 0); i++) inst.push({ namespace: ns, component: "backend", endpoint: "generate" });
  http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/health") return res.end(JSON.stringify({ status: "healthy", instances: inst }));
    if (req.url === "/v1/models") return res.end(JSON.stringify({ data: [{ id: process.env.FAKE_MODEL || "tiny" }] }));
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ choices: [{ message: { content: "x" } }] })));
  }).listen(Number(arg("--http-port")), "127.0.0.1");
} else {
  if (process.env.FAKE_IGNORE_TERM) process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  if (process.env.FAKE_GRANDCHILD) spawn("sleep", ["600"], { stdio: "ignore" });
  if (process.env.FAKE_EXIT_AFTER_MS) setTimeout(() => { console.error(process.env.FAKE_EXIT_MESSAGE || "fatal: simulated crash"); process.exit(3); }, Number(process.env.FAKE_EXIT_AFTER_MS));
  setInterval(() => {}, 1000);
}
`;

// Stand-in for `aiperf profile`: writes a summary export, or misbehaves on request.
const FAKE_AIPERF = `#!/usr/bin/env node
const fs = require("fs");
const argv = process.argv.slice(2);
const dir = argv[argv.indexOf("--artifact-dir") + 1];
console.log("fake aiperf " + argv.join(" "));
if (process.env.FAKE_AIPERF_HANG) { setInterval(() => {}, 1000); return; }
if (process.env.FAKE_AIPERF_FAIL) { console.error("aiperf: simulated failure"); process.exit(4); }
fs.writeFileSync(require("os").tmpdir() + "/scratch", "x");
console.log("tmpdir=" + require("os").tmpdir());
setTimeout(() => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(dir + "/profile_export_aiperf.json", JSON.stringify({ benchmark_duration: { unit: "sec", avg: 0.25 } }));
  process.exit(0);
}, 300);
`;

let work = "";
let venv = "";

before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-runner-ut-"));
    venv = path.join(work, "venv");
    fs.mkdirSync(path.join(venv, "bin"), { recursive: true });
    fs.writeFileSync(path.join(venv, "bin", "python"), FAKE_PYTHON, { mode: 0o755 });
    fs.writeFileSync(path.join(venv, "bin", "aiperf"), FAKE_AIPERF, { mode: 0o755 });
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

let n = 0;
function input(over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    const runId = `ut-${process.pid}-${++n}`;
    const phase = loadPhase({ concurrency: 1, requestCount: 1 });
    const base = localPlanInput({ runId, runDir: path.join(work, runId), venv, modelPath: "/models/tiny" });
    return {
        ...base,
        env: { FAKE_PREFILL: "1", FAKE_DECODE: "1" },
        benchmark: {
            ...base.benchmark,
            phases: [
                { name: "a", ...phase },
                { name: "b", ...phase },
            ],
        },
        timeouts: { readySeconds: 10, benchmarkSeconds: 10, teardownGraceSeconds: 1 },
        ...over,
    };
}

async function plan(inp: LocalRunPlanInput, env: Record<string, string> = {}) {
    return planLocalRun(inp, { ...process.env, ...env }, portsFromAllocation(await allocatePorts(portRequests(inp))));
}

function recordedGroups(runDir: string): number[] {
    return (JSON.parse(fs.readFileSync(path.join(runDir, "process-groups.json"), "utf8")) as { groups: number[] }).groups;
}

function allGone(pids: number[]): void {
    assert.deepEqual(pids.filter(groupAlive), [], "process groups left behind");
}

describe("runLocalPlan with stand-in processes", () => {
    test("runs every phase in order, records timings, writes plan.json without env values, leaves nothing", { timeout: 30_000 }, async () => {
        const p = await plan(input({ env: { FAKE_PREFILL: "1", FAKE_DECODE: "1", SECRET_TOKEN: "hunter2" } }));
        const seen: string[] = [];
        let pids: number[] = [];
        const r = await runLocalPlan(p, { log: (l) => seen.push(l), onStarted: (ps) => (pids = ps.map((x) => x.pid)), reaper: false });
        assert.deepEqual(
            r.phases.map((x) => x.name),
            ["a", "b"],
        );
        assert.deepEqual(
            r.timings.phases.map((x) => x.measuredMs),
            [250, 250],
        );
        assert.ok(r.timings.registrationMs !== undefined && r.timings.readinessMs !== undefined && r.timings.teardownMs !== undefined);
        assert.ok(r.timings.totalMs! >= r.timings.benchmarkMs!);
        assert.equal(r.timings.overheadMs, r.timings.totalMs! - 500);
        assert.deepEqual(Object.keys(r.timings.processes).sort(), ["aiperf-a", "aiperf-b", "decode-0", "frontend", "prefill-0"]);
        const planJson = fs.readFileSync(path.join(p.runDir, "plan.json"), "utf8");
        assert.ok(planJson.includes("SECRET_TOKEN"), "variable names are kept");
        assert.ok(!planJson.includes("hunter2"), "values are not");
        assert.ok(seen.some((l) => l.includes("all workers registered")));
        allGone(pids);
        // AIPerf got a private temp folder per phase, removed afterwards.
        const tmp = /tmpdir=(\S+)/.exec(fs.readFileSync(r.phases[0]!.logFile, "utf8"))![1]!;
        assert.ok(path.basename(tmp).startsWith(aiperfTempPrefix(p.runId)), tmp);
        assert.ok(!fs.existsSync(tmp), `${tmp} left behind`);
    });

    test("a worker that ignores SIGTERM and has a child is SIGKILLed, with its child, after the grace period", { timeout: 30_000 }, async () => {
        const inp = input({ decode: { replicas: 1, extraArgs: [], env: { FAKE_IGNORE_TERM: "1", FAKE_GRANDCHILD: "1" } } });
        const p = await plan(inp);
        const seen: string[] = [];
        const r = await runLocalPlan(p, { log: (l) => seen.push(l) });
        assert.ok(
            seen.some((l) => /SIGKILL after 1s grace: decode-0/.test(l)),
            seen.join("\n"),
        );
        assert.ok(r.timings.teardownMs! >= 1000);
        allGone(r.processes.map((x) => x.pid));
        assert.match(fs.readFileSync(path.join(p.runDir, "logs", "decode-0.log"), "utf8"), /ignoring SIGTERM/);
    });

    test("a worker crash during the benchmark fails the run at once with its exit code and log tail", { timeout: 30_000 }, async () => {
        const inp = input({
            prefill: { replicas: 1, extraArgs: [], env: { FAKE_EXIT_AFTER_MS: "1500" } },
            timeouts: { readySeconds: 10, benchmarkSeconds: 30, teardownGraceSeconds: 1 },
        });
        const p = await plan(inp, {});
        // aiperf never finishes on its own here: only the crash can end the phase.
        for (const ph of p.benchmarkPhases) ph.env = { ...ph.env, FAKE_AIPERF_HANG: "1" };
        const t0 = Date.now();
        await assert.rejects(runLocalPlan(p), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.equal(e.kind, "process-exited");
            assert.match(e.message, /^prefill-0 \(pid \d+\) exited with code 3 during benchmark phase "a"; last 40 lines of .*prefill-0\.log:\n/);
            assert.match(e.detail.logTail!, /fatal: simulated crash/);
            return true;
        });
        assert.ok(Date.now() - t0 < 10_000);
        allGone(recordedGroups(p.runDir));
    });

    test("a worker that cannot reach the HuggingFace hub fails the run naming that cause and the fix first", { timeout: 30_000 }, async () => {
        // The line Dynamo 1.6.1's mocker prints without hub access (a real run's log).
        const hub =
            "Exception: Failed to fetch model 'Qwen/Qwen3-0.6B' at revision 'main' from HuggingFace. Is this a valid HuggingFace ID and revision? Error: request error: error sending request for url (https://huggingface.co/api/models/Qwen/Qwen3-0.6B/revision/main)";
        const p = await plan(
            input({
                decode: { replicas: 1, extraArgs: [], env: { FAKE_EXIT_AFTER_MS: "200", FAKE_EXIT_MESSAGE: hub } },
                timeouts: { readySeconds: 10, benchmarkSeconds: 30, teardownGraceSeconds: 1 },
            }),
        );
        await assert.rejects(runLocalPlan(p), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.match(
                e.message,
                /^decode-0 \(pid \d+\) exited with code 3 during [^:;]+: the model Qwen\/Qwen3-0\.6B could not be fetched from the HuggingFace hub .*model\.id.*; last 40 lines/,
            );
            return true;
        });
        allGone(recordedGroups(p.runDir));
    });

    test("registration that never completes is bounded by readySeconds and names the missing role", { timeout: 30_000 }, async () => {
        const p = await plan(
            input({ env: { FAKE_PREFILL: "0", FAKE_DECODE: "1" }, timeouts: { readySeconds: 2, benchmarkSeconds: 10, teardownGraceSeconds: 1 } }),
        );
        await assert.rejects(runLocalPlan(p), /workers not registered with the frontend within timeouts.readySeconds \(2s\): prefill 0\/1, decode 1\/1/);
        allGone(recordedGroups(p.runDir));
    });

    test("a model the frontend does not list is bounded by readySeconds", { timeout: 30_000 }, async () => {
        const p = await plan(
            input({
                env: { FAKE_PREFILL: "1", FAKE_DECODE: "1", FAKE_MODEL: "other" },
                timeouts: { readySeconds: 2, benchmarkSeconds: 10, teardownGraceSeconds: 1 },
            }),
        );
        await assert.rejects(runLocalPlan(p), /model not served within timeouts.readySeconds \(2s\): GET \/v1\/models does not list "tiny" yet/);
        allGone(recordedGroups(p.runDir));
    });

    test("aiperf failing: benchmark-failed with its exit code and log tail", { timeout: 30_000 }, async () => {
        const p = await plan(input(), { FAKE_AIPERF_FAIL: "1" });
        await assert.rejects(runLocalPlan(p), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.equal(e.kind, "benchmark-failed");
            assert.match(e.message, /benchmark phase "a": aiperf exited with code 4/);
            assert.match(e.message, /simulated failure/);
            return true;
        });
        allGone(recordedGroups(p.runDir));
    });

    test("a benchmark over benchmarkSeconds: benchmark-timeout, aiperf stopped too", { timeout: 30_000 }, async () => {
        const p = await plan(input({ timeouts: { readySeconds: 10, benchmarkSeconds: 1, teardownGraceSeconds: 1 } }), { FAKE_AIPERF_HANG: "1" });
        await assert.rejects(
            runLocalPlan(p),
            (e: unknown) => e instanceof LocalRunError && e.kind === "benchmark-timeout" && /within timeouts.benchmarkSeconds \(1s/.test(e.message),
        );
        allGone(recordedGroups(p.runDir));
    });

    test("an abort signal interrupts the run and stops everything", { timeout: 30_000 }, async () => {
        const p = await plan(input(), { FAKE_AIPERF_HANG: "1" });
        const ac = new AbortController();
        const run = runLocalPlan(p, { signal: ac.signal, onPhaseStarted: () => setTimeout(() => ac.abort(), 200) });
        await assert.rejects(run, (e: unknown) => e instanceof LocalRunError && e.kind === "interrupted" && /during benchmark phase "a"/.test(e.message));
        allGone(recordedGroups(p.runDir));
    });

    test("a missing venv: spawn-failed with the set-up command", { timeout: 30_000 }, async () => {
        const p = await plan(input({ venv: path.join(work, "no-venv") }));
        await assert.rejects(
            runLocalPlan(p),
            (e: unknown) => e instanceof LocalRunError && e.kind === "spawn-failed" && /scripts\/setup-python\.sh/.test(e.message),
        );
    });
});

describe("runner helpers", () => {
    test("logTail returns the last lines without terminal colours", () => {
        const f = path.join(work, "tail.log");
        fs.writeFileSync(f, Array.from({ length: 100 }, (_, i) => `\x1b[32mline ${i}\x1b[0m`).join("\n") + "\n");
        assert.equal(logTail(f, 3), "line 97\nline 98\nline 99");
        assert.equal(logTail(path.join(work, "missing.log")), "(no log)");
    });

    test("readMeasuredDurationMs converts AIPerf's benchmark_duration to ms", () => {
        const f = path.join(work, "summary.json");
        fs.writeFileSync(f, JSON.stringify({ benchmark_duration: { unit: "sec", avg: 1.5 } }));
        assert.equal(readMeasuredDurationMs(f), 1500);
        fs.writeFileSync(f, "{}");
        assert.equal(readMeasuredDurationMs(f), undefined);
    });
});

describe("start-up commands (setup) before any process", () => {
    test("they run in order in the run's environment, logged, before the frontend and workers start", { timeout: 30_000 }, async () => {
        const inp = input({ setup: { commands: ['echo "first $DYNAMO_BENCH_RUN_DIR"', "echo second"], timeoutSeconds: 10 } });
        const p = await plan(inp);
        const seen: string[] = [];
        await runLocalPlan(p, { log: (l) => seen.push(l), reaper: false });
        assert.equal(fs.readFileSync(p.setup!.logFile, "utf8"), `first ${p.runDir}\nsecond\n`);
        assert.ok(seen.findIndex((l) => l === "setup commands done") < seen.findIndex((l) => l.startsWith("started frontend")), seen.join("\n"));
    });

    test("a failing command fails the run with its status and log tail; no Dynamo process starts", { timeout: 30_000 }, async () => {
        const p = await plan(input({ setup: { commands: ["echo 'loading the driver'", "echo 'no GPU here' >&2; exit 5", "echo never"], timeoutSeconds: 10 } }));
        let started = false;
        const err = await runLocalPlan(p, { onStarted: () => (started = true), reaper: false }).then(
            () => assert.fail("expected the run to fail"),
            (e: unknown) => e as LocalRunError,
        );
        assert.equal(err.kind, "setup-failed");
        assert.match(err.message, /^the setup commands failed with status 5; last lines of .*setup\.log:\nloading the driver\nno GPU here$/);
        assert.equal(started, false);
    });

    // 5 s, not 1: on a loaded machine the shell may not have written its first line within 1 s.
    test("a hanging command is stopped at setup.timeoutSeconds, and its process group is gone", { timeout: 30_000 }, async () => {
        const pidFile = path.join(work, `setup-${process.pid}.pid`);
        const p = await plan(input({ setup: { commands: [`echo $$ > ${pidFile}; echo waiting; sleep 600`], timeoutSeconds: 5 } }));
        const t0 = Date.now();
        const err = await runLocalPlan(p, { reaper: false }).then(
            () => assert.fail("expected the run to fail"),
            (e: unknown) => e as LocalRunError,
        );
        assert.equal(err.kind, "setup-failed");
        assert.match(err.message, /^the setup commands did not finish within 5s \(setup\.timeoutSeconds\); last lines of .*\nwaiting$/);
        assert.ok(Date.now() - t0 < 20_000, `bounded: ${Date.now() - t0} ms`);
        // The login shell leads the setup's process group (its sleep included): gone with the run.
        allGone([Number(fs.readFileSync(pidFile, "utf8"))]);
    });
});

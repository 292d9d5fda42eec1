// Real Dynamo frontend + mocker workers + AIPerf, from the venv that
// scripts/setup-python.sh makes. Skips only when that venv is missing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { defaultVenv, REPO_ROOT } from "../../lib/paths";
import { planLocalRun, portRequests, portsFromAllocation, type LocalRunPlanInput } from "../../lib/local/plan";
import { allocatePorts, PortInUseError } from "../../lib/local/ports";
import { aiperfTempPrefix, LocalRunError, runLocalPlan, type LocalRunResult } from "../../lib/local/runner";
import { summarizeRun, toStackOutputs } from "../../lib/results";
import { localPlanInput } from "../helpers/local-input";
import { assertNothingLeft } from "../helpers/local-leftovers";

const venv = defaultVenv(process.env);
const venvReady = fs.existsSync(path.join(venv, "bin", "python")) && fs.existsSync(path.join(venv, "bin", "aiperf"));
const skip = venvReady ? false : `Python venv ${venv} is missing; set it up with: bash scripts/setup-python.sh (or set DYNAMO_BENCH_VENV)`;
if (skip) process.stderr.write(`SKIP local-run integration tests: ${skip}\n`);

let work = "";
let modelDir = "";

before(() => {
    if (skip) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-local-it-"));
    modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(venv, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
});

after(() => {
    if (work && !process.env.KEEP_LOCAL_RUNS) fs.rmSync(work, { recursive: true, force: true });
});

function input(name: string, over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    const runId = `it-${name}-${process.pid}`;
    return localPlanInput(
        { runId, runDir: path.join(work, runId), venv, modelPath: modelDir },
        { timeouts: { readySeconds: 90, benchmarkSeconds: 180, teardownGraceSeconds: 10 }, ...over },
    );
}

async function plan(inp: LocalRunPlanInput) {
    return planLocalRun(inp, process.env, portsFromAllocation(await allocatePorts(portRequests(inp))));
}

/** Process groups the runner recorded for the run. */
function pgidsFrom(runDir: string): number[] {
    return (JSON.parse(fs.readFileSync(path.join(runDir, "process-groups.json"), "utf8")) as { groups: number[] }).groups;
}

describe("local run on the real mocker", { skip }, () => {
    let result: LocalRunResult;
    let started: Array<{ name: string; pid: number }> = [];
    const inp = () => input("full");

    test("a disaggregated run (1 prefill + 1 decode) produces AIPerf exports and timings", { timeout: 240_000 }, async () => {
        // AIPerf would leave aiperf_mmap_* and tmp*/aiperf in the temp folder; it gets a private one instead.
        const aiperfTemp = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("aiperf_mmap_") || f.startsWith(aiperfTempPrefix(inp().runId)));
        const tempBefore = aiperfTemp();
        const p = await plan(inp());
        result = await runLocalPlan(p, { onStarted: (procs) => (started = [...procs]) });
        assert.deepEqual(
            started.map((s) => s.name),
            ["frontend", "prefill-0", "decode-0"],
        );
        const phase = result.phases[0]!;
        assert.equal(phase.name, "main");
        for (const f of ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"]) {
            assert.ok(fs.existsSync(path.join(phase.artifactDir, f)), `missing ${f}`);
        }
        const t = result.timings;
        assert.ok(t.registrationMs! > 0 && t.readinessMs! >= 0 && t.teardownMs! >= 0);
        assert.ok(t.phases[0]!.measuredMs! > 0, "AIPerf's measured duration is read");
        assert.ok(t.overheadMs! > 0 && t.overheadMs! < t.totalMs!);
        assert.deepEqual(JSON.parse(fs.readFileSync(result.timingsFile, "utf8")).phases[0].name, "main");
        assert.deepEqual(
            aiperfTemp().filter((f) => !tempBefore.includes(f)),
            [],
            "AIPerf temp files left in the temp folder",
        );
        process.stderr.write(
            `timings: ${JSON.stringify({ processStartMs: t.processStartMs, registrationMs: t.registrationMs, readinessMs: t.readinessMs, benchmarkMs: t.benchmarkMs, measuredMs: t.phases[0]!.measuredMs, teardownMs: t.teardownMs, totalMs: t.totalMs, overheadMs: t.overheadMs })}\n`,
        );
    });

    test("the exports summarize through lib/results: all 40 requests served through prefill and decode, none failed", { timeout: 60_000 }, async () => {
        assert.ok(result, "needs the run above");
        const dir = result.phases[0]!.artifactDir;
        const summary = await summarizeRun([path.join(dir, "profile_export_aiperf.json"), path.join(dir, "profile_export.jsonl")], {
            tool: "aiperf",
            concurrency: 4,
            gpus: 2,
        });
        const out = toStackOutputs(summary);
        assert.equal(out.requestCount, 40);
        assert.equal(out.errorCount ?? 0, 0);
        assert.ok(out.ttftMs && out.ttftMs.avg! > 0);
        assert.equal(out.outputSequenceLengthTokens?.avg, 16);
        // Both workers handled requests: each mocker logs the requests it received.
        for (const name of ["prefill-0", "decode-0"]) {
            const log = fs.readFileSync(path.join(result.runDir, "logs", `${name}.log`), "utf8");
            assert.match(log, /request received/, `${name} served no request`);
        }
    });

    test("every process of the run is gone", async () => {
        assert.ok(result, "needs the run above");
        await assertNothingLeft(
            result.runId,
            result.runDir,
            started.map((s) => s.pid),
        );
    });
});

describe("local run failures", { skip }, () => {
    test("a decode worker killed mid-benchmark fails the run within 30 s, naming it and quoting its log", { timeout: 180_000 }, async () => {
        const inp = input("kill", {
            // Long enough that the kill lands while AIPerf is still sending.
            speedupRatio: 1,
            benchmark: {
                ...input("kill").benchmark,
                phases: [
                    {
                        name: "main",
                        concurrency: 2,
                        requestCount: 400,
                        warmupRequests: 0,
                        inputTokens: 64,
                        inputTokensStddev: 0,
                        outputTokens: 64,
                        outputTokensStddev: 0,
                        streaming: true,
                        extraArgs: [],
                    },
                ],
            },
        });
        const p = await plan(inp);
        let pgids: number[] = [];
        let killedAt = 0;
        const run = runLocalPlan(p, {
            onStarted: (procs) => (pgids = procs.map((x) => x.pid)),
            onPhaseStarted: (_name, pid) => {
                pgids.push(pid);
                const decode = p.processes.findIndex((x) => x.name === "decode-0");
                setTimeout(() => {
                    killedAt = Date.now();
                    process.kill(pgids[decode]!, "SIGKILL");
                }, 4000);
            },
        });
        await assert.rejects(run, (e: unknown) => {
            assert.ok(e instanceof LocalRunError, String(e));
            assert.equal(e.kind, "process-exited");
            assert.equal(e.detail.process, "decode-0");
            assert.match(e.message, /decode-0 \(pid \d+\) was killed by SIGKILL during benchmark phase "main"/);
            assert.match(e.message, /last 40 lines of .*decode-0\.log/);
            assert.ok((e.detail.logTail ?? "").split("\n").length >= 5, "log tail quoted");
            assert.ok(!/\x1b\[/.test(e.message), "no terminal colour codes in the error");
            assert.ok(killedAt > 0 && Date.now() - killedAt < 30_000, `failed ${Date.now() - killedAt} ms after the kill`);
            assert.equal(e.timings?.failure?.kind, "process-exited");
            return true;
        });
        await assertNothingLeft(inp.runId, inp.runDir, pgids);
        assert.ok(fs.existsSync(path.join(inp.runDir, "timings.json")));
    });

    test("a worker that cannot start (bad flag) fails fast with its own error in the message", { timeout: 120_000 }, async () => {
        const inp = input("badflag", { prefill: { replicas: 1, extraArgs: ["--no-such-flag"], env: {} } });
        const p = await plan(inp);
        const t0 = Date.now();
        let pgids: number[] = [];
        await assert.rejects(runLocalPlan(p, { onStarted: (procs) => (pgids = procs.map((x) => x.pid)) }), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.equal(e.kind, "process-exited");
            assert.equal(e.detail.process, "prefill-0");
            assert.match(e.message, /exited with code 2/);
            assert.match(e.message, /unrecognized arguments: --no-such-flag/);
            return true;
        });
        assert.ok(Date.now() - t0 < 30_000);
        await assertNothingLeft(inp.runId, inp.runDir, pgids);
    });

    test("a worker the frontend never sees: not ready within readySeconds, with the counts and every log's tail", { timeout: 60_000 }, async () => {
        // The prefill worker registers in another discovery folder (role env wins), so the frontend never sees it.
        const inp = input("notready", {
            prefill: { replicas: 1, extraArgs: [], env: { DYN_FILE_KV: path.join(work, "elsewhere") } },
            timeouts: { readySeconds: 6, benchmarkSeconds: 60, teardownGraceSeconds: 5 },
        });
        const p = await plan(inp);
        const t0 = Date.now();
        let pgids: number[] = [];
        await assert.rejects(runLocalPlan(p, { onStarted: (procs) => (pgids = procs.map((x) => x.pid)) }), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.equal(e.kind, "not-ready");
            assert.match(e.message, /workers not registered with the frontend within timeouts.readySeconds \(6s\): prefill 0\/1, decode 1\/1/);
            assert.match(e.message, /--- frontend \(.*frontend\.log\) ---/);
            assert.match(e.message, /--- decode-0 \(.*decode-0\.log\) ---/);
            return true;
        });
        assert.ok(Date.now() - t0 < 20_000, "bounded by readySeconds plus teardown");
        await assertNothingLeft(inp.runId, inp.runDir, pgids);
    });

    test("a frontend port already taken is reported by name before anything starts", { timeout: 30_000 }, async () => {
        const blocker = net.createServer();
        await new Promise<void>((r) => blocker.listen({ host: "0.0.0.0", port: 0 }, () => r()));
        const port = (blocker.address() as net.AddressInfo).port;
        try {
            const inp = input("port", { frontend: { routerMode: "round-robin", port, extraArgs: [], env: {} } });
            await assert.rejects(plan(inp), (e: unknown) => {
                assert.ok(e instanceof PortInUseError);
                assert.equal(e.message, `frontend.port ${port} is already in use by another process; choose another port or leave it unset`);
                return true;
            });
            assert.ok(!fs.existsSync(inp.runDir), "nothing was started");
            await assertNothingLeft(inp.runId, inp.runDir, []);
        } finally {
            await new Promise<void>((r) => blocker.close(() => r()));
        }
    });
});

describe("parallel local runs", { skip }, () => {
    test("two runs at once get their own ports and namespaces and both succeed", { timeout: 240_000 }, async () => {
        const small = (name: string) =>
            input(name, { benchmark: { ...input(name).benchmark, phases: [{ ...input(name).benchmark.phases[0]!, requestCount: 20, warmupRequests: 0 }] } });
        const [a, b] = await Promise.all([plan(small("par-a")), plan(small("par-b"))]);
        const portsA = [a.ports.frontend, ...a.ports.bootstrap];
        const portsB = [b.ports.frontend, ...b.ports.bootstrap];
        assert.equal(new Set([...portsA, ...portsB]).size, 4, `ports collide: ${portsA} / ${portsB}`);
        assert.notEqual(a.namespace, b.namespace);
        const [ra, rb] = await Promise.all([runLocalPlan(a, { handleSignals: false }), runLocalPlan(b, { handleSignals: false })]);
        for (const r of [ra, rb]) {
            assert.ok(fs.existsSync(r.phases[0]!.summaryJson));
            const out = toStackOutputs(await summarizeRun([r.phases[0]!.summaryJson], { tool: "aiperf" }));
            assert.equal(out.requestCount, 20);
            await assertNothingLeft(r.runId, r.runDir, pgidsFrom(r.runDir));
        }
    });
});

describe("dynamo-bench local-run command", { skip }, () => {
    const bin = path.join(REPO_ROOT, "bin", "dynamo-bench.js");
    const specFile = (name: string, over: Record<string, unknown> = {}) => {
        const file = path.join(work, `${name}.json`);
        fs.writeFileSync(
            file,
            JSON.stringify({
                target: "local",
                name,
                model: { id: modelDir, servedName: "tiny" },
                benchmark: { concurrency: 2, requestCount: 20, inputTokens: 32, outputTokens: 8 },
                timeouts: { readySeconds: 90, benchmarkSeconds: 180 },
                local: { venv },
                ...over,
            }),
        );
        return file;
    };

    function runCli(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
        return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [bin, "local-run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => {
                stderr += d;
                onStderr?.(stderr, child);
            });
            child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
        });
    }

    test("prints one DYNAMO_BENCH_RESULT line with artifacts, timings, summary file and outputs; progress on stderr", { timeout: 240_000 }, async () => {
        const runDir = path.join(work, "cli-ok");
        const r = await runCli(["--spec-file", specFile("cli-ok"), "--run-dir", runDir, "--run-id", `cli-ok-${process.pid}`]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.equal(lines.length, 1, "stdout holds only the result line");
        assert.match(lines[0]!, /^DYNAMO_BENCH_RESULT \{/);
        const out = JSON.parse(lines[0]!.slice("DYNAMO_BENCH_RESULT ".length));
        assert.equal(out.ok, true);
        assert.equal(out.runDir, runDir);
        assert.equal(out.phases[0].name, "main");
        assert.ok(fs.existsSync(path.join(out.phases[0].artifactDir, "profile_export_aiperf.json")));
        assert.equal(out.phases[0].summary, undefined, "the full summary is a file unless --full-summary");
        assert.equal(JSON.parse(fs.readFileSync(out.phases[0].summaryFile, "utf8")).schema, "dynamo-bench.results/v1");
        assert.ok(lines[0]!.length < 20_000, `result line is ${lines[0]!.length} bytes`);
        assert.equal(out.outputs.requestCount, 20);
        assert.ok(out.timings.totalMs > 0 && out.timings.registrationMs > 0);
        assert.match(r.stderr, /\[local-run\] all workers registered/);
        await assertNothingLeft(out.runId, runDir, pgidsFrom(runDir));
    });

    test("a taken frontend.port: exit 2, the message on stderr and in the result line", { timeout: 60_000 }, async () => {
        const blocker = net.createServer();
        await new Promise<void>((r) => blocker.listen({ host: "127.0.0.1", port: 0 }, () => r()));
        const port = (blocker.address() as net.AddressInfo).port;
        try {
            const r = await runCli(["--spec-file", specFile("cli-port", { frontend: { port } }), "--run-dir", path.join(work, "cli-port")]);
            assert.equal(r.code, 2);
            const msg = `frontend.port ${port} is already in use by another process; choose another port or leave it unset`;
            assert.ok(r.stderr.includes(msg), r.stderr);
            const out = JSON.parse(r.stdout.trim().slice("DYNAMO_BENCH_RESULT ".length));
            assert.deepEqual([out.ok, out.error.kind, out.error.message], [false, "port-in-use", msg]);
        } finally {
            await new Promise<void>((r) => blocker.close(() => r()));
        }
    });

    /** Runs a long benchmark through the command and sends it `signal` 2 s into its phase. */
    async function runCliAndSignal(name: string, signal: NodeJS.Signals) {
        const runId = `${name}-${process.pid}`;
        const runDir = path.join(work, name);
        let sent = false;
        const r = await runCli(
            [
                "--spec-file",
                specFile(name, { benchmark: { concurrency: 2, requestCount: 2000, outputTokens: 64 }, local: { venv, speedupRatio: 1 } }),
                "--run-dir",
                runDir,
                "--run-id",
                runId,
            ],
            (text, child) => {
                if (!sent && text.includes('benchmark phase "main":')) {
                    sent = true;
                    setTimeout(() => child.kill(signal), 2000);
                }
            },
        );
        assert.ok(sent, r.stderr);
        return { r, runId, runDir };
    }

    test("SIGTERM to the command stops every process it started and exits 143", { timeout: 180_000 }, async () => {
        const { r, runId, runDir } = await runCliAndSignal("cli-term", "SIGTERM");
        assert.equal(r.code, 143, r.stderr);
        const out = JSON.parse(r.stdout.trim().slice("DYNAMO_BENCH_RESULT ".length));
        assert.equal(out.error.kind, "interrupted");
        await assertNothingLeft(runId, runDir, pgidsFrom(runDir));
    });

    test("SIGKILL of the command: its watchdog stops the orphaned processes within seconds", { timeout: 180_000 }, async () => {
        const { r, runId, runDir } = await runCliAndSignal("cli-kill", "SIGKILL");
        assert.equal(r.signal, "SIGKILL");
        const groups = (JSON.parse(fs.readFileSync(path.join(runDir, "process-groups.json"), "utf8")) as { groups: number[] }).groups;
        assert.equal(groups.length, 4, "frontend, prefill, decode and aiperf were running");
        // The watchdog polls every 0.5 s and allows 5 s between SIGTERM and SIGKILL.
        await assertNothingLeft(runId, runDir, groups, 15_000);
    });
});

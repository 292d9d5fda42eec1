// Shared by the Slurm integration tests: the prerequisites (the project's
// one-machine Slurm cluster, the Python runtime, the test sshd) and the same
// steps the Slurm component's commands run (stage, submit, wait, cancel).
import { after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSpec } from "../../config/load";
import type { BenchmarkSpec } from "../../config/resolve";
import { defaultVenv, REPO_ROOT, tinyModelDir } from "../../lib/paths";
import { cancelCommand, renderJob, stageCommand, submitCommand, waitCommandArgs, type RenderedJob } from "../../lib/slurm/render";
import { freePort } from "../helpers/free-port";

export { freePort };

export { REPO_ROOT } from "../../lib/paths";
export const LAB = process.env.DYNAMO_BENCH_SLURM_LAB || "/tmp/dynamo-bench-slurm";
export const SSHD_DIR = process.env.SSHD_DIR || "/tmp/dynamo-bench-sshd";
export const SLURM_CONF = path.join(LAB, "etc", "slurm.conf");
export const VENV = defaultVenv(process.env);
export const MODEL_DIR = tinyModelDir(process.env);

export type Check<T> = ({ ok: true } & T) | { ok: false; reason: string };

const slurmEnv = () => ({ ...process.env, SLURM_CONF });

/** The cluster scripts/slurm/cluster-up.sh starts: slurmctld answering and three idle nodes. */
export function slurmCluster(): Check<{ slurmConf: string; shared: string }> {
    const hint = "start it with `bash scripts/slurm/cluster-up.sh` (as root; installs slurm-wlm and munge with apt, ~10 s)";
    if (!fs.existsSync(SLURM_CONF)) return { ok: false, reason: `no Slurm test cluster at ${LAB} (${SLURM_CONF} is missing); ${hint}` };
    const ping = spawnSync("timeout", ["5", "scontrol", "ping"], { env: slurmEnv(), encoding: "utf8" });
    if (ping.status !== 0)
        return { ok: false, reason: `slurmctld of ${LAB} does not answer (${(ping.stderr || ping.stdout || String(ping.error)).trim()}); ${hint}` };
    const nodes = spawnSync("timeout", ["5", "sinfo", "-h", "-N", "-o", "%N %T"], { env: slurmEnv(), encoding: "utf8" })
        .stdout.trim()
        .split("\n")
        .filter(Boolean);
    const usable = nodes.filter((l) => /\s(idle|mixed|allocated|completing)$/.test(l));
    if (usable.length < 3) return { ok: false, reason: `the test cluster needs 3 usable nodes, sinfo shows: ${nodes.join("; ") || "none"}; ${hint}` };
    return { ok: true, slurmConf: SLURM_CONF, shared: path.join(LAB, "shared") };
}

/** ai-dynamo (frontend, mocker), aiperf and the tiny model from scripts/setup-python.sh. */
export function pythonRuntime(): Check<{ venv: string; model: string }> {
    const hint = "set it up with `bash scripts/setup-python.sh`";
    const py = path.join(VENV, "bin", "python");
    if (!fs.existsSync(py)) return { ok: false, reason: `no Python venv at ${VENV}; ${hint}` };
    const r = spawnSync(py, ["-c", "import dynamo.frontend, dynamo.mocker"], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) return { ok: false, reason: `${py} cannot import dynamo.frontend/dynamo.mocker (${r.stderr.trim().split("\n").pop()}); ${hint}` };
    if (!fs.existsSync(path.join(VENV, "bin", "aiperf"))) return { ok: false, reason: `no aiperf in ${VENV}/bin; ${hint}` };
    if (!fs.existsSync(path.join(MODEL_DIR, "config.json"))) return { ok: false, reason: `no tiny model at ${MODEL_DIR}; ${hint}` };
    return { ok: true, venv: VENV, model: MODEL_DIR };
}

export interface SshdInfo {
    host: string;
    port: number;
    user: string;
    keyFile: string;
    hostKey: string;
}

/** The sshd scripts/setup-sshd.sh starts on 127.0.0.1. */
export function testSshd(): Check<SshdInfo> {
    const hint = "start it with `bash scripts/setup-sshd.sh` (as root; installs openssh-server with apt when missing)";
    const envFile = path.join(SSHD_DIR, "env.sh");
    if (!fs.existsSync(envFile)) return { ok: false, reason: `no test sshd (${envFile} is missing); ${hint}` };
    const vars = Object.fromEntries(
        fs
            .readFileSync(envFile, "utf8")
            .split("\n")
            .map((l) => /^export (\w+)="?([^"]*)"?$/.exec(l))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1], m[2]]),
    );
    const status = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "setup-sshd.sh"), "status"], {
        env: { ...process.env, SSHD_DIR },
        encoding: "utf8",
        timeout: 30_000,
    });
    if (status.status !== 0) return { ok: false, reason: `the test sshd in ${SSHD_DIR} is not running or refuses its key; ${hint}` };
    return {
        ok: true,
        host: vars.DYNAMO_BENCH_SSH_HOST,
        port: Number(vars.DYNAMO_BENCH_SSH_PORT),
        user: vars.DYNAMO_BENCH_SSH_USER,
        keyFile: vars.DYNAMO_BENCH_SSH_KEY_FILE,
        hostKey: vars.DYNAMO_BENCH_SSH_HOST_KEY,
    };
}

/** A stack config for the disaggregated mocker benchmark on the test cluster (bare metal). */
export async function mockerConfig(over: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const base: Record<string, unknown> = {
        target: "slurm",
        model: { id: MODEL_DIR, servedName: "tiny" },
        gpusPerNode: 8,
        benchmark: { concurrency: 4, requestCount: 40, inputTokens: 64, outputTokens: 16 },
        frontend: { port: await freePort() },
        timeouts: { readySeconds: 120, benchmarkSeconds: 300 },
        slurm: {
            engine: "mocker",
            mockerSpeedupRatio: 10,
            outputDir: path.join(LAB, "shared", "it"),
            container: { runtime: "bare-metal", venv: VENV },
            login: { mode: "local", env: { SLURM_CONF } },
            // 32 ports per worker process from here; the OS hands out ephemeral ports far above.
            workerPortBase: 20000 + Math.floor(Math.random() * 200) * 32,
            pollSeconds: 1,
            stopGraceSeconds: 5,
        },
    };
    return merge(base, over);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
        const cur = out[k];
        const obj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
        out[k] = obj(cur) && obj(v) ? merge(cur, v) : v;
    }
    return out;
}

export interface Run {
    spec: BenchmarkSpec;
    job: RenderedJob;
}

export function render(raw: Record<string, unknown>, stack: string): Run {
    const spec = loadSpec(raw, stack);
    return { spec, job: renderJob(spec) };
}

export interface Sh {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command line the way @pulumi/command does: `sh -c`, locally or on the login node over SSH, with stdin. */
export function sh(command: string, stdin = "", ssh?: SshdInfo, timeoutMs = 120_000): Promise<Sh> {
    const argv = ssh
        ? [
              "ssh",
              "-i",
              ssh.keyFile,
              "-p",
              String(ssh.port),
              "-o",
              "BatchMode=yes",
              "-o",
              "StrictHostKeyChecking=no",
              "-o",
              "UserKnownHostsFile=/dev/null",
              "-o",
              "LogLevel=ERROR",
              `${ssh.user}@${ssh.host}`,
              command,
          ]
        : ["sh", "-c", command];
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr });
        });
        child.stdin.end(stdin);
    });
}

/** What the component's `<name>-file-*` and `<name>-job` commands do; returns the job id. */
export async function stageAndSubmit(run: Run, ssh?: SshdInfo): Promise<string> {
    for (const f of run.job.files) {
        const r = await sh(stageCommand(run.job.runDir, f), f.content, ssh);
        if (r.code !== 0) throw new Error(`staging ${f.name} failed: ${r.stderr}`);
    }
    const r = await sh(submitCommand(run.job), "", ssh);
    if (r.code !== 0) throw new Error(`submit failed: ${r.stderr}`);
    return r.stdout.trim().split("\n").pop()!;
}

/** What `pulumi destroy` runs: scancel by job name. */
export async function cancel(run: Run, ssh?: SshdInfo): Promise<Sh> {
    return sh(cancelCommand(run.job), "", ssh);
}

export interface WaitResult extends Sh {
    ms: number;
    endedAt: number;
    /** When slurm-wait first printed a failure (its progress line or its final error), if it did. */
    failureReportedAt?: number;
}

/** What the component's `<name>-results` command runs: `dynamo-bench slurm-wait`. */
export function slurmWait(run: Run, jobId: string, opts: { fetchTo?: string; env?: NodeJS.ProcessEnv } = {}): Promise<WaitResult> {
    const argv = [path.join(REPO_ROOT, "bin", "dynamo-bench.js"), ...waitCommandArgs(run.spec, run.job, jobId, opts.fetchTo)];
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        let failureReportedAt: number | undefined;
        child.stderr.on("data", (d) => {
            stderr += d;
            if (failureReportedAt === undefined && /failed: |FAILED: /.test(stderr)) failureReportedAt = Date.now();
        });
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started, endedAt: Date.now(), failureReportedAt }));
    });
}

/** Polls `check` until it returns a value, at most `timeoutMs`. */
export async function until<T>(what: string, check: () => T | undefined, timeoutMs: number, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = check();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** The job's state in Slurm now (scontrol), e.g. RUNNING, CANCELLED. */
export function jobState(jobId: string): string | undefined {
    const r = spawnSync("timeout", ["10", "scontrol", "show", "job", "-o", jobId], { env: slurmEnv(), encoding: "utf8" });
    return /JobState=(\S+)/.exec(r.stdout)?.[1];
}

/** Jobs of this name still queued or running. */
export function liveJobs(name: string): string[] {
    const r = spawnSync("timeout", ["10", "squeue", "-h", "-n", name, "-t", "PD,R,CG,S,CF", "-o", "%i"], { env: slurmEnv(), encoding: "utf8" });
    return r.stdout.trim().split("\n").filter(Boolean);
}

/** True when a PID recorded in RUN_DIR/pids is still a live process on this (one-machine) cluster. */
export function pidAlive(pidFile: string): boolean {
    if (!fs.existsSync(pidFile)) return false;
    const pid = Number(fs.readFileSync(pidFile, "utf8").split(" ")[0]);
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return !/^State:\s*Z/m.test(status);
}

/** Resolves once AIPerf is sending requests in phase `phase`: the benchmark is really running. */
export async function benchmarkRunning(run: Run, phase = "main", timeoutMs = 120_000): Promise<void> {
    const log = path.join(run.job.runDir, "logs", `phase-${phase}.log`);
    await until(
        "the benchmark to send requests",
        () => (fs.existsSync(log) && /Phase profiling \(profiling\) started/.test(fs.readFileSync(log, "utf8")) ? true : undefined),
        timeoutMs,
    );
}

/** The job's FAILURE marker: reason first, then log tails. */
export function failureMarker(run: Run): string {
    return fs.readFileSync(path.join(run.job.runDir, "FAILURE"), "utf8");
}

/** No job of the run queued or running, and no process recorded in its pids folder alive. */
export function assertNothingLeft(run: Run): void {
    assert.deepEqual(liveJobs(run.job.jobName), []);
    const pids = path.join(run.job.runDir, "pids");
    for (const f of fs.existsSync(pids) ? fs.readdirSync(pids) : []) assert.ok(!pidAlive(path.join(pids, f)), `${f}: the process outlived the job`);
}

/** A mocker benchmark that runs for many minutes unless something stops it: the load of the fault tests. */
export const LONG_RUN = {
    benchmark: { concurrency: 2, requestCount: 5000, outputTokens: 200 },
    timeouts: { readySeconds: 120, benchmarkSeconds: 1800 },
    slurm: { mockerSpeedupRatio: 1 },
};

export interface SlurmSuite {
    /** node:test `skip`: why this machine cannot run the file (no test cluster, no Python runtime), else false. */
    skip: string | false;
    /** Remembers a rendered run, so its job is cancelled after the file's tests whatever they did. */
    track: (run: Run) => Run;
    /** Renders a mocker job with `over` for `stack`, tracks it, stages and submits it. */
    start: (over: Record<string, unknown>, stack: string) => Promise<{ run: Run; jobId: string }>;
}

/** What every Slurm integration file starts with; `file` names it in the printed skip reason. */
export function slurmSuite(file: string): SlurmSuite {
    const cluster = slurmCluster();
    const py = pythonRuntime();
    const skip = !cluster.ok ? cluster.reason : !py.ok ? py.reason : false;
    if (skip) console.log(`# SKIP ${file}: ${skip}`);
    const runs: Run[] = [];
    after(async () => {
        for (const r of runs) await cancel(r);
    });
    const track = (run: Run): Run => {
        runs.push(run);
        return run;
    };
    return {
        skip,
        track,
        start: async (over, stack) => {
            const run = track(render(await mockerConfig(over), stack));
            return { run, jobId: await stageAndSubmit(run) };
        },
    };
}

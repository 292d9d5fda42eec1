// Runs a LocalRunPlan for real: starts the Dynamo frontend and mocker workers
// (each in its own process group), waits until every worker is registered and
// the model answers, runs each AIPerf phase while watching the workers, and
// always stops every process group it started.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ExpectedInstances, LocalRunPlan, PlannedPhase, PlannedProcess } from "./plan";

export type LocalRunErrorKind =
    | "spawn-failed"
    | "process-exited"
    | "not-ready"
    | "benchmark-failed"
    | "benchmark-timeout"
    | "interrupted";

export class LocalRunError extends Error {
    /** Timings up to the failure; set by runLocalPlan before it rethrows. */
    timings?: RunTimings;
    constructor(
        readonly kind: LocalRunErrorKind,
        message: string,
        readonly detail: { process?: string; logFile?: string; logTail?: string; exitCode?: number | null; signal?: string | null } = {},
    ) {
        super(message);
        this.name = "LocalRunError";
    }
}

export interface RunOptions {
    /** Progress lines (the CLI sends them to stderr). */
    log?: (line: string) => void;
    /** Aborting stops everything and rejects with kind "interrupted". */
    signal?: AbortSignal;
    /** Stop on SIGINT/SIGTERM of this process (default true). */
    handleSignals?: boolean;
    /** Start a watchdog process that kills the run's groups if this process dies without cleaning up (default true). */
    reaper?: boolean;
    /** First readiness poll interval; grows to maxPollMs (defaults 250 and 1000). */
    pollMs?: number;
    maxPollMs?: number;
    /** Lines of a process log quoted in errors (default 40). */
    logTailLines?: number;
    /** Called once every process is spawned (tests use it to inject faults). */
    onStarted?: (processes: ReadonlyArray<{ name: string; role: string; pid: number }>) => void;
    /** Called when a benchmark phase's aiperf process has started. */
    onPhaseStarted?: (phase: string, pid: number) => void;
}

export interface PhaseTiming {
    name: string;
    startMs: number;
    endMs: number;
    wallMs: number;
    /** AIPerf's own measured benchmark duration (profile_export_aiperf.json benchmark_duration). */
    measuredMs?: number;
}

/** Milliseconds since the run started, unless named *At (ISO time). */
export interface RunTimings {
    startedAt: string;
    endedAt?: string;
    /** Spawning every Dynamo process. */
    processStartMs?: number;
    processes: Record<string, { spawnedMs: number; exitedMs?: number; exitCode?: number | null; signal?: string | null }>;
    /** From the last spawn until GET /health lists every expected worker. */
    registrationMs?: number;
    /** From registration until the model is listed and a one-token request succeeds. */
    readinessMs?: number;
    phases: PhaseTiming[];
    /** Wall time of all phases (aiperf start-up, dataset, warmup, profiling, export). */
    benchmarkMs?: number;
    teardownMs?: number;
    totalMs?: number;
    /** totalMs minus the measured benchmark durations. */
    overheadMs?: number;
    failure?: { kind: LocalRunErrorKind; message: string; atMs: number };
}

export interface PhaseResult {
    name: string;
    artifactDir: string;
    logFile: string;
    /** AIPerf's summary export, present on success. */
    summaryJson: string;
}

export interface LocalRunResult {
    runId: string;
    runDir: string;
    frontendUrl: string;
    phases: PhaseResult[];
    timings: RunTimings;
    timingsFile: string;
    processes: Array<{ name: string; role: string; pid: number; logFile: string }>;
}

interface Managed {
    name: string;
    role: string;
    pid: number;
    logFile: string;
    child: ChildProcess;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    done: boolean;
    /** True for the benchmark tool: its exit is awaited, not a failure. */
    expectedExit: boolean;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Last `lines` lines of a log file, without terminal colour codes. */
export function logTail(file: string, lines = 40): string {
    try {
        const fd = fs.openSync(file, "r");
        try {
            const size = fs.fstatSync(fd).size;
            const len = Math.min(size, 256 * 1024);
            const buf = Buffer.alloc(len);
            fs.readSync(fd, buf, 0, len, size - len);
            const text = buf.toString("utf8").replace(ANSI, "").replace(/\s+$/, "");
            return text.split("\n").slice(-lines).join("\n");
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return "(no log)";
    }
}

/** True while any process of the group exists. */
export function groupAlive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pgid, signal);
    } catch {
        /* already gone */
    }
}

/** Resolves after ms, or at once when `cancel` aborts. */
function sleep(ms: number, cancel?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (cancel?.aborted) return resolve();
        const done = () => {
            clearTimeout(timer);
            cancel?.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        cancel?.addEventListener("abort", done, { once: true });
    });
}

/** Watches the parent; if it dies, stops the groups listed in the file. Static code, arguments as argv. */
const REAPER_SOURCE = `
const fs = require("fs");
const [parent, groupsFile] = [Number(process.argv[1]), process.argv[2]];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const read = () => { try { return JSON.parse(fs.readFileSync(groupsFile, "utf8")); } catch { return {}; } };
const signal = (sig) => { for (const g of read().groups || []) { try { process.kill(-g, sig); } catch {} } };
let stopping = false;
setInterval(() => {
  if (stopping || alive(parent)) return;
  stopping = true;
  signal("SIGTERM");
  setTimeout(() => {
    signal("SIGKILL");
    setTimeout(() => {
      for (const d of read().tempDirs || []) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }, 500);
  }, 5000);
}, 500);
`;

/**
 * Runs the plan. Resolves with the artifact folder of each phase and the
 * timings; rejects with a LocalRunError naming the reason (and quoting the log
 * of the process at fault). Every process group it started is gone when it
 * settles, either way.
 */
export async function runLocalPlan(plan: LocalRunPlan, opts: RunOptions = {}): Promise<LocalRunResult> {
    const log = opts.log ?? (() => {});
    const tailLines = opts.logTailLines ?? 40;
    const pollMs = opts.pollMs ?? 250;
    const maxPollMs = opts.maxPollMs ?? 1000;
    const t0 = Date.now();
    const since = () => Date.now() - t0;
    const timings: RunTimings = { startedAt: new Date(t0).toISOString(), processes: {}, phases: [] };
    const timingsFile = path.join(plan.runDir, "timings.json");
    const groupsFile = path.join(plan.runDir, "process-groups.json");
    const managed: Managed[] = [];
    /** Per-phase temp folders (AIPerf's IPC sockets and dataset mmap files), removed at teardown. */
    const tempDirs: string[] = [];
    let stopping = false;
    let stage = "start-up";

    // One rejection shared by every wait: a Dynamo process exiting, or an interrupt.
    let fail!: (err: LocalRunError) => void;
    const failure = new Promise<never>((_, reject) => {
        fail = (err) => reject(err);
    });
    failure.catch(() => {});
    let failed: LocalRunError | undefined;
    const raiseFailure = (err: LocalRunError) => {
        if (failed || stopping) return;
        failed = err;
        fail(err);
    };
    const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
    // Ends the polling loops once the run stops, whatever the reason.
    const cancelWaits = new AbortController();

    for (const dir of ["logs", "phases"]) fs.mkdirSync(path.join(plan.runDir, dir), { recursive: true });
    fs.mkdirSync(plan.discoveryDir, { recursive: true });
    fs.writeFileSync(path.join(plan.runDir, "plan.json"), JSON.stringify(redactPlan(plan), null, 2) + "\n");

    const writeGroups = () => {
        const groups = managed.filter((m) => !m.done || groupAlive(m.pid)).map((m) => m.pid);
        fs.writeFileSync(groupsFile, JSON.stringify({ parent: process.pid, groups, tempDirs }) + "\n");
    };

    let reaper: ChildProcess | undefined;
    if (opts.reaper !== false) {
        writeGroups();
        reaper = spawn(process.execPath, ["-e", REAPER_SOURCE, String(process.pid), groupsFile], { detached: true, stdio: "ignore" });
        reaper.unref();
    }

    // Interrupts of this process: stop the run, then let the caller decide the exit code.
    const onSignal = (sig: NodeJS.Signals) => {
        log(`received ${sig}; stopping the run`);
        raiseFailure(new LocalRunError("interrupted", `run interrupted by ${sig} during ${stage}`, { signal: sig }));
    };
    const onAbort = () => raiseFailure(new LocalRunError("interrupted", `run aborted during ${stage}`));
    // Last resort if the event loop is torn down without teardown (process.exit elsewhere).
    const onExit = () => {
        for (const m of managed) killGroup(m.pid, "SIGKILL");
    };
    if (opts.handleSignals !== false) {
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
    }
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    process.on("exit", onExit);

    const start = (name: string, role: string, argv: string[], env: Record<string, string>, logFile: string, expectedExit: boolean): Managed => {
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        const fd = fs.openSync(logFile, "a");
        let child: ChildProcess;
        try {
            child = spawn(argv[0]!, argv.slice(1), { detached: true, env, stdio: ["ignore", fd, fd] });
            child.on("error", () => {}); // ENOENT and the like: handled through the missing pid below, or 'exit'
        } finally {
            fs.closeSync(fd);
        }
        if (child.pid === undefined) {
            // spawn reports ENOENT/EACCES asynchronously; the pid is missing right away.
            throw new LocalRunError("spawn-failed", `could not start ${name}: ${argv[0]} is missing or not executable (is the venv set up? run scripts/setup-python.sh)`, {
                process: name,
                logFile,
            });
        }
        const m: Managed = {
            name,
            role,
            pid: child.pid,
            logFile,
            child,
            done: false,
            expectedExit,
            exited: new Promise((resolve) => {
                child.once("exit", (code, signal) => resolve({ code, signal }));
            }),
        };
        managed.push(m);
        timings.processes[name] = { spawnedMs: since() };
        void m.exited.then(({ code, signal }) => {
            m.done = true;
            Object.assign(timings.processes[name]!, { exitedMs: since(), exitCode: code, signal });
            if (expectedExit || stopping) return;
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            raiseFailure(
                new LocalRunError(
                    "process-exited",
                    `${name} (pid ${m.pid}) ${how} during ${stage}; last ${tailLines} lines of ${logFile}:\n${logTail(logFile, tailLines)}`,
                    { process: name, logFile, logTail: logTail(logFile, tailLines), exitCode: code, signal },
                ),
            );
        });
        if (reaper) writeGroups();
        return m;
    };

    const phases: PhaseResult[] = [];
    try {
        // --- processes -----------------------------------------------------
        stage = "process start";
        if (failed) throw failed;
        for (const p of plan.processes) {
            const m = start(p.name, p.role, p.argv, p.env, p.logFile, false);
            log(`started ${p.name} (pid ${m.pid}), log ${p.logFile}`);
        }
        timings.processStartMs = since();
        opts.onStarted?.(managed.map((m) => ({ name: m.name, role: m.role, pid: m.pid })));
        if (failed) throw failed;

        // --- registration and readiness -------------------------------------
        const readyDeadline = t0 + plan.timeouts.readySeconds * 1000;
        stage = "registration";
        await race(waitRegistered(plan, readyDeadline, pollMs, maxPollMs, log, cancelWaits.signal));
        timings.registrationMs = since() - timings.processStartMs;
        log(`all workers registered after ${(since() / 1000).toFixed(1)}s`);
        stage = "readiness";
        const regAt = since();
        await race(waitServing(plan, readyDeadline, pollMs, maxPollMs, cancelWaits.signal));
        timings.readinessMs = since() - regAt;
        log(`model "${plan.servedModelName}" served at ${plan.frontendUrl} after ${(since() / 1000).toFixed(1)}s`);

        // --- benchmark phases ----------------------------------------------
        const benchStart = since();
        const benchDeadline = Date.now() + plan.timeouts.benchmarkSeconds * 1000;
        for (const phase of plan.benchmarkPhases) {
            stage = `benchmark phase "${phase.name}"`;
            phases.push(await runPhase(phase, benchDeadline));
        }
        timings.benchmarkMs = since() - benchStart;
        stage = "teardown";
    } catch (err) {
        let e =
            err instanceof LocalRunError
                ? err
                : new LocalRunError("not-ready", `local run failed during ${stage}: ${(err as Error).message ?? String(err)}`);
        if (e.kind === "not-ready") {
            // Which process is stuck is not known: quote the end of every Dynamo log.
            const tails = plan.processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${logTail(p.logFile, Math.ceil(tailLines / 2))}`);
            e = new LocalRunError(e.kind, `${e.message}\n${tails.join("\n")}`, e.detail);
        }
        timings.failure = { kind: e.kind, message: e.message.split("\n")[0]!, atMs: since() };
        await teardown();
        e.timings = timings;
        throw e;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        opts.signal?.removeEventListener("abort", onAbort);
    }
    await teardown();
    return {
        runId: plan.runId,
        runDir: plan.runDir,
        frontendUrl: plan.frontendUrl,
        phases,
        timings,
        timingsFile,
        processes: managed.filter((m) => !m.expectedExit).map((m) => ({ name: m.name, role: m.role, pid: m.pid, logFile: m.logFile })),
    };

    async function runPhase(phase: PlannedPhase, deadline: number): Promise<PhaseResult> {
        fs.mkdirSync(phase.artifactDir, { recursive: true });
        const startMs = since();
        log(`benchmark phase "${phase.name}": ${phase.argv.slice(1).join(" ")}`);
        // AIPerf puts its IPC sockets and dataset files under the temp folder and does
        // not remove them; a short private folder keeps socket paths valid and is deleted.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), aiperfTempPrefix(plan.runId)));
        tempDirs.push(tmp);
        const env = { ...phase.env, TMPDIR: tmp, TEMP: tmp, TMP: tmp };
        const m = start(`aiperf-${phase.name}`, "benchmark", phase.argv, env, phase.logFile, true);
        opts.onPhaseStarted?.(phase.name, m.pid);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () => reject(new LocalRunError("benchmark-timeout", `benchmark phase "${phase.name}" did not finish within timeouts.benchmarkSeconds (${plan.timeouts.benchmarkSeconds}s for all phases); last ${tailLines} lines of ${phase.logFile}:\n${logTail(phase.logFile, tailLines)}`, { process: m.name, logFile: phase.logFile })),
                Math.max(0, deadline - Date.now()),
            );
        });
        let exit: { code: number | null; signal: NodeJS.Signals | null };
        try {
            exit = await race(Promise.race([m.exited, timeout]));
        } finally {
            clearTimeout(timer);
        }
        const endMs = since();
        const summaryJson = path.join(phase.artifactDir, "profile_export_aiperf.json");
        if (exit.code !== 0 || !fs.existsSync(summaryJson)) {
            const tail = logTail(phase.logFile, tailLines);
            const how = exit.code !== 0 ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : `exited 0 but wrote no ${summaryJson}`;
            throw new LocalRunError("benchmark-failed", `benchmark phase "${phase.name}": aiperf ${how}; last ${tailLines} lines of ${phase.logFile}:\n${tail}`, {
                process: m.name,
                logFile: phase.logFile,
                logTail: tail,
                exitCode: exit.code,
                signal: exit.signal,
            });
        }
        removeTempDirs();
        const measuredMs = readMeasuredDurationMs(summaryJson);
        timings.phases.push({ name: phase.name, startMs, endMs, wallMs: endMs - startMs, ...(measuredMs !== undefined ? { measuredMs } : {}) });
        log(`benchmark phase "${phase.name}" done in ${((endMs - startMs) / 1000).toFixed(1)}s (measured ${measuredMs !== undefined ? (measuredMs / 1000).toFixed(2) + "s" : "n/a"}), artifacts ${phase.artifactDir}`);
        return { name: phase.name, artifactDir: phase.artifactDir, logFile: phase.logFile, summaryJson };
    }

    function removeTempDirs(): void {
        for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    }

    async function teardown(): Promise<void> {
        if (stopping) return;
        stopping = true;
        cancelWaits.abort();
        const tdStart = since();
        const graceMs = plan.timeouts.teardownGraceSeconds * 1000;
        // SIGTERM every group (leader and any children), wait for the leaders, then SIGKILL what is left.
        for (const m of managed) if (!m.done || groupAlive(m.pid)) killGroup(m.pid, "SIGTERM");
        const deadline = Date.now() + graceMs;
        while (Date.now() < deadline && managed.some((m) => !m.done || groupAlive(m.pid))) await sleep(50);
        const stubborn = managed.filter((m) => !m.done || groupAlive(m.pid));
        if (stubborn.length > 0) {
            log(`SIGKILL after ${graceMs / 1000}s grace: ${stubborn.map((m) => m.name).join(", ")}`);
            for (const m of stubborn) killGroup(m.pid, "SIGKILL");
            const killDeadline = Date.now() + 5000;
            while (Date.now() < killDeadline && managed.some((m) => !m.done || groupAlive(m.pid))) await sleep(50);
        }
        const left = managed.filter((m) => !m.done || groupAlive(m.pid));
        if (left.length === 0) removeTempDirs();
        if (left.length > 0) log(`WARNING: process groups still present after SIGKILL: ${left.map((m) => `${m.name} (pgid ${m.pid})`).join(", ")}`);
        timings.teardownMs = since() - tdStart;
        timings.endedAt = new Date().toISOString();
        timings.totalMs = since();
        timings.benchmarkMs ??= timings.phases.reduce((s, p) => s + p.wallMs, 0) || undefined;
        const measured = timings.phases.reduce((s, p) => s + (p.measuredMs ?? 0), 0);
        timings.overheadMs = timings.totalMs - measured;
        process.off("exit", onExit);
        if (reaper?.pid !== undefined) {
            const reaperExited = new Promise<void>((resolve) => (reaper!.exitCode !== null || reaper!.signalCode !== null ? resolve() : reaper!.once("exit", () => resolve())));
            try {
                process.kill(reaper.pid, "SIGKILL");
            } catch {
                /* gone */
            }
            await Promise.race([reaperExited, sleep(2000)]);
        }
        try {
            writeGroups();
            fs.writeFileSync(timingsFile, JSON.stringify(timings, null, 2) + "\n");
        } catch (err) {
            log(`WARNING: could not write ${timingsFile}: ${(err as Error).message}`);
        }
        log(`stopped all processes in ${(timings.teardownMs / 1000).toFixed(1)}s`);
    }
}

/**
 * Name prefix of a run's AIPerf temp folders: short (Unix socket paths inside
 * it must stay under 108 bytes) and specific to the run.
 */
export function aiperfTempPrefix(runId: string): string {
    return `dbench-aiperf-${createHash("sha256").update(runId).digest("hex").slice(0, 8)}-`;
}

/** benchmark_duration from an AIPerf summary JSON, in ms. */
export function readMeasuredDurationMs(summaryJson: string): number | undefined {
    try {
        const data = JSON.parse(fs.readFileSync(summaryJson, "utf8")) as { benchmark_duration?: { avg?: unknown; unit?: unknown } };
        const d = data.benchmark_duration;
        if (!d || typeof d.avg !== "number") return undefined;
        const factor = d.unit === "ms" ? 1 : d.unit === "ns" ? 1e-6 : 1000;
        return d.avg * factor;
    } catch {
        return undefined;
    }
}

async function getJson(url: string, timeoutMs = 2000): Promise<unknown> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return res.json();
}

interface HealthInstance {
    namespace?: string;
    component?: string;
    endpoint?: string;
}

/** Counts, per expected worker set, the instances the frontend's GET /health lists. */
export function countRegistered(health: unknown, namespace: string, expected: ExpectedInstances[]): number[] {
    const instances = (health as { instances?: HealthInstance[] } | undefined)?.instances ?? [];
    return expected.map((e) => instances.filter((i) => i.namespace === namespace && i.component === e.component && i.endpoint === e.endpoint).length);
}

async function waitRegistered(plan: LocalRunPlan, deadline: number, pollMs: number, maxPollMs: number, log: (l: string) => void, cancel: AbortSignal): Promise<void> {
    let delay = pollMs;
    let last = "the frontend did not answer GET /health yet";
    let lastLogged = "";
    while (Date.now() < deadline && !cancel.aborted) {
        try {
            const counts = countRegistered(await getJson(`${plan.frontendUrl}/health`), plan.namespace, plan.readiness.expected);
            last = plan.readiness.expected.map((e, i) => `${e.role} ${counts[i]}/${e.count}`).join(", ");
            if (plan.readiness.expected.every((e, i) => counts[i]! >= e.count)) return;
            if (last !== lastLogged) log(`registered: ${last}`);
            lastLogged = last;
        } catch (err) {
            last = `GET /health failed: ${(err as Error).message}`;
        }
        await sleep(delay, cancel);
        delay = Math.min(maxPollMs, Math.round(delay * 1.5));
    }
    throw new LocalRunError("not-ready", `workers not registered with the frontend within timeouts.readySeconds (${plan.timeouts.readySeconds}s): ${last}; logs in ${path.join(plan.runDir, "logs")}`);
}

async function waitServing(plan: LocalRunPlan, deadline: number, pollMs: number, maxPollMs: number, cancel: AbortSignal): Promise<void> {
    let delay = pollMs;
    let last = "";
    while (Date.now() < deadline && !cancel.aborted) {
        try {
            const models = (await getJson(`${plan.frontendUrl}/v1/models`)) as { data?: Array<{ id?: string }> };
            if (!(models.data ?? []).some((m) => m.id === plan.servedModelName)) {
                last = `GET /v1/models does not list "${plan.servedModelName}" yet`;
            } else {
                const res = await fetch(`${plan.frontendUrl}${plan.readiness.probe.path}`, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(plan.readiness.probe.body),
                    signal: AbortSignal.timeout(10_000),
                });
                const text = await res.text();
                if (res.ok && text.includes('"choices"')) return;
                last = `probe request ${plan.readiness.probe.path} answered HTTP ${res.status}: ${text.slice(0, 300)}`;
            }
        } catch (err) {
            last = (err as Error).message;
        }
        await sleep(delay, cancel);
        delay = Math.min(maxPollMs, Math.round(delay * 1.5));
    }
    throw new LocalRunError("not-ready", `model not served within timeouts.readySeconds (${plan.timeouts.readySeconds}s): ${last}`);
}

/** plan.json: argv and the names of planned variables, never environment values (they may hold tokens). */
function redactPlan(plan: LocalRunPlan): unknown {
    const proc = (p: PlannedProcess) => ({ name: p.name, role: p.role, argv: p.argv, env: p.plannedEnvKeys, logFile: p.logFile });
    return {
        ...plan,
        processes: plan.processes.map(proc),
        benchmarkPhases: plan.benchmarkPhases.map((p) => ({ name: p.name, argv: p.argv, artifactDir: p.artifactDir, logFile: p.logFile })),
    };
}

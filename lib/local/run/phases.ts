// One benchmark phase: AIPerf started against the frontend, awaited within the
// benchmark deadline (while the Dynamo processes are watched), judged by its
// exit code and its summary export, and timed.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlannedPhase } from "../plan";
import type { RunContext } from "./context";
import { LocalRunError } from "./error";
import { logTail } from "./log-tail";
import type { ClientRun } from "./client-runs";
import { finishCombined } from "./combined-run";
import { startProcess } from "./spawn";
import { watchStall } from "./stall-watch";
import type { PhaseResult } from "./types";

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

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

/** An AIPerf process started for a client run, not yet awaited. */
export interface StartedClient {
    processName: string;
    exited: Promise<Exit>;
    startMs: number;
}

/**
 * Starts the AIPerf process of a client run (one phase, or several from its
 * config file: client-runs.ts). It may start before the deployment is ready
 * when its URL is a gate's (gate.ts).
 */
export function startClient(ctx: RunContext, run: ClientRun): StartedClient {
    const { plan, log } = ctx;
    fs.mkdirSync(run.artifactDir, { recursive: true });
    if (run.config) fs.writeFileSync(run.config.file, run.config.text);
    const startMs = ctx.since();
    const names = run.phases.map((p) => `"${p.name}"`).join(", ");
    log(`benchmark phase${run.phases.length > 1 ? `s ${names} in one aiperf run "${run.name}"` : ` ${names}`}: ${run.argv.slice(1).join(" ")}`);
    // AIPerf puts its IPC sockets and dataset files under the temp folder and does
    // not remove them; a short private folder keeps socket paths valid and is deleted.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), aiperfTempPrefix(plan.runId)));
    ctx.tempDirs.push(tmp);
    const env = { ...run.env, TMPDIR: tmp, TEMP: tmp, TMP: tmp };
    const m = startProcess(ctx, { name: `aiperf-${run.name}`, role: "benchmark", argv: run.argv, env, logFile: run.logFile, expectedExit: true });
    ctx.opts.onPhaseStarted?.(run.name, m.pid);
    return { processName: m.name, exited: m.exited, startMs };
}

/** Awaits a client run within the benchmark deadline and returns its phases' results. */
export async function finishClient(ctx: RunContext, run: ClientRun, started: StartedClient, deadline: number): Promise<PhaseResult[]> {
    if (run.config) return finishCombined(ctx, run, started, deadline);
    const phase = run.phases[0]!;
    const { log } = ctx;
    const { processName, startMs } = started;
    const exit = await awaitExit(ctx, phase, processName, started.exited, deadline);
    const endMs = ctx.since();
    const summaryJson = path.join(phase.artifactDir, "profile_export_aiperf.json");
    if (exit.code !== 0 || !fs.existsSync(summaryJson)) throw phaseFailed(ctx, phase, processName, exit, summaryJson);
    ctx.removeTempDirs();
    const measuredMs = readMeasuredDurationMs(summaryJson);
    ctx.timings.phases.push({ name: phase.name, startMs, endMs, wallMs: endMs - startMs, ...(measuredMs !== undefined ? { measuredMs } : {}) });
    const measured = measuredMs !== undefined ? (measuredMs / 1000).toFixed(2) + "s" : "n/a";
    log(`benchmark phase "${phase.name}" done in ${((endMs - startMs) / 1000).toFixed(1)}s (measured ${measured}), artifacts ${phase.artifactDir}`);
    return [{ name: phase.name, artifactDir: phase.artifactDir, logFile: phase.logFile, summaryJson }];
}

/** AIPerf's exit, unless the benchmark deadline passes or the run fails first. */
export async function awaitExit(
    ctx: RunContext,
    phase: Pick<PlannedPhase, "name" | "logFile">,
    processName: string,
    exited: Promise<Exit>,
    deadline: number,
): Promise<Exit> {
    const n = ctx.tailLines;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () =>
                reject(
                    new LocalRunError(
                        "benchmark-timeout",
                        `benchmark phase "${phase.name}" did not finish within timeouts.benchmarkSeconds (${ctx.plan.timeouts.benchmarkSeconds}s for all phases); last ${n} lines of ${phase.logFile}:\n${logTail(phase.logFile, n)}`,
                        { process: processName, logFile: phase.logFile },
                    ),
                ),
            Math.max(0, deadline - Date.now()),
        );
    });
    // A phase that stops completing requests fails long before the deadline (stall-watch.ts).
    const watch = watchStall(ctx, phase.name);
    try {
        return await ctx.race(Promise.race([exited, timeout, watch.stalled]));
    } finally {
        clearTimeout(timer);
        watch.stop();
    }
}

export function phaseFailed(
    ctx: RunContext,
    phase: Pick<PlannedPhase, "name" | "logFile">,
    processName: string,
    exit: Exit,
    summaryJson: string,
): LocalRunError {
    const n = ctx.tailLines;
    const tail = logTail(phase.logFile, n);
    const how = exit.code !== 0 ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : `exited 0 but wrote no ${summaryJson}`;
    return new LocalRunError("benchmark-failed", `benchmark phase "${phase.name}": aiperf ${how}; last ${n} lines of ${phase.logFile}:\n${tail}`, {
        process: processName,
        logFile: phase.logFile,
        logTail: tail,
        exitCode: exit.code,
        signal: exit.signal,
    });
}

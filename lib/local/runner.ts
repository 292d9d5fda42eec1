// Runs a LocalRunPlan for real: starts the Dynamo frontend and mocker workers
// (each in its own process group), waits until every worker is registered and
// the model answers, runs each AIPerf phase while watching the workers, and
// always stops every process group it started. The parts live in run/.
import type { LocalRunPlan } from "./plan";
import { RunContext } from "./run/context";
import { LocalRunError } from "./run/error";
import { watchInterrupts } from "./run/interrupts";
import { diskFullError, isNoSpace, watchDisk } from "./run/disk-watch";
import { logTail } from "./run/log-tail";
import { mayStartEarly, planClientRuns, withUrl, type ClientRun } from "./run/client-runs";
import { openGate, type Gate } from "./run/gate";
import { runBetweenPhases } from "./run/between-phases";
import { finishClient, startClient, type StartedClient } from "./run/phases";
import { waitRegistered, waitServing } from "./run/readiness";
import { startReaper } from "./run/reaper";
import { prepareRunDir } from "./run/run-dir";
import { startProcess } from "./run/spawn";
import { runSetup } from "./run/setup";
import { teardown } from "./run/teardown";
import type { LocalRunResult, PhaseResult, RunOptions } from "./run/types";

export { LocalRunError, type LocalRunErrorKind } from "./run/error";
export { groupAlive } from "./run/groups";
export { logTail } from "./run/log-tail";
export { aiperfTempPrefix, readMeasuredDurationMs } from "./run/phases";
export { countRegistered } from "./run/readiness";
export type { LocalRunResult, PhaseResult, PhaseTiming, RunOptions, RunTimings } from "./run/types";

/**
 * Runs the plan. Resolves with the artifact folder of each phase and the
 * timings; rejects with a LocalRunError naming the reason (and quoting the log
 * of the process at fault). Every process group it started is gone when it
 * settles, either way.
 */
export async function runLocalPlan(plan: LocalRunPlan, opts: RunOptions = {}): Promise<LocalRunResult> {
    const ctx = new RunContext(plan, opts);
    try {
        prepareRunDir(plan);
        if (opts.reaper !== false) ctx.writeGroups();
    } catch (err) {
        // Nothing runs yet; a full disk is named as such (fs names neither the folder nor the cause).
        throw isNoSpace(err) ? diskFullError(plan.runDir, "start-up", (err as Error).message) : err;
    }
    if (opts.reaper !== false) ctx.reaper = startReaper(ctx.groupsFile);
    const releaseInterrupts = watchInterrupts(ctx);
    const stopDiskWatch = watchDisk(ctx);
    let phases: PhaseResult[];
    try {
        phases = await runStages(ctx);
        ctx.stage = "teardown";
    } catch (err) {
        const e = asRunError(ctx, err);
        ctx.timings.failure = { kind: e.kind, message: e.message.split("\n")[0]!, atMs: ctx.since() };
        await teardown(ctx);
        e.timings = ctx.timings;
        throw e;
    } finally {
        releaseInterrupts();
        stopDiskWatch();
    }
    await teardown(ctx);
    return {
        runId: plan.runId,
        runDir: plan.runDir,
        frontendUrl: plan.frontendUrl,
        phases,
        timings: ctx.timings,
        timingsFile: ctx.timingsFile,
        processes: ctx.managed.filter((m) => !m.expectedExit).map((m) => ({ name: m.name, role: m.role, pid: m.pid, logFile: m.logFile })),
    };
}

/** Processes, registration, readiness, then each benchmark phase in turn. */
async function runStages(ctx: RunContext): Promise<PhaseResult[]> {
    const { plan, log } = ctx;
    await runSetup(ctx);
    ctx.stage = "process start";
    ctx.opts.onStage?.("deploying");
    if (ctx.failed) throw ctx.failed;
    for (const p of plan.processes) {
        const m = startProcess(ctx, { name: p.name, role: p.role, argv: p.argv, env: p.env, logFile: p.logFile, expectedExit: false });
        log(`started ${p.name} (pid ${m.pid}), log ${p.logFile}`);
    }
    const processStartMs = ctx.since();
    ctx.timings.processStartMs = processStartMs;
    ctx.opts.onStarted?.(ctx.managed.map((m) => ({ name: m.name, role: m.role, pid: m.pid })));
    if (ctx.failed) throw ctx.failed;

    // Steps between phases need the phases apart: one AIPerf process each.
    const runs = planClientRuns(plan.benchmarkPhases, plan.runDir, (ctx.opts.combinePhases ?? false) && !plan.betweenPhases);
    // The first client run may start now, behind a gate, and do its own start-up
    // while the workers start; the gate opens once the readiness checks pass.
    const early = ctx.opts.startClientEarly && runs[0] && mayStartEarly(runs[0]) ? await startBehindGate(ctx, runs[0]) : undefined;
    try {
        return await readyThenBenchmark(ctx, runs, processStartMs, early);
    } finally {
        await early?.gate.close();
    }
}

async function startBehindGate(ctx: RunContext, run: ClientRun): Promise<{ gate: Gate; run: ClientRun; started: StartedClient }> {
    const frontend = new URL(ctx.plan.frontendUrl);
    const gate = await openGate({ host: frontend.hostname, port: Number(frontend.port) });
    const gated = withUrl(run, gate.url);
    ctx.log(`client "${run.name}" starts now against the gate ${gate.url}, released once the deployment is ready`);
    return { gate, run: gated, started: startClient(ctx, gated) };
}

async function readyThenBenchmark(
    ctx: RunContext,
    runs: ClientRun[],
    processStartMs: number,
    early: { gate: Gate; run: ClientRun; started: StartedClient } | undefined,
): Promise<PhaseResult[]> {
    const { plan, log } = ctx;

    const readyDeadline = ctx.t0 + plan.timeouts.readySeconds * 1000;
    const polling = { pollMs: ctx.pollMs, maxPollMs: ctx.maxPollMs, cancel: ctx.cancelWaits.signal };
    ctx.stage = "registration";
    await ctx.race(waitRegistered(plan, readyDeadline, polling, log));
    ctx.timings.registrationMs = ctx.since() - processStartMs;
    log(`all workers registered after ${(ctx.since() / 1000).toFixed(1)}s`);
    ctx.stage = "readiness";
    const regAt = ctx.since();
    await ctx.race(waitServing(plan, readyDeadline, polling));
    ctx.timings.readinessMs = ctx.since() - regAt;
    log(`model "${plan.servedModelName}" served at ${plan.frontendUrl} after ${(ctx.since() / 1000).toFixed(1)}s`);
    ctx.opts.onStage?.("ready");

    const benchStart = ctx.since();
    if (early) {
        early.gate.release();
        ctx.timings.gateReleasedMs = ctx.since();
        log(`gate released (${early.gate.held()} client connection(s) were held)`);
    }
    const benchDeadline = Date.now() + plan.timeouts.benchmarkSeconds * 1000;
    const phases: PhaseResult[] = [];
    for (const [i, planned] of runs.entries()) {
        const run = i === 0 && early ? early.run : planned;
        ctx.stage = `benchmark phase "${run.name}"`;
        ctx.opts.onStage?.(loadStage(runs, i));
        const started = i === 0 && early ? early.started : startClient(ctx, run);
        phases.push(...(await finishClient(ctx, run, started, benchDeadline)));
        const next = runs[i + 1];
        if (plan.betweenPhases && next) await runBetweenPhases(ctx, plan.betweenPhases, run.name, next.name, benchDeadline);
    }
    ctx.timings.benchmarkMs = ctx.since() - benchStart;
    return phases;
}

/** "load k/L <phase>" for client run i: its phases' positions among all the phases, and their names. */
export function loadStage(runs: readonly Pick<ClientRun, "phases">[], i: number): string {
    const before = runs.slice(0, i).reduce((n, r) => n + r.phases.length, 0);
    const total = runs.reduce((n, r) => n + r.phases.length, 0);
    const count = runs[i]!.phases.length;
    const position = count > 1 ? `${before + 1}-${before + count}` : `${before + 1}`;
    return `load ${position}/${total} ${runs[i]!.phases.map((p) => p.name).join("+")}`;
}

/** Any failure as a LocalRunError; a run that never got ready quotes the end of every Dynamo log. */
function asRunError(ctx: RunContext, err: unknown): LocalRunError {
    if (isNoSpace(err)) return diskFullError(ctx.plan.runDir, ctx.stage, (err as Error).message);
    const e =
        err instanceof LocalRunError ? err : new LocalRunError("not-ready", `local run failed during ${ctx.stage}: ${(err as Error).message ?? String(err)}`);
    if (e.kind !== "not-ready") return e;
    // Which process is stuck is not known.
    const tails = ctx.plan.processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${logTail(p.logFile, Math.ceil(ctx.tailLines / 2))}`);
    return new LocalRunError(e.kind, `${e.message}\n${tails.join("\n")}`, e.detail);
}

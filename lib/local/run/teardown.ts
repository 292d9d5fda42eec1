// Stopping the run: SIGTERM (and SIGCONT) to every process group, a grace period, SIGKILL
// for what is left; then the temp folders, the watchdog and the final timings.
// Runs once, on success and on every failure.
import * as fs from "node:fs";
import type { RunContext } from "./context";
import { killGroup, sleep } from "./groups";
import { stopReaper } from "./reaper";

/** How long SIGKILLed groups get to disappear. */
const KILL_WAIT_MS = 5000;

export async function teardown(ctx: RunContext): Promise<void> {
    if (ctx.stopping) return;
    ctx.stopping = true;
    ctx.cancelWaits.abort();
    const tdStart = ctx.since();
    await stopGroups(ctx);
    finishTimings(ctx, tdStart);
    if (ctx.exitHook) process.off("exit", ctx.exitHook);
    if (ctx.reaper) await stopReaper(ctx.reaper);
    try {
        ctx.writeGroups();
        fs.writeFileSync(ctx.timingsFile, JSON.stringify(ctx.timings, null, 2) + "\n");
    } catch (err) {
        ctx.log(`WARNING: could not write ${ctx.timingsFile}: ${(err as Error).message}`);
    }
    ctx.log(`stopped all processes in ${(ctx.timings.teardownMs! / 1000).toFixed(1)}s`);
}

/** SIGTERM every group (leader and any children), wait for the leaders, then SIGKILL what is left. */
async function stopGroups(ctx: RunContext): Promise<void> {
    const graceMs = ctx.plan.timeouts.teardownGraceSeconds * 1000;
    for (const m of ctx.alive()) {
        killGroup(m.pid, "SIGTERM");
        // A stopped process (SIGSTOP, a hung worker) keeps SIGTERM pending until it runs again.
        killGroup(m.pid, "SIGCONT");
    }
    await waitGone(ctx, Date.now() + graceMs);
    const stubborn = ctx.alive();
    if (stubborn.length > 0) {
        ctx.log(`SIGKILL after ${graceMs / 1000}s grace: ${stubborn.map((m) => m.name).join(", ")}`);
        for (const m of stubborn) killGroup(m.pid, "SIGKILL");
        await waitGone(ctx, Date.now() + KILL_WAIT_MS);
    }
    const left = ctx.alive();
    if (left.length === 0) ctx.removeTempDirs();
    if (left.length > 0) ctx.log(`WARNING: process groups still present after SIGKILL: ${left.map((m) => `${m.name} (pgid ${m.pid})`).join(", ")}`);
}

async function waitGone(ctx: RunContext, deadline: number): Promise<void> {
    while (Date.now() < deadline && ctx.alive().length > 0) await sleep(50);
}

function finishTimings(ctx: RunContext, tdStart: number): void {
    const t = ctx.timings;
    t.teardownMs = ctx.since() - tdStart;
    t.endedAt = new Date().toISOString();
    t.totalMs = ctx.since();
    t.benchmarkMs ??= t.phases.reduce((s, p) => s + p.wallMs, 0) || undefined;
    const measured = t.phases.reduce((s, p) => s + (p.measuredMs ?? 0), 0);
    t.overheadMs = t.totalMs - measured;
}

// The stall watchdog of a local run: while a client run is active it reads
// the frontend's completed-request counter (lib/watchdog, lib/dynamo
// progress-metrics) and, once requests have been in flight with none
// completed for timeouts.stallSeconds, fails the run with kind "stalled":
// the phase, how long, the last progress seen, each Dynamo process's state
// from /proc (a stopped worker is named in the first line) and its log tail.
// The runner then stops the client and every process (teardown.ts).
import * as fs from "node:fs";
import type { RunContext } from "./context";
import { LocalRunError } from "./error";
import { sleep } from "./groups";
import { logTail } from "./log-tail";
import { groupStates, isStopped, stateName } from "./proc-state";
import { describeStall, parseProgress, scrapeIntervalMs, StallClock } from "../../watchdog/stall";

/** Rejects with a "stalled" LocalRunError once the phase stalls; `stop` ends the watch. */
export function watchStall(ctx: RunContext, phase: string): { stalled: Promise<never>; stop: () => void } {
    const { stall } = ctx.plan;
    const stopped = new AbortController();
    const clock = new StallClock(stall.seconds * 1000, Date.now());
    const interval = scrapeIntervalMs(stall.seconds);
    const stalled = (async (): Promise<never> => {
        for (;;) {
            await sleep(interval, stopped.signal);
            if (stopped.signal.aborted || ctx.cancelWaits.signal.aborted) return new Promise<never>(() => {});
            const { sample, error } = await scrape(stall.metricsUrl, interval, stall.metrics);
            if (stopped.signal.aborted) return new Promise<never>(() => {});
            if (clock.observe(Date.now(), sample, error)) throw stallError(ctx, phase, clock);
        }
    })();
    stalled.catch(() => {});
    return { stalled, stop: () => stopped.abort() };
}

async function scrape(url: string, timeoutMs: number, metrics: Parameters<typeof parseProgress>[1]) {
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1000, timeoutMs)) });
        if (!res.ok) return { error: `HTTP ${res.status}` };
        const sample = parseProgress(await res.text(), metrics);
        return sample ? { sample } : { error: `no ${metrics.completed} in ${url}` };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/**
 * How long ago the log was last written: a worker that hangs while sleeping
 * (a deadlock, a lost connection) shows no state of its own, but stops logging.
 */
function lastWritten(logFile: string, now: number): string {
    try {
        return `log last written ${((now - fs.statSync(logFile).mtimeMs) / 1000).toFixed(0)}s ago`;
    } catch {
        return "no log";
    }
}

function stallError(ctx: RunContext, phase: string, clock: StallClock): LocalRunError {
    const now = Date.now();
    const { stall } = ctx.plan;
    const head = describeStall(phase, stall.seconds, stall.metrics, clock.verdict(now), now);
    const dynamo = ctx.managed.filter((m) => !m.expectedExit);
    const lines: string[] = [];
    const stopped: typeof dynamo = [];
    for (const m of dynamo) {
        const states = groupStates(m.pid);
        if (states.some((s) => isStopped(s.state))) stopped.push(m);
        const shown = states.length > 0 ? states.map((s) => `${s.pid} ${s.command} ${stateName(s.state)}`).join(", ") : "gone";
        lines.push(`  ${m.name} (pid ${m.pid}): ${shown}; ${lastWritten(m.logFile, now)}`);
    }
    const named =
        stopped.length > 0
            ? `; stopped process: ${stopped.map((m) => `${m.name} (pid ${m.pid})`).join(", ")}`
            : "; no process is stopped (see the states and logs below)";
    const n = Math.ceil(ctx.tailLines / 2);
    const tails = dynamo.map((m) => `--- last ${n} lines of ${m.name} (${m.logFile}) ---\n${logTail(m.logFile, n)}`);
    return new LocalRunError(
        "stalled",
        `${head}${named}\nprocess states (/proc):\n${lines.join("\n")}\n${tails.join("\n")}`,
        stopped[0] ? { process: stopped[0].name, logFile: stopped[0].logFile } : {},
    );
}

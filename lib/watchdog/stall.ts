// The stall watchdog's logic in TypeScript (the node scripts have the same in
// scripts/stall-watch.sh; keep both in step): the progress read from the
// frontend's Prometheus text, and the clock that decides a phase has stalled.
//
// The clock runs only while requests are in flight (started minus completed
// above zero) and restarts at every completed request. So the time before a
// phase's first request (client start-up, tokenizer download, dataset
// generation) and after its last (export) never counts, however long. A
// scrape that fails (the frontend itself hung or gone) leaves the clock
// running: no answer is no progress.
import type { ProgressMetrics } from "../dynamo/progress-metrics";

/** Scrape interval: often enough to report within a few seconds of the bound, rarely enough to cost nothing. */
export function scrapeIntervalMs(stallSeconds: number): number {
    return Math.min(2000, Math.max(200, (stallSeconds * 1000) / 10));
}

/** The same in whole seconds, for the node scripts (bash counts whole seconds). */
export function scrapeIntervalSeconds(stallSeconds: number): number {
    return Math.max(1, Math.round(scrapeIntervalMs(stallSeconds) / 1000));
}

export interface ProgressSample {
    completed: number;
    started: number;
}

/**
 * The sums of the completed and started counters over every label set, from
 * Prometheus text exposition; undefined when the completed counter is absent.
 */
export function parseProgress(text: string, metrics: Pick<ProgressMetrics, "completed" | "started">): ProgressSample | undefined {
    let completed: number | undefined;
    let started = 0;
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0];
        if (name !== metrics.completed && name !== metrics.started) continue;
        // After the name: an optional {labels} (values may hold spaces and braces), then the value and an optional timestamp.
        let rest = line.slice(name.length);
        if (rest.startsWith("{")) rest = rest.slice(rest.lastIndexOf("}") + 1);
        const value = Number(rest.trim().split(/\s+/)[0]);
        if (!Number.isFinite(value)) continue;
        if (name === metrics.completed) completed = (completed ?? 0) + value;
        else started += value;
    }
    return completed === undefined ? undefined : { completed, started };
}

export interface StallVerdict {
    /** Milliseconds with requests in flight and none completed. */
    withoutProgressMs: number;
    /** The completed count at the last change seen (or at the phase's first scrape), and when. */
    lastCompleted: number | undefined;
    lastProgressAt: number | undefined;
    /** True when the count changed during the phase (not only its first reading). */
    progressedInPhase: boolean;
    inFlight: number | undefined;
    /** Why the last scrape gave no sample, if it did not. */
    scrapeError: string | undefined;
}

/** The clock of one phase. Times are epoch milliseconds. */
export class StallClock {
    private clockFrom: number;
    private lastCompleted: number | undefined;
    private lastProgressAt: number | undefined;
    private progressed = false;
    private inFlight: number | undefined;
    private scrapeError: string | undefined;

    constructor(
        readonly stallMs: number,
        phaseStartedAt: number,
    ) {
        this.clockFrom = phaseStartedAt;
    }

    /** One scrape: a sample, or why there is none. Returns true once the phase has stalled. */
    observe(now: number, sample: ProgressSample | undefined, scrapeError?: string): boolean {
        if (sample) {
            this.scrapeError = undefined;
            if (sample.completed !== this.lastCompleted) {
                if (this.lastCompleted !== undefined) this.progressed = true;
                this.lastCompleted = sample.completed;
                this.lastProgressAt = now;
                this.clockFrom = now;
            }
            this.inFlight = Math.max(0, sample.started - sample.completed);
            // Nothing in flight: the client is starting, between requests or exporting; nothing is owed.
            if (this.inFlight === 0) this.clockFrom = now;
        } else {
            this.scrapeError = scrapeError ?? "no sample";
        }
        return now - this.clockFrom >= this.stallMs;
    }

    verdict(now: number): StallVerdict {
        return {
            withoutProgressMs: now - this.clockFrom,
            lastCompleted: this.lastCompleted,
            lastProgressAt: this.lastProgressAt,
            progressedInPhase: this.progressed,
            inFlight: this.inFlight,
            scrapeError: this.scrapeError,
        };
    }
}

/** The first line of a stall report: the phase, how long, and the last progress seen. */
export function describeStall(phase: string, stallSeconds: number, metrics: Pick<ProgressMetrics, "completed">, v: StallVerdict, now: number): string {
    const secs = (v.withoutProgressMs / 1000).toFixed(0);
    const flight = v.scrapeError ? `the frontend's metrics did not answer (${v.scrapeError})` : `${v.inFlight ?? "?"} request(s) in flight`;
    let last: string;
    if (v.lastCompleted === undefined || v.lastProgressAt === undefined) last = `no reading of ${metrics.completed} in this phase`;
    else {
        const ago = ((now - v.lastProgressAt) / 1000).toFixed(0);
        const what = v.progressedInPhase ? "last completed request" : "no request completed in this phase; count";
        last = `${what}: ${metrics.completed}=${v.lastCompleted} at ${new Date(v.lastProgressAt).toISOString()} (${ago}s ago)`;
    }
    return `stalled: benchmark phase "${phase}" completed no request for ${secs}s (timeouts.stallSeconds ${stallSeconds}) with ${flight}; ${last}`;
}

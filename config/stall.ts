// The stall watchdog's bound (timeouts.stallSeconds): how long a benchmark
// phase may go with requests in flight and none completed before the run is
// stopped and reported as stalled. Unset, it is derived from the load, here,
// once, for every target.
//
// Why this formula: while a live deployment has requests in flight, the next
// one completes within one request's service time at most. A request's
// service time under load is bounded by its own decode (output tokens at the
// slowest inter-token latency we consider alive) plus waiting behind the
// prefill of every other request in flight (their input tokens at the slowest
// prefill rate we consider alive). Twice the slowest such request of any
// phase, kept within [MIN, MAX] and below timeouts.benchmarkSeconds (that
// bound would fire first), is the default. The time before a phase's first
// request (client start-up, tokenizer download, dataset) never counts: the
// watchdog's clock only runs while requests are in flight (lib/watchdog).
import type { ResolvedPhase } from "./resolve";

/** 4 tokens/s per request: real GPU decode is 10-100x faster, and so is the mocker at speedup 1. */
export const SLOW_INTER_TOKEN_SECONDS = 0.25;
/** Input tokens per second for a whole worker: a GPU prefills 10,000-100,000. */
export const SLOW_PREFILL_TOKENS_PER_SECOND = 1000;
/** Margin over the slowest request. */
export const STALL_SAFETY_FACTOR = 2;
/** A minute: well above the watchdog's scrape interval, GC pauses and cache offloads of a live engine. */
export const MIN_DEFAULT_STALL_SECONDS = 60;
/** Half an hour: a hung phase is reported at most this long after its last completed request (half the default benchmark bound). */
export const MAX_DEFAULT_STALL_SECONDS = 1800;

type LoadOfPhase = Pick<ResolvedPhase, "concurrency" | "requestRate" | "inputTokens" | "outputTokens">;

/** The slowest a request of this phase may take on a deployment that still works, in seconds. */
export function slowRequestSeconds(phase: LoadOfPhase): number {
    const decode = phase.outputTokens * SLOW_INTER_TOKEN_SECONDS;
    // Closed loop: the concurrency. Open loop: requests arriving during one slow request (Little's law), at least one.
    const inFlight = phase.concurrency ?? Math.max(1, Math.ceil((phase.requestRate ?? 1) * decode));
    return decode + (inFlight * phase.inputTokens) / SLOW_PREFILL_TOKENS_PER_SECOND;
}

/** The default timeouts.stallSeconds for these phases and this benchmark bound (see the formula above). */
export function defaultStallSeconds(phases: readonly LoadOfPhase[], benchmarkSeconds: number): number {
    const slowest = Math.max(0, ...phases.map(slowRequestSeconds));
    const bounded = Math.min(MAX_DEFAULT_STALL_SECONDS, Math.max(MIN_DEFAULT_STALL_SECONDS, Math.ceil(STALL_SAFETY_FACTOR * slowest)));
    return Math.max(1, Math.min(bounded, benchmarkSeconds - 1));
}

/** timeouts.stallSeconds as given, or its default. */
export function resolveStallSeconds(given: number | undefined, phases: readonly LoadOfPhase[], benchmarkSeconds: number): number {
    return given ?? defaultStallSeconds(phases, benchmarkSeconds);
}

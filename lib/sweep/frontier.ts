// The Pareto frontier of a sweep and the best candidate per objective under
// latency limits, computed from the figures alone (pure). Used for the sweep's
// stack outputs (`frontier`, `best`) and again by `dynamo-bench report`, which
// recomputes it from the figures rather than trusting a stored one.
//
// A candidate is one (point, load) pair: a deployment under one load phase.
// The frontier trades output tokens/s per GPU (what the cluster costs) against
// output tokens/s per user (what each client sees); both are maximised.
import { definedOnly } from "../outputs";
import type { StackOutputs } from "../results";

/** The load a phase applied: the client's concurrency or request rate (either may be absent, e.g. a single-benchmark stack). */
export interface PointLoad {
    concurrency?: number;
    requestRate?: number;
}

/** One deployment point of a sweep with its figures per load phase. */
export interface SweepPointFigures {
    /** Stable, readable id of the point (for a single benchmark: its name). */
    id: string;
    /** The settings that make this point (what differs between points). */
    settings: Record<string, unknown>;
    /** GPUs of the inference workers (what per-GPU throughput divides by). */
    workerGpus: number;
    /** Phase name -> the load it applied; a phase missing here is still a candidate, without a load figure. */
    loads: Record<string, PointLoad>;
    /** Phase name -> its figures (the stack output metric names). */
    phases: Record<string, StackOutputs>;
}

/** Optional latency limits a candidate must meet to count as `best`; in milliseconds, at p99. */
export interface SweepLimits {
    ttftP99Ms?: number;
    itlP99Ms?: number;
    requestLatencyP99Ms?: number;
}

/** One ranked candidate: the point, the load phase, and the figures it was ranked by. */
export interface FrontierEntry {
    point: string;
    /** The phase name of the load. */
    load: string;
    concurrency?: number;
    requestRate?: number;
    outputTokenThroughputPerGpuTokPerS: number;
    outputTokenThroughputPerUserTokPerS: number;
    /** The p99 latencies the limits read, when the phase has them. */
    ttftP99Ms?: number;
    itlP99Ms?: number;
    requestLatencyP99Ms?: number;
}

/** A candidate that cannot be ranked, and why (it is on no frontier and never best). */
export interface UnrankedCandidate {
    point: string;
    load: string;
    reason: string;
}

export const OBJECTIVES = ["outputTokenThroughputPerGpu", "outputTokenThroughputPerUser"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface FrontierResult {
    /** Pareto-optimal candidates, by per-user throughput ascending (so per-GPU throughput descends along it). */
    frontier: FrontierEntry[];
    /** Per objective, the highest candidate meeting every given limit; undefined when none does. */
    best: Record<Objective, FrontierEntry | undefined>;
    /** Candidates lacking a throughput figure, listed rather than silently dropped. */
    unranked: UnrankedCandidate[];
}

const GPU = "outputTokenThroughputPerGpuTokPerS";
const USER = "outputTokenThroughputPerUserTokPerS";

/** The figure an objective maximises, and the other one, which breaks ties. */
const OBJECTIVE_FIGURES: Record<Objective, readonly [typeof GPU | typeof USER, typeof GPU | typeof USER]> = {
    outputTokenThroughputPerGpu: [GPU, USER],
    outputTokenThroughputPerUser: [USER, GPU],
};

/** Which stack output figure each limit caps. */
const LIMIT_FIGURES: Record<keyof SweepLimits, keyof Pick<FrontierEntry, "ttftP99Ms" | "itlP99Ms" | "requestLatencyP99Ms">> = {
    ttftP99Ms: "ttftP99Ms",
    itlP99Ms: "itlP99Ms",
    requestLatencyP99Ms: "requestLatencyP99Ms",
};

/**
 * Ranks every (point, load) candidate. Ties: candidates equal in both figures
 * do not dominate each other, so all of them stay on the frontier; `best` takes
 * the higher other figure on a tie, then the first in input order.
 */
export function computeFrontier(points: readonly SweepPointFigures[], limits: SweepLimits = {}): FrontierResult {
    const { ranked, unranked } = candidates(points);
    // O(n^2) on purpose: a sweep has at most a few thousand candidates, and the plain definition is the one to trust.
    const frontier = ranked.filter((c) => !ranked.some((other) => dominates(other, c)));
    frontier.sort((a, b) => a[USER] - b[USER] || b[GPU] - a[GPU] || order(ranked, a) - order(ranked, b));
    const eligible = ranked.filter((c) => meetsLimits(c, limits));
    const best = Object.fromEntries(OBJECTIVES.map((objective) => [objective, highest(eligible, objective)])) as Record<Objective, FrontierEntry | undefined>;
    return { frontier, best, unranked };
}

/** a dominates b: at least as good in both figures and better in one. */
function dominates(a: FrontierEntry, b: FrontierEntry): boolean {
    return a[GPU] >= b[GPU] && a[USER] >= b[USER] && (a[GPU] > b[GPU] || a[USER] > b[USER]);
}

/** Whether a candidate meets every given limit; a limit whose figure the candidate lacks is not met. */
function meetsLimits(entry: FrontierEntry, limits: SweepLimits): boolean {
    return (Object.keys(LIMIT_FIGURES) as Array<keyof SweepLimits>).every((key) => {
        const limit = limits[key];
        if (limit === undefined) return true;
        const figure = entry[LIMIT_FIGURES[key]];
        return figure !== undefined && figure <= limit;
    });
}

function candidates(points: readonly SweepPointFigures[]): { ranked: FrontierEntry[]; unranked: UnrankedCandidate[] } {
    const ranked: FrontierEntry[] = [];
    const unranked: UnrankedCandidate[] = [];
    for (const point of points) {
        for (const [load, figures] of Object.entries(point.phases)) {
            const gpu = finite(figures[GPU]);
            const user = finite(figures[USER]);
            if (gpu === undefined || user === undefined) {
                const missing = [gpu === undefined ? GPU : "", user === undefined ? USER : ""].filter(Boolean);
                unranked.push({ point: point.id, load, reason: `no ${missing.join(" and no ")}` });
                continue;
            }
            const applied = point.loads[load] ?? {};
            ranked.push(
                definedOnly({
                    point: point.id,
                    load,
                    concurrency: finite(applied.concurrency),
                    requestRate: finite(applied.requestRate),
                    [GPU]: gpu,
                    [USER]: user,
                    ttftP99Ms: finite(figures.ttftMs?.p99),
                    itlP99Ms: finite(figures.itlMs?.p99),
                    requestLatencyP99Ms: finite(figures.requestLatencyMs?.p99),
                }),
            );
        }
        // A load the point declares but has no figures for (the phase did not run or gave no results).
        for (const load of Object.keys(point.loads)) {
            if (!(load in point.phases)) unranked.push({ point: point.id, load, reason: "no results for this load" });
        }
    }
    return { ranked, unranked };
}

function highest(eligible: readonly FrontierEntry[], objective: Objective): FrontierEntry | undefined {
    const [main, tieBreak] = OBJECTIVE_FIGURES[objective];
    let best: FrontierEntry | undefined;
    for (const c of eligible) {
        if (best === undefined || c[main] > best[main] || (c[main] === best[main] && c[tieBreak] > best[tieBreak])) best = c;
    }
    return best;
}

function order(list: readonly FrontierEntry[], entry: FrontierEntry): number {
    return list.indexOf(entry);
}

function finite(value: number | undefined): number | undefined {
    return value !== undefined && Number.isFinite(value) ? value : undefined;
}

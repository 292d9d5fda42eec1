// Turns a parsed spec into the resolved BenchmarkSpec every component takes:
// defaults that depend on other fields are filled in here, once.
import type { AccuracySpec } from "./accuracy";
import type { BenchmarkToolSpec, ParsedSpec, PhaseSpec, SchedulingSpec, WorkerSpec } from "./schema";
import { RUNTIME_IMAGES } from "./versions";
import { gpusPerWorker } from "./rules";
import { loadPhaseName, ownKaiQueueName, toDnsLabel } from "./names";
import { OPERATOR_DEFAULT_KAI_QUEUE } from "../lib/facts/dynamo-operator";
import { overrideArgs } from "../lib/argv";
import { goodputArgs } from "./gates";
import { resolveStallSeconds } from "./stall";

export { toDnsLabel } from "./names";

/** One benchmark run: the base benchmark values with a phase's overrides applied. */
export interface ResolvedPhase {
    name: string;
    /** Closed-loop load: requests in flight. Exactly one of concurrency and requestRate is set. */
    concurrency?: number;
    /** Open-loop load: requests per second. */
    requestRate?: number;
    requestCount: number;
    warmupRequests: number;
    inputTokens: number;
    inputTokensStddev: number;
    outputTokens: number;
    outputTokensStddev: number;
    /** Streamed responses: the client measures the time to first token and between tokens. */
    streaming: boolean;
    extraArgs: string[];
    /** An accuracy phase: AIPerf's accuracy mode with these settings (config/accuracy.ts). */
    accuracy?: AccuracySpec;
}

export interface ResolvedWorker extends WorkerSpec {
    image: string;
    /** GPUs of one worker across all its nodes. */
    gpusPerWorker: number;
    /** GPUs requested by each pod (or node slot) of one worker. */
    gpusPerNodeOfWorker: number;
}

/** Scheduling with the queue decided: which KAI queue the graph uses and whether this stack creates it. */
export interface ResolvedScheduling {
    grove: boolean;
    /** null: no KAI queue annotation. */
    kaiQueue: string | null;
    /** This stack creates kaiQueue (always its own "<name>-queue") and deletes it on destroy. */
    createQueue: boolean;
}

/** What the targets deploy. The gates are not in it: they judge the figures afterwards (program.ts), so changing one never re-runs a benchmark. */
export interface BenchmarkSpec extends Omit<ParsedSpec, "prefill" | "decode" | "name" | "image" | "scheduling" | "gates" | "timeouts"> {
    name: string;
    /** The stall bound is always set: given, or derived from the load (config/stall.ts). */
    timeouts: ParsedSpec["timeouts"] & { stallSeconds: number };
    scheduling: ResolvedScheduling;
    stack: string;
    image: string;
    servedModelName: string;
    prefill: ResolvedWorker | undefined;
    decode: ResolvedWorker;
    phases: ResolvedPhase[];
    /** GPUs all workers use together: the denominator of per-GPU throughput. */
    totalWorkerGpus: number;
}

export function resolveSpec(parsed: ParsedSpec, stack: string): BenchmarkSpec {
    const repository = RUNTIME_IMAGES[parsed.backend];
    const fromRegistry = parsed.imageRegistry ? `${parsed.imageRegistry}/${repository.slice(repository.lastIndexOf("/") + 1)}` : repository;
    const image = parsed.image ?? `${fromRegistry}:${parsed.platform.version}`;
    const worker = (w: WorkerSpec): ResolvedWorker => {
        const total = gpusPerWorker(w);
        return { ...w, image: w.image ?? image, gpusPerWorker: total, gpusPerNodeOfWorker: total / w.nodesPerWorker };
    };
    const prefill = parsed.mode === "aggregated" ? undefined : worker(parsed.prefill);
    const decode = worker(parsed.decode);
    const totalWorkerGpus = decode.gpusPerWorker * decode.replicas + (prefill ? prefill.gpusPerWorker * prefill.replicas : 0);
    const { prefill: _p, decode: _d, name: _n, image: _i, gates: _g, ...rest } = parsed;
    const name = parsed.name ?? toDnsLabel(stack);
    const phases = resolvePhases(parsed.benchmark);
    return {
        ...rest,
        name,
        scheduling: resolveScheduling(parsed.scheduling, name),
        stack,
        image,
        servedModelName: parsed.model.servedName ?? parsed.model.id,
        prefill,
        decode,
        phases,
        timeouts: { ...parsed.timeouts, stallSeconds: resolveStallSeconds(parsed.timeouts.stallSeconds, phases, parsed.timeouts.benchmarkSeconds) },
        totalWorkerGpus,
    };
}

/**
 * No queue named: this stack's own queue, created here unless createQueue is false
 * (then the operator's default). A queue named: an existing one unless createQueue
 * is true (config rules allow that for this stack's own name only).
 */
export function resolveScheduling(scheduling: SchedulingSpec, benchmarkName: string): ResolvedScheduling {
    const { grove, kaiQueue, createQueue } = scheduling;
    if (kaiQueue === null) return { grove, kaiQueue: null, createQueue: false };
    if (kaiQueue === undefined) {
        const create = createQueue ?? true;
        return { grove, kaiQueue: create ? ownKaiQueueName(benchmarkName) : OPERATOR_DEFAULT_KAI_QUEUE, createQueue: create };
    }
    return { grove, kaiQueue, createQueue: createQueue ?? false };
}

export function resolvePhases(benchmark: BenchmarkToolSpec): ResolvedPhase[] {
    const base: ResolvedPhase = {
        name: "main",
        ...baseLoad(benchmark),
        requestCount: benchmark.requestCount,
        warmupRequests: benchmark.warmupRequests,
        inputTokens: benchmark.inputTokens,
        inputTokensStddev: benchmark.inputTokensStddev,
        outputTokens: benchmark.outputTokens,
        outputTokensStddev: benchmark.outputTokensStddev,
        streaming: benchmark.streaming,
        // benchmark.goodput's flag, unless the user's own arguments give it (a phase's replace both).
        extraArgs: overrideArgs(goodputArgs(benchmark.goodput), benchmark.extraArgs),
    };
    // A load list is its own set of phases (config rules refuse it together with named phases).
    const steps = loadSteps(benchmark);
    if (steps.length > 0) return steps.map((step) => ({ ...withoutLoad(base), ...step }));
    if (benchmark.phases.length === 0) return [base];
    return benchmark.phases.map((phase) => ({
        ...withoutLoad(base),
        name: phase.name,
        ...phaseLoad(phase, base),
        requestCount: phase.requestCount ?? base.requestCount,
        warmupRequests: phase.warmupRequests ?? base.warmupRequests,
        inputTokens: phase.inputTokens ?? base.inputTokens,
        outputTokens: phase.outputTokens ?? base.outputTokens,
        streaming: phase.streaming ?? base.streaming,
        // A flag the phase sets replaces the base one: clients refuse or silently drop repeats.
        extraArgs: overrideArgs(base.extraArgs, phase.extraArgs ?? []),
        ...(phase.accuracy ? { accuracy: phase.accuracy } : {}),
    }));
}

/** The phases of a list-valued concurrency or requestRate, in the order given; none for scalars. */
export function loadSteps(
    benchmark: Pick<BenchmarkToolSpec, "concurrency" | "requestRate">,
): Array<Pick<ResolvedPhase, "name" | "concurrency" | "requestRate">> {
    if (Array.isArray(benchmark.requestRate)) return benchmark.requestRate.map((rate) => ({ name: loadPhaseName({ requestRate: rate }), requestRate: rate }));
    if (Array.isArray(benchmark.concurrency) && benchmark.requestRate === undefined) {
        return benchmark.concurrency.map((c) => ({ name: loadPhaseName({ concurrency: c }), concurrency: c }));
    }
    return [];
}

/** A request rate replaces the concurrency: genai-perf refuses both, and AIPerf would cap the rate with it. */
function baseLoad(benchmark: BenchmarkToolSpec): Pick<ResolvedPhase, "concurrency" | "requestRate"> {
    if (typeof benchmark.requestRate === "number") return { requestRate: benchmark.requestRate };
    return { concurrency: typeof benchmark.concurrency === "number" ? benchmark.concurrency : benchmark.concurrency[0] };
}

function phaseLoad(phase: PhaseSpec, base: ResolvedPhase): Pick<ResolvedPhase, "concurrency" | "requestRate"> {
    if (phase.requestRate !== undefined) return { requestRate: phase.requestRate };
    if (phase.concurrency !== undefined) return { concurrency: phase.concurrency };
    return base.requestRate !== undefined ? { requestRate: base.requestRate } : { concurrency: base.concurrency };
}

function withoutLoad(phase: ResolvedPhase): ResolvedPhase {
    const { concurrency: _c, requestRate: _r, ...rest } = phase;
    return rest;
}

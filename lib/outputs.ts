// The one output shape every target returns (DESIGN principle 9): the same
// top-level keys on local, Kubernetes and Slurm, so dashboards, the GitOps
// gate and `dynamo-bench outputs` read any stack the same way. What only one
// target has lives under `details`. Pure: the Pulumi wrapping is in
// components/target.ts.
import type { BenchmarkSpec } from "../config/resolve";
import type { Target } from "../config/schema";
import { findRelease } from "./dynamo/releases";
import type { StackOutputs } from "./results";

/** The top-level stack output keys, in the order the docs list them. */
export const BENCHMARK_OUTPUT_KEYS = ["target", "benchmark", "model", "dynamoVersion", "workerGpus", "phases", "timings", "resultsStatus", "details"] as const;

export type BenchmarkOutputKey = (typeof BENCHMARK_OUTPUT_KEYS)[number];

/**
 * What the gates add to every stack's outputs, after the target's (and a
 * sweep's) own keys, whatever the target: `valid`, `invalidReasons` and the
 * `gates` verdict (components/gates.ts, docs/gates.md).
 */
export const GATE_OUTPUT_KEYS = ["valid", "invalidReasons", "gates"] as const;

/**
 * Where the time went, in seconds from the start of the run (the local run, the
 * Slurm job). A target sets the keys it measures; a key means the same on every target.
 */
export interface BenchmarkTimings {
    /** Start until every Dynamo process was launched. */
    launchSeconds?: number;
    /** Start until the frontend listed every worker. */
    workersRegisteredSeconds?: number;
    /** Start until ready: workers listed, model served, a one-token request answered. */
    readySeconds?: number;
    /** All phases, first benchmark client launch to last exit. */
    benchmarkSeconds?: number;
    /** Slurm: last worker registered until the benchmark client's first request. */
    lastWorkerToFirstRequestSeconds?: number;
    /** Slurm: ready until the benchmark client was launched (the job's own overhead). */
    readyToBenchmarkLaunchSeconds?: number;
    /** Slurm: benchmark client launched until its first request (the client's start-up). */
    benchmarkLaunchToFirstRequestSeconds?: number;
    /** Slurm sweep job: the previous point's end (its processes stopped) until this point's first request. */
    previousPointToFirstRequestSeconds?: number;
    /** Local: stopping every process. */
    teardownSeconds?: number;
    /** Local: the whole run, start to the last process stopped. */
    totalSeconds?: number;
    /** Local: totalSeconds minus the benchmark client's own measured durations. */
    overheadSeconds?: number;
}

/** The inference engine the workers run, as far as the deployment decides it. */
export interface EngineInfo {
    /** vllm, sglang, trtllm, or mocker (the local target's GPU-free engine). */
    name: string;
    /** The engine package version the Dynamo release pins; absent when the release is not in lib/dynamo/releases.ts. */
    version?: string;
    /** The runtime image the workers run, on the cluster targets. */
    image?: string;
}

/** Every target's stack outputs, as plain values; `D` is the target's own `details`. */
export interface BenchmarkOutputValues<D extends object = Record<string, unknown>> {
    target: Target;
    /** The benchmark's name (config `name`, default the stack name). */
    benchmark: string;
    /** The model name clients send (model.servedName, else model.id). */
    model: string;
    /** The Dynamo release: platform chart, runtime image tag and local `ai-dynamo`. */
    dynamoVersion: string;
    /** GPUs of the inference workers (what per-GPU throughput divides by). */
    workerGpus: number;
    /** `{ <phase>: { ttftMs: {avg, p50, p99, ...}, itlMs, outputTokenThroughputPerGpuTokPerS, ... } }`; empty when nothing ran. */
    phases: Record<string, StackOutputs>;
    timings: BenchmarkTimings;
    /** "collected", or "not run: <reason>". */
    resultsStatus: string;
    details: D;
}

export const RESULTS_COLLECTED = "collected";

/** The resultsStatus of a deployment that ran no benchmark, with the reason. */
export function notRun(reason: string): string {
    return `not run: ${reason}`;
}

/** The top-level outputs that follow from the spec alone. */
export function specOutputs(spec: BenchmarkSpec): Pick<BenchmarkOutputValues, "target" | "benchmark" | "model" | "dynamoVersion" | "workerGpus"> {
    return { target: spec.target, benchmark: spec.name, model: spec.servedModelName, dynamoVersion: spec.platform.version, workerGpus: spec.totalWorkerGpus };
}

/** The engine the cluster targets' workers run: the backend, at the version the release pins. */
export function clusterEngine(spec: BenchmarkSpec): EngineInfo {
    const version = findRelease(spec.platform.version)?.engines[spec.backend];
    return { name: spec.backend, ...(version ? { version } : {}), image: spec.image };
}

/** Drops the keys whose value is undefined (stack outputs and docs list only what was measured). */
export function definedOnly<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

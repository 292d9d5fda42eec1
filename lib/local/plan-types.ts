// The shapes of a local run plan: what planLocalRun (plan.ts) takes and what it
// gives the runner (lib/local/run). Types and the plan's own error only.
import type { BetweenPhasesSpec } from "../../config/between-phases";
import type { MockerSpec } from "../../config/mocker";
import type { ResolvedPhase } from "../../config/resolve";
import type { SetupSpec } from "../../config/setup";
import type { ProgressMetrics } from "../dynamo/progress-metrics";
import type { ProcessRole } from "../dynamo";

export type LocalRole = ProcessRole;

export interface LocalWorkerInput {
    /** Worker processes of this role (each one mocker engine). */
    replicas: number;
    /** Data-parallel ranks the mocker simulates per worker (default 1). */
    dataParallel?: number;
    /** Appended after the planned mocker flags, so a flag given here wins (argparse keeps the last). */
    extraArgs: string[];
    env: Record<string, string>;
}

/** One benchmark phase: the resolved phase of the spec (name, load and extra AIPerf arguments). */
export type LocalPhaseInput = ResolvedPhase;

/**
 * Everything a local run needs, and nothing else. `lib/local/from-spec.ts`
 * maps a BenchmarkSpec onto it; tests build it directly.
 */
export interface LocalRunPlanInput {
    /** Unique id of the run; the Dynamo namespace is derived from it. */
    runId: string;
    /** Absolute folder for logs, discovery state, plan and exports. */
    runDir: string;
    /** Python venv with ai-dynamo and aiperf (scripts/setup-python.sh). */
    venv: string;
    model: {
        /** Local model folder (config.json + tokenizer files), or a HuggingFace id (needs hub access). */
        path: string;
        /** Name clients send as `model`. */
        servedName: string;
    };
    /** Dynamo release whose flags the processes get (the venv's ai-dynamo). */
    dynamoVersion: string;
    /** Scheduler the mocker imitates. */
    engineType: "vllm" | "sglang";
    /** Mocker --speedup-ratio: 1 = real timing, larger = faster, 0 = no simulated delay. */
    speedupRatio: number;
    /** The mocker's engine knobs (config/mocker.ts); unset: its defaults. */
    mocker?: MockerSpec;
    mode: "disaggregated" | "aggregated";
    frontend: {
        routerMode: string;
        /** Fixed HTTP port; a free one is picked when unset. */
        port?: number;
        extraArgs: string[];
        env: Record<string, string>;
    };
    /** Ignored in aggregated mode. */
    prefill: LocalWorkerInput;
    decode: LocalWorkerInput;
    /** Environment for every Dynamo process (role env is applied after it). */
    env: Record<string, string>;
    benchmark: {
        endpointType: "chat" | "completions";
        /** Count tokens from the server's usage (exact for the mocker's random tokens). */
        useServerTokenCount: boolean;
        /** AIPerf scrapes the frontend's metrics (benchmark.serverMetrics, resolved for the local target). */
        serverMetrics: boolean;
        randomSeed: number;
        phases: LocalPhaseInput[];
        /** A command and a health check after each phase but the last (benchmark.betweenPhases); unset: none. */
        betweenPhases?: BetweenPhasesSpec;
    };
    /** Start-up commands before any process (setup); unset or empty: none. */
    setup?: SetupSpec;
    timeouts: {
        /** From the first spawn until the model is served by every worker. */
        readySeconds: number;
        /** All benchmark phases together. */
        benchmarkSeconds: number;
        /** SIGTERM to SIGKILL at teardown. */
        teardownGraceSeconds: number;
        /** A phase with requests in flight and none completed this long is stalled; unset: config/stall.ts's default. */
        stallSeconds?: number;
    };
}

export interface LocalPorts {
    frontend: number;
    /** One per prefill replica (mocker --bootstrap-ports; prefill listens, decode connects). */
    bootstrap: number[];
    /**
     * With server metrics: one system server port per worker process (prefill first,
     * then decode or aggregated), whose /metrics AIPerf scrapes besides the frontend's.
     */
    system?: number[];
}

export interface PlannedProcess {
    /** Unique: "frontend", "prefill-0", "decode-1", "worker-0" (aggregated). */
    name: string;
    role: LocalRole;
    argv: string[];
    env: Record<string, string>;
    /** Names of the variables the plan set or the spec gave (values are not repeated in plan.json). */
    plannedEnvKeys: string[];
    /** Names of the secretEnv variables in env (lib/local/secret-env.ts): Dynamo processes only. */
    secretEnvKeys: string[];
    logFile: string;
}

export interface PlannedPhase {
    name: string;
    argv: string[];
    env: Record<string, string>;
    artifactDir: string;
    logFile: string;
}

/** A worker set the frontend must list in GET /health before the run counts as registered. */
export interface ExpectedInstances {
    role: "prefill" | "decode" | "aggregated";
    component: string;
    endpoint: string;
    count: number;
}

export interface LocalRunPlan {
    runId: string;
    runDir: string;
    namespace: string;
    discoveryDir: string;
    frontendUrl: string;
    servedModelName: string;
    ports: LocalPorts;
    processes: PlannedProcess[];
    readiness: {
        expected: ExpectedInstances[];
        /** A one-token request that must succeed before benchmarking. */
        probe: { path: string; body: Record<string, unknown> };
    };
    benchmarkPhases: PlannedPhase[];
    /** After each phase but the last; unset when there is nothing to do between phases. */
    betweenPhases?: PlannedBetweenPhases;
    /** Before any process starts; unset when there are no start-up commands. */
    setup?: { argv: string[]; env: Record<string, string>; logFile: string; timeoutSeconds: number };
    timeouts: LocalRunPlanInput["timeouts"];
    /** The stall watchdog (lib/watchdog): its bound, and the frontend counters it reads. */
    stall: { seconds: number; metricsUrl: string; metrics: ProgressMetrics };
}

export interface PlannedBetweenPhases {
    /** The command, its environment (the run's addresses and the phases around it are added at run time) and its log. */
    command?: { argv: string[]; env: Record<string, string>; logFile: string };
    healthCheck: boolean;
    timeoutSeconds: number;
}

export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

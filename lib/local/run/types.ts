// The shapes a local run is configured with and reports: options, timings,
// per-phase results. Shared by the runner's parts and its callers.
import type { LocalRunErrorKind } from "./error";

export interface RunOptions {
    /** Progress lines (the CLI sends them to stderr). */
    log?: (line: string) => void;
    /** Aborting stops everything and rejects with kind "interrupted". */
    signal?: AbortSignal;
    /** Stop on SIGINT/SIGTERM of this process (default true). */
    handleSignals?: boolean;
    /** Start a watchdog process that kills the run's groups if this process dies without cleaning up (default true). */
    reaper?: boolean;
    /** First readiness poll interval; grows to maxPollMs (defaults 250 and 1000). */
    pollMs?: number;
    maxPollMs?: number;
    /** Lines of a process log quoted in errors (default 40). */
    logTailLines?: number;
    /** Called once every process is spawned (tests use it to inject faults). */
    onStarted?: (processes: ReadonlyArray<{ name: string; role: string; pid: number }>) => void;
    /** Called at each stage: "deploying", "ready", "load k/L <phase>" (a combined client run: "load 1-2/2 c1+c8"). */
    onStage?: (stage: string) => void;
    /** Called when a benchmark phase's aiperf process has started. */
    onPhaseStarted?: (phase: string, pid: number) => void;
    /**
     * Run consecutive phases that differ only in their load as one AIPerf
     * process (run/client-runs.ts). Default false; `local-run` turns it on.
     */
    combinePhases?: boolean;
    /**
     * Start the first client run with the Dynamo processes, against a gate that
     * holds its requests until the deployment is ready (gate.ts); only when
     * every held request is a warmup (client-runs.ts mayStartEarly). Default
     * false; `local-run` turns it on with DYNAMO_BENCH_CLIENT_EARLY=1.
     */
    startClientEarly?: boolean;
}

export interface PhaseTiming {
    name: string;
    startMs: number;
    endMs: number;
    wallMs: number;
    /** AIPerf's own measured benchmark duration (profile_export_aiperf.json benchmark_duration). */
    measuredMs?: number;
}

/** Milliseconds since the run started, unless named *At (ISO time). */
export interface RunTimings {
    startedAt: string;
    endedAt?: string;
    /** Spawning every Dynamo process. */
    processStartMs?: number;
    processes: Record<string, { spawnedMs: number; exitedMs?: number; exitCode?: number | null; signal?: string | null }>;
    /** From the last spawn until GET /health lists every expected worker. */
    registrationMs?: number;
    /** From registration until the model is listed and a one-token request succeeds. */
    readinessMs?: number;
    phases: PhaseTiming[];
    /** When the gate let the early-started client through (the deployment was ready). */
    gateReleasedMs?: number;
    /** Wall time of all phases (aiperf start-up, dataset, warmup, profiling, export). */
    benchmarkMs?: number;
    teardownMs?: number;
    totalMs?: number;
    /** totalMs minus the measured benchmark durations. */
    overheadMs?: number;
    failure?: { kind: LocalRunErrorKind; message: string; atMs: number };
}

export interface PhaseResult {
    name: string;
    artifactDir: string;
    logFile: string;
    /** AIPerf's summary export, present on success. */
    summaryJson: string;
}

export interface LocalRunResult {
    runId: string;
    runDir: string;
    frontendUrl: string;
    phases: PhaseResult[];
    timings: RunTimings;
    timingsFile: string;
    processes: Array<{ name: string; role: string; pid: number; logFile: string }>;
}

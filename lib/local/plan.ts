// Pure planning of a local run: which processes to start (Dynamo frontend,
// mocker prefill/decode workers), with which argv and environment, how to tell
// they are ready, and which AIPerf command runs each benchmark phase.
// No I/O here: ports are allocated by the caller (ports.ts) and passed in.
//
// Flags were checked against `--help` and real runs of ai-dynamo 1.6.1 and
// aiperf 0.13.0; see docs/local-runtime.md.
import * as path from "node:path";
import type { BetweenPhasesSpec } from "../../config/between-phases";
import type { SetupSpec } from "../../config/setup";
import { setupArgv } from "../dynamo/setup";
import type { MockerSpec } from "../../config/mocker";
import type { ResolvedPhase } from "../../config/resolve";
import { resolveStallSeconds } from "../../config/stall";
import { betweenPhasesEnv } from "../benchmark/between-phases";
import { oneTokenProbe } from "../benchmark/probe";
import { loadArgv } from "../benchmark/load-argv";
import { progressMetrics, type ProgressMetrics } from "../dynamo/progress-metrics";
import type { PortRequest } from "./ports";
import { SECRET_ENV_VARIABLE, secretEnvFrom } from "./secret-env";
import {
    WORKER_COMPONENTS,
    WORKER_ENDPOINT,
    argvOf,
    frontendProcess,
    namespaceForRun,
    releaseFor,
    workerMetricsUrl,
    workerProcess,
    type DynamoProcess,
    type ProcessRole,
    type LaunchContext,
    type LaunchSpec,
    type WorkerRole,
} from "../dynamo";

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
        streaming: boolean;
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

/** Inherited variables that would change how Dynamo discovers or connects; the plan sets its own. */
const DROPPED_ENV = new RegExp(`^(DYN_|ETCD_|NATS_)|^(HF_HUB_OFFLINE|TRANSFORMERS_OFFLINE|${SECRET_ENV_VARIABLE})$`);
const PHASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const LOOPBACK = "127.0.0.1";

/** The launch model's view of a local run: the mocker stands in for the engine; one process per replica. */
function launchSpecOfInput(input: LocalRunPlanInput, modelPath: string): LaunchSpec {
    const worker = (w: LocalWorkerInput) => ({
        replicas: w.replicas,
        nodesPerWorker: 1,
        tensorParallel: 1,
        pipelineParallel: 1,
        dataParallel: w.dataParallel ?? 1,
        extraArgs: w.extraArgs,
        env: w.env,
    });
    return {
        backend: input.engineType,
        model: modelPath,
        servedName: input.model.servedName,
        frontend: { routerMode: input.frontend.routerMode, replicas: 1, extraArgs: input.frontend.extraArgs, env: input.frontend.env },
        ...(input.mode === "disaggregated" ? { prefill: worker(input.prefill) } : {}),
        decode: worker(input.decode),
        env: input.env,
    };
}

/** The ports a plan needs, in the order planLocalRun expects them back (see portsFromAllocation). */
export function portRequests(input: LocalRunPlanInput): PortRequest[] {
    const requests: PortRequest[] = [{ name: "frontend.port", fixed: input.frontend.port }];
    const prefills = input.mode === "disaggregated" ? input.prefill.replicas : 0;
    for (let i = 0; i < prefills; i++) requests.push({ name: `prefill[${i}] bootstrap port` });
    for (const name of input.benchmark.serverMetrics ? workerNames(input) : []) requests.push({ name: `${name} system port`, atMost: MAX_SYSTEM_PORT });
    return requests;
}

/** Dynamo reads DYN_SYSTEM_PORT as a signed 16-bit number: "invalid value unsigned int `43779`, expected i16" above this. */
export const MAX_SYSTEM_PORT = 32767;

/** The worker processes of a plan, in order: "prefill-0", ..., "decode-0", ... or "worker-0", ... */
export function workerNames(input: Pick<LocalRunPlanInput, "mode" | "prefill" | "decode">): string[] {
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    if (input.mode !== "disaggregated") return names("worker", input.decode.replicas);
    return [...names("prefill", input.prefill.replicas), ...names("decode", input.decode.replicas)];
}

/** `systemPorts`: how many of the allocated ports, at the end, are workers' system ports (portRequests asks for them last). */
export function portsFromAllocation(allocated: number[], systemPorts = 0): LocalPorts {
    const [frontend, ...rest] = allocated;
    if (frontend === undefined) throw new PlanError("no port was allocated for the frontend");
    const bootstrap = rest.slice(0, rest.length - systemPorts);
    return systemPorts > 0 ? { frontend, bootstrap, system: rest.slice(rest.length - systemPorts) } : { frontend, bootstrap };
}

/** Dynamo namespace of one run (see lib/dynamo/names.ts). */
export const namespaceFor = namespaceForRun;

/** A local folder (absolute or ./relative) rather than a HuggingFace id. */
export function isLocalModelPath(p: string): boolean {
    return path.isAbsolute(p) || p.startsWith("./") || p.startsWith("../");
}

/**
 * Builds the whole run as data: argv arrays (never shell strings) and
 * environments for every process, readiness expectations and benchmark phases.
 * `baseEnv` is the environment to inherit (usually process.env).
 */
export function planLocalRun(input: LocalRunPlanInput, baseEnv: Record<string, string | undefined>, ports: LocalPorts): LocalRunPlan {
    validate(input, ports);
    const runDir = path.resolve(input.runDir);
    const logs = path.join(runDir, "logs");
    const discoveryDir = path.join(runDir, "discovery");
    const namespace = namespaceFor(input.runId);
    const python = path.join(input.venv, "bin", "python");
    const aiperf = path.join(input.venv, "bin", "aiperf");
    const frontendUrl = `http://127.0.0.1:${ports.frontend}`;
    const localModel = isLocalModelPath(input.model.path);
    const modelPath = localModel ? path.resolve(input.model.path) : input.model.path;

    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(baseEnv)) {
        if (v !== undefined && !DROPPED_ENV.test(k)) inherited[k] = v;
    }
    // The Dynamo processes' secret environment, out of what everything else inherits (DROPPED_ENV).
    const secretEnv = secretEnvFrom(baseEnv);
    const spec = launchSpecOfInput(input, modelPath);
    // One machine: file discovery in this run's own folder, every address on loopback.
    const ctx: LaunchContext = {
        release: releaseFor(input.dynamoVersion),
        engine: "mocker",
        python: [python],
        namespace,
        planes: { discovery: "file", fileDir: discoveryDir },
        advertiseHost: LOOPBACK,
        frontend: { port: ports.frontend, host: LOOPBACK },
        speedupRatio: input.speedupRatio,
        ...(input.mocker ? { mocker: input.mocker } : {}),
        configDir: runDir,
        env: {
            // The model card is shared through the discovery folder, not served by the workers'
            // system servers (those run only with server metrics, for /metrics), which this says explicitly.
            DYN_SELF_HOST_METADATA: "0",
            ...(localModel ? { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" } : {}),
        },
    };

    const processes: PlannedProcess[] = [];
    const addProcess = (name: string, launched: DynamoProcess) => {
        const planned = launched.env;
        processes.push({
            name,
            role: launched.role,
            argv: argvOf(launched),
            env: { ...inherited, ...planned, ...secretEnv },
            plannedEnvKeys: Object.keys(planned).sort(),
            secretEnvKeys: Object.keys(secretEnv).sort(),
            logFile: path.join(logs, `${name}.log`),
        });
    };

    addProcess("frontend", frontendProcess(spec, ctx));
    // With server metrics each worker serves /metrics on its own system port; AIPerf scrapes them all.
    const systemPorts = new Map(input.benchmark.serverMetrics ? workerNames(input).map((name, i) => [name, ports.system?.[i]] as const) : []);
    const worker = (role: WorkerRole, name: string, bootstrap: number) => {
        const system = systemPorts.get(name);
        return workerProcess(spec, ctx, role, { ports: { bootstrap, ...(system !== undefined ? { system } : {}) }, rank: 0, ranks: 1 });
    };

    const expected: ExpectedInstances[] = [];
    if (input.mode === "disaggregated") {
        for (let i = 0; i < input.prefill.replicas; i++) addProcess(`prefill-${i}`, worker("prefill", `prefill-${i}`, ports.bootstrap[i]!));
        // Decode workers learn the prefill bootstrap ports through discovery; they listen on none.
        for (let i = 0; i < input.decode.replicas; i++) addProcess(`decode-${i}`, worker("decode", `decode-${i}`, 0));
        expected.push({ role: "prefill", component: WORKER_COMPONENTS.prefill, endpoint: WORKER_ENDPOINT, count: input.prefill.replicas });
        expected.push({ role: "decode", component: WORKER_COMPONENTS.decode, endpoint: WORKER_ENDPOINT, count: input.decode.replicas });
    } else {
        for (let i = 0; i < input.decode.replicas; i++) addProcess(`worker-${i}`, worker("aggregated", `worker-${i}`, 0));
        expected.push({ role: "aggregated", component: WORKER_COMPONENTS.aggregated, endpoint: WORKER_ENDPOINT, count: input.decode.replicas });
    }

    // AIPerf: a local tokenizer folder with HF_HUB_OFFLINE set makes aiperf 0.13.0
    // look the path up as a hub repo id and fail, so its environment leaves the
    // offline switches out; a local folder needs no hub access anyway.
    const aiperfEnv: Record<string, string> = {
        // Server metrics are scraped from the frontend on loopback; AIPerf's default
        // 2 s post-run flush wait is mostly idle time here (a caller's value wins).
        AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD: "0.5",
        ...inherited,
        PYTHONUNBUFFERED: "1",
        NO_COLOR: "1",
        HF_HUB_DISABLE_TELEMETRY: "1",
    };
    const b = input.benchmark;
    const benchmarkPhases: PlannedPhase[] = b.phases.map((phase) => {
        const artifactDir = path.join(runDir, "phases", phase.name);
        const argv = loadArgv({
            tool: "aiperf",
            program: [aiperf, "profile"],
            servedModelName: input.model.servedName,
            url: frontendUrl,
            endpointType: b.endpointType,
            streaming: b.streaming,
            phase,
            tokenizer: modelPath,
            artifactDir,
            requestTimeoutSeconds: input.timeouts.benchmarkSeconds,
            randomSeed: b.randomSeed,
            useServerTokenCount: b.useServerTokenCount,
            gpuTelemetry: false,
            serverMetrics: b.serverMetrics,
            serverMetricsUrls: [...systemPorts.values()].flatMap((port) => (port === undefined ? [] : [workerMetricsUrl(LOOPBACK, port)])),
        });
        return { name: phase.name, argv, env: aiperfEnv, artifactDir, logFile: path.join(logs, `aiperf-${phase.name}.log`) };
    });

    const frontendMetrics = progressMetrics(processes.find((p) => p.role === "frontend")?.env);

    return {
        runId: input.runId,
        runDir,
        namespace,
        discoveryDir,
        frontendUrl,
        servedModelName: input.model.servedName,
        ports,
        processes,
        readiness: {
            expected,
            probe: oneTokenProbe(b.endpointType, input.model.servedName),
        },
        benchmarkPhases,
        ...betweenPhasesOf(b.betweenPhases, { ...inherited, ...betweenPhasesEnv({ frontendUrl, runDir }) }, logs),
        ...setupOf(input.setup, { ...inherited, ...input.env, DYNAMO_BENCH_RUN_DIR: runDir }, logs),
        timeouts: input.timeouts,
        stall: {
            seconds: resolveStallSeconds(input.timeouts.stallSeconds, b.phases, input.timeouts.benchmarkSeconds),
            metricsUrl: frontendUrl + frontendMetrics.path,
            metrics: frontendMetrics,
        },
    };
}

function setupOf(spec: SetupSpec | undefined, env: Record<string, string>, logs: string): { setup?: LocalRunPlan["setup"] } {
    const argv = setupArgv(spec);
    return argv && spec ? { setup: { argv, env, logFile: path.join(logs, "setup.log"), timeoutSeconds: spec.timeoutSeconds } } : {};
}

function betweenPhasesOf(spec: BetweenPhasesSpec | undefined, env: Record<string, string>, logs: string): { betweenPhases?: PlannedBetweenPhases } {
    if (!spec || (spec.command === undefined && !spec.healthCheck)) return {};
    const command = spec.command ? { argv: spec.command, env, logFile: path.join(logs, "between-phases.log") } : undefined;
    return { betweenPhases: { ...(command ? { command } : {}), healthCheck: spec.healthCheck, timeoutSeconds: spec.timeoutSeconds } };
}

function validate(input: LocalRunPlanInput, ports: LocalPorts): void {
    const problems: string[] = [];
    if (!input.runId.trim()) problems.push("runId is empty");
    if (!path.isAbsolute(input.runDir)) problems.push(`runDir must be an absolute path, got "${input.runDir}"`);
    if (!input.venv) problems.push("venv is empty");
    if (!input.model.path) problems.push("model.path is empty");
    if (!input.model.servedName) problems.push("model.servedName is empty");
    if (!(input.speedupRatio >= 0)) problems.push(`speedupRatio must be >= 0, got ${input.speedupRatio}`);
    if (!Number.isInteger(input.decode.replicas) || input.decode.replicas < 1)
        problems.push(`decode.replicas must be at least 1, got ${input.decode.replicas}`);
    if (input.mode === "disaggregated") {
        if (!Number.isInteger(input.prefill.replicas) || input.prefill.replicas < 1) {
            problems.push(`prefill.replicas must be at least 1 in disaggregated mode, got ${input.prefill.replicas}`);
        } else if (ports.bootstrap.length !== input.prefill.replicas) {
            problems.push(`expected ${input.prefill.replicas} bootstrap ports (one per prefill replica), got ${ports.bootstrap.length}`);
        }
    }
    const workers = workerNames(input).length;
    if (input.benchmark.serverMetrics && ports.system?.length !== workers) {
        problems.push(`expected ${workers} system ports with server metrics (one per worker process), got ${ports.system?.length ?? 0}`);
    }
    if (input.benchmark.phases.length === 0) problems.push("benchmark.phases is empty");
    const names = new Set<string>();
    for (const [i, phase] of input.benchmark.phases.entries()) {
        if (!PHASE_NAME.test(phase.name)) problems.push(`benchmark.phases[${i}].name "${phase.name}" must be folder-safe (letters, digits, '.', '_', '-')`);
        if (names.has(phase.name)) problems.push(`benchmark.phases[${i}].name "${phase.name}" is used twice`);
        names.add(phase.name);
        for (const key of ["concurrency", "requestCount", "inputTokens", "outputTokens"] as const) {
            const value = phase[key];
            if (key === "concurrency" && value === undefined && phase.requestRate !== undefined) continue;
            if (value === undefined || !Number.isInteger(value) || value < 1)
                problems.push(`benchmark.phases[${i}].${key} must be a positive integer, got ${value}`);
        }
        if (phase.requestRate !== undefined && !(phase.requestRate > 0))
            problems.push(`benchmark.phases[${i}].requestRate must be > 0, got ${phase.requestRate}`);
        if (!Number.isInteger(phase.warmupRequests) || phase.warmupRequests < 0)
            problems.push(`benchmark.phases[${i}].warmupRequests must be >= 0, got ${phase.warmupRequests}`);
    }
    for (const key of ["readySeconds", "benchmarkSeconds", "teardownGraceSeconds"] as const) {
        if (!(input.timeouts[key] > 0)) problems.push(`timeouts.${key} must be > 0, got ${input.timeouts[key]}`);
    }
    if (problems.length > 0) throw new PlanError(`invalid local run plan input:\n  ${problems.join("\n  ")}`);
}

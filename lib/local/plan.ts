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
import { resolveStallSeconds } from "../../config/stall";
import { betweenPhasesEnv } from "../benchmark/between-phases";
import { oneTokenProbe } from "../benchmark/probe";
import { loadArgv } from "../benchmark/load-argv";
import { progressMetrics } from "../dynamo/progress-metrics";
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
    type LaunchContext,
    type LaunchSpec,
    type WorkerRole,
} from "../dynamo";
import { checkPlanInput } from "./plan-input-check";
import {
    PlanError,
    type ExpectedInstances,
    type LocalPorts,
    type LocalRunPlan,
    type LocalRunPlanInput,
    type LocalWorkerInput,
    type PlannedBetweenPhases,
    type PlannedPhase,
    type PlannedProcess,
} from "./plan-types";

export * from "./plan-types";

/** Inherited variables that would change how Dynamo discovers or connects; the plan sets its own. */
const DROPPED_ENV = new RegExp(`^(DYN_|ETCD_|NATS_)|^(HF_HUB_OFFLINE|TRANSFORMERS_OFFLINE|${SECRET_ENV_VARIABLE})$`);
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
    checkPlanInput(input, ports, workerNames(input).length);
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

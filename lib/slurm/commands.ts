// What every process of a Slurm benchmark job runs: argv lists and
// environments, as data. Hostnames are only known inside the job, so values
// may hold the placeholders {node_host}, {leader_host} and {frontend_host};
// the node script replaces them (and nothing else) before it execs.
import * as path from "node:path";
import { betweenPhasesEnv, betweenPhasesGapEnv } from "../benchmark/between-phases";
import { loadArgv } from "../benchmark/load-argv";
import type { BenchmarkSpec, ResolvedPhase } from "../../config/resolve";
import type { Backend } from "../../config/schema";
import {
    argvOf,
    frontendProcess as frontendLaunch,
    launchSpecOf,
    namespaceForRun,
    portBlock,
    releaseFor,
    workerComponent,
    workerProcess as workerLaunchOf,
    type DynamoProcess,
    type GeneratedFile,
    type LaunchContext,
    type PortBlock,
    type WorkerPorts,
} from "../dynamo";
import { workerMetricsUrl } from "../dynamo/ports";
import { lmcacheControllerArgv, lmcacheWorkerPorts } from "../dynamo/lmcache-controller";
import { SLURM_PLACEHOLDERS, slotHost } from "../facts/slurm-placeholders";
import { slurmServerMetrics, slurmWorkerSystemServer } from "../facts/slurm-worker-metrics";
import type { PlanInstance, Role } from "./plan";

/** The words scripts/slurm/node.sh replaces with each node's addresses (one fact, shared with the config rules). */
export const PLACEHOLDERS = SLURM_PLACEHOLDERS;

/** Discovery component the frontend lists in GET /health for a role's workers. */
export function componentFor(spec: BenchmarkSpec, role: Role): string {
    const override = role === "prefill" ? spec.slurm.readiness.prefillComponent : spec.slurm.readiness.decodeComponent;
    if (override) return override;
    // What the launch model's workers register under, for this release, backend and engine.
    const engine = spec.slurm.engine === "mocker" ? "mocker" : "real";
    return workerComponent({ engine, release: releaseFor(spec.platform.version) }, spec.backend, spec.mode === "aggregated" ? "aggregated" : role);
}

export interface ProcessSpec {
    argv: string[];
    env: Record<string, string>;
}

/** Lines in a worker's log that mean it will never serve: extended regexes, per engine. */
export const FATAL_PATTERNS: Record<"common" | "mocker" | Backend, string[]> = {
    common: [
        "error: unrecognized arguments:",
        "[Aa]ddress already in use",
        "panicked at",
        "ModuleNotFoundError: ",
        "Exception: Failed to fetch model",
        "pydantic_core\\._pydantic_core\\.ValidationError",
        "CUDA out of memory",
    ],
    mocker: [],
    vllm: [
        "EngineCore failed to start",
        "EngineDeadError",
        "RuntimeError: Engine core initialization failed",
        "WorkerProc (hit an exception|failed to start)",
        "Unsupported connector type",
        "torch\\.OutOfMemoryError",
    ],
    sglang: ["Scheduler hit an exception", "Received sigquit from a child process"],
    trtllm: ["MPI_ABORT was invoked", "RuntimeError: Executor"],
};

export function fatalPatterns(spec: BenchmarkSpec): string[] {
    const s = spec.slurm;
    const defaults = [...FATAL_PATTERNS.common, ...(s.engine === "mocker" ? FATAL_PATTERNS.mocker : FATAL_PATTERNS[spec.backend])];
    return [...(s.fatalErrorPatterns ?? defaults), ...s.extraFatalErrorPatterns];
}

/** Dynamo namespace of one run: unique per run so nothing registered by another run is ever seen. */
export const namespaceFor = namespaceForRun;

export interface CommandContext {
    spec: BenchmarkSpec;
    runDir: string;
    namespace: string;
    frontendPort: number;
}

function isLocalPath(id: string): boolean {
    return path.isAbsolute(id);
}

/** The launch model on Slurm: hostnames are placeholders the node script fills in, ports come in blocks per worker process. */
export function slurmLaunchContext(ctx: CommandContext): LaunchContext {
    const { spec } = ctx;
    const s = spec.slurm;
    const d = s.discovery;
    return {
        release: releaseFor(spec.platform.version),
        engine: s.engine === "mocker" ? "mocker" : "real",
        python: [s.python],
        programs: s.commands,
        namespace: ctx.namespace,
        planes:
            d.backend === "file"
                ? { discovery: "file", fileDir: path.posix.join(ctx.runDir, "discovery") }
                : { discovery: "etcd", etcdUrl: `http://${PLACEHOLDERS.frontend}:${d.etcdPort}`, natsUrl: `nats://${PLACEHOLDERS.frontend}:${d.natsPort}` },
        advertiseHost: PLACEHOLDERS.node,
        // The LMCache controller runs on the frontend's node (batch.sh starts it before the workers).
        lmcacheControllerHost: PLACEHOLDERS.frontend,
        frontend: { port: ctx.frontendPort },
        speedupRatio: s.mockerSpeedupRatio,
        // Generated files (TensorRT-LLM engine configs) are staged into the run folder with the job files.
        configDir: ctx.runDir,
        env: {
            TERM: "dumb",
            ...(isLocalPath(spec.model.id) ? { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" } : {}),
        },
    };
}

const processSpec = (p: DynamoProcess): ProcessSpec => ({ argv: argvOf(p), env: p.env });

export function frontendProcess(ctx: CommandContext): ProcessSpec {
    return processSpec(frontendLaunch(launchSpecOf(ctx.spec), slurmLaunchContext(ctx)));
}

/** Ports of one worker process, from its ordinal among all worker processes of the job. */
export function workerPorts(spec: BenchmarkSpec, ordinal: number): PortBlock {
    return portBlock(spec.slurm.workerPortBase, ordinal);
}

/** With the LMCache controller: the engine's LMCache worker ports, each rank's from the block of the process (node) that runs it. */
function slurmLmcacheWorkerPorts(spec: BenchmarkSpec, instance: PlanInstance, ordinal: number): number[] | undefined {
    const c = spec.kvCache.lmcache?.controller;
    if (!c) return undefined;
    const ordinals = Array.from({ length: instance.ranks }, (_, k) => ordinal - instance.rank + k);
    return lmcacheWorkerPorts(c.workerPortBase, spec.gpusPerNode, instance.gpuCount, ordinals);
}

/** The LMCache controller's process (kvCache.lmcache.controller) on the frontend's node; none without one. */
export function lmcacheControllerProcess(spec: BenchmarkSpec): ProcessSpec | undefined {
    const c = spec.kvCache.lmcache?.controller;
    return c ? { argv: lmcacheControllerArgv(c), env: { ...spec.env } } : undefined;
}

/** The launch model's process for one planned instance; `ordinal` is its index among the job's worker processes. */
export function workerLaunch(ctx: CommandContext, instance: PlanInstance, ordinal: number): DynamoProcess {
    const { spec } = ctx;
    const role = spec.mode === "aggregated" ? "aggregated" : instance.role;
    // Ranks of one worker are consecutive in the plan: rank 0 listens for the others on its own block.
    const leaderPorts = workerPorts(spec, ordinal - instance.rank);
    const own = workerPorts(spec, ordinal);
    const ports: WorkerPorts = {
        ...own,
        system: slurmWorkerSystemServer(spec) ? own.system : undefined,
        distInit: leaderPorts.distInit,
        lmcacheWorkers: slurmLmcacheWorkerPorts(spec, instance, ordinal),
    };
    return workerLaunchOf(launchSpecOf(spec), slurmLaunchContext(ctx), role, {
        ports,
        rank: instance.rank,
        ranks: instance.ranks,
        leaderHost: PLACEHOLDERS.leader,
    });
}

/** Every file the job's workers read at start-up, once each (replicas of a role share theirs). */
export function workerFiles(ctx: CommandContext, instances: readonly PlanInstance[]): GeneratedFile[] {
    const byName = new Map<string, GeneratedFile>();
    instances.forEach((instance, i) => workerLaunch(ctx, instance, i).files.forEach((f) => byName.set(f.name, f)));
    return [...byName.values()];
}

export function workerProcess(ctx: CommandContext, instance: PlanInstance, ordinal: number): ProcessSpec {
    return processSpec(workerLaunch(ctx, instance, ordinal));
}

/**
 * With server metrics: every worker's /metrics, on its leader's node (the
 * slot's placeholder) and system port, for AIPerf to scrape next to the frontend's.
 */
export function workerMetricsUrls(spec: BenchmarkSpec, instances: readonly PlanInstance[]): string[] {
    if (!slurmServerMetrics(spec)) return [];
    return instances.flatMap((instance, ordinal) =>
        instance.rank === 0 ? [workerMetricsUrl(slotHost(instance.slot), workerPorts(spec, ordinal).system)] : [],
    );
}

/**
 * The benchmark client of one phase; it runs on the frontend's node. With server metrics AIPerf also
 * scrapes `instances` (the plan's workers) and `extraMetricsUrls` (each node's DCGM exporter).
 */
export function phaseProcess(
    ctx: CommandContext,
    phase: ResolvedPhase,
    artifactDir: string,
    instances: readonly PlanInstance[] = [],
    extraMetricsUrls: readonly string[] = [],
): ProcessSpec {
    const { spec } = ctx;
    const b = spec.benchmark;
    const url = `http://${PLACEHOLDERS.frontend}:${ctx.frontendPort}`;
    // AIPerf 0.13 looks a local tokenizer folder up on the hub when HF_HUB_OFFLINE is set, so it is left unset here.
    const env = { PYTHONUNBUFFERED: "1", NO_COLOR: "1", TERM: "dumb", HF_HUB_DISABLE_TELEMETRY: "1", ...spec.env };
    const mocker = spec.slurm.engine === "mocker";
    const argv = loadArgv({
        tool: b.tool,
        ...(spec.slurm.commands.benchmark ? { program: spec.slurm.commands.benchmark } : {}),
        servedModelName: spec.servedModelName,
        url,
        endpointType: b.endpointType,
        phase,
        tokenizer: spec.model.id,
        artifactDir,
        requestTimeoutSeconds: spec.timeouts.benchmarkSeconds,
        // The mocker emits random token ids: count from the server's usage, and there is no GPU to watch.
        useServerTokenCount: mocker,
        gpuTelemetry: !mocker,
        serverMetrics: slurmServerMetrics(spec),
        serverMetricsUrls: slurmServerMetrics(spec) ? [...workerMetricsUrls(spec, instances), ...extraMetricsUrls] : [],
    });
    return { argv, env };
}

/**
 * benchmark.betweenPhases.command after each phase but the last (gap i follows
 * phase i), on the frontend's node like the benchmark client, with the
 * variables every target gives it (lib/benchmark/between-phases.ts).
 */
export function betweenPhasesProcesses(ctx: CommandContext): ProcessSpec[] {
    const { spec } = ctx;
    const command = spec.benchmark.betweenPhases.command;
    if (!command) return [];
    const place = betweenPhasesEnv({ frontendUrl: `http://${PLACEHOLDERS.frontend}:${ctx.frontendPort}`, runDir: ctx.runDir });
    return spec.phases.slice(0, -1).map((phase, i) => ({
        argv: command,
        env: { ...spec.env, ...place, ...betweenPhasesGapEnv(phase.name, spec.phases[i + 1]!.name) },
    }));
}

/** etcd and NATS on the frontend's node, for discovery.backend etcd. */
export function serviceProcesses(ctx: CommandContext): { etcd: ProcessSpec; nats: ProcessSpec } {
    const d = ctx.spec.slurm.discovery;
    return {
        etcd: {
            argv: [
                ...d.etcdCommand,
                "--name",
                "dynamo-bench",
                "--data-dir",
                path.posix.join(ctx.runDir, "etcd"),
                "--listen-client-urls",
                `http://0.0.0.0:${d.etcdPort}`,
                "--advertise-client-urls",
                `http://${PLACEHOLDERS.node}:${d.etcdPort}`,
                "--listen-peer-urls",
                `http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
                "--initial-advertise-peer-urls",
                `http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
                "--initial-cluster",
                `dynamo-bench=http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
            ],
            env: {},
        },
        nats: { argv: [...d.natsCommand, "-p", String(d.natsPort), "-sd", path.posix.join(ctx.runDir, "nats")], env: {} },
    };
}

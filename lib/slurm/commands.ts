// What every process of a Slurm benchmark job runs: argv lists and
// environments, as data. Hostnames are only known inside the job, so values
// may hold the placeholders {node_host}, {leader_host} and {frontend_host};
// the node script replaces them (and nothing else) before it execs.
import * as path from "node:path";
import { loadArgv } from "../benchmark/load-argv";
import type { BenchmarkSpec, ResolvedPhase, ResolvedWorker } from "../../config/resolve";
import type { Backend } from "../../config/schema";
import { workerCommand } from "../kubernetes/graph";
import { flag, mergeArgs } from "../dynamo/argv";
import type { PlanInstance, Role } from "./plan";

export const PLACEHOLDERS = { node: "{node_host}", leader: "{leader_host}", frontend: "{frontend_host}" } as const;

/** Each worker gets a block of ports from workerPortBase: +0 bootstrap, +1 system server, +2 KV events, +16.. NIXL side channel. */
export const PORT_BLOCK = 32;
export const PORT_OFFSETS = { bootstrap: 0, system: 1, kvEvents: 2, nixl: 16 } as const;

/** Discovery component the frontend lists in GET /health for a role's workers. */
export function componentFor(spec: BenchmarkSpec, role: Role): string {
    return role === "prefill" ? spec.slurm.readiness.prefillComponent : spec.slurm.readiness.decodeComponent;
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
export function namespaceFor(runId: string): string {
    return `dbench-${runId.toLowerCase().replace(/[^a-z0-9_-]+/g, "-")}`.slice(0, 63);
}

export interface CommandContext {
    spec: BenchmarkSpec;
    runDir: string;
    namespace: string;
    frontendPort: number;
}

function isLocalPath(id: string): boolean {
    return path.isAbsolute(id);
}

/** Environment every Dynamo process shares: discovery, planes, advertised addresses. */
export function dynamoEnv(ctx: CommandContext): Record<string, string> {
    const s = ctx.spec.slurm;
    const discovery: Record<string, string> =
        s.discovery.backend === "file"
            ? { DYN_DISCOVERY_BACKEND: "file", DYN_FILE_KV: path.posix.join(ctx.runDir, "discovery"), DYN_EVENT_PLANE: "zmq" }
            : {
                  DYN_DISCOVERY_BACKEND: "etcd",
                  ETCD_ENDPOINTS: `http://${PLACEHOLDERS.frontend}:${s.discovery.etcdPort}`,
                  NATS_SERVER: `nats://${PLACEHOLDERS.frontend}:${s.discovery.natsPort}`,
                  DYN_EVENT_PLANE: "nats",
              };
    return {
        DYN_NAMESPACE: ctx.namespace,
        ...discovery,
        DYN_REQUEST_PLANE: "tcp",
        // What a process advertises to the others: its node's address, not a guess.
        DYN_TCP_RPC_HOST: PLACEHOLDERS.node,
        DYN_TCP_RESPONSE_STREAM_HOST: PLACEHOLDERS.node,
        DYN_EVENT_PLANE_HOST: PLACEHOLDERS.node,
        PYTHONUNBUFFERED: "1",
        NO_COLOR: "1",
        DYN_SDK_DISABLE_ANSI_LOGGING: "1",
        TERM: "dumb",
        TQDM_DISABLE: "1",
        HF_HUB_DISABLE_TELEMETRY: "1",
        ...(isLocalPath(ctx.spec.model.id) ? { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" } : {}),
    };
}

export function frontendProcess(ctx: CommandContext): ProcessSpec {
    const { spec } = ctx;
    const program = spec.slurm.commands.frontend ?? [spec.slurm.python, "-m", "dynamo.frontend"];
    const generated = [
        flag("--http-port", ctx.frontendPort),
        flag("--namespace", ctx.namespace),
        flag("--router-mode", spec.frontend.routerMode),
        flag("--discovery-backend", spec.slurm.discovery.backend),
        flag("--request-plane", "tcp"),
        flag("--event-plane", spec.slurm.discovery.backend === "file" ? "zmq" : "nats"),
    ];
    return { argv: [...program, ...mergeArgs(generated, spec.frontend.extraArgs)], env: { ...dynamoEnv(ctx), ...spec.env, ...spec.frontend.env } };
}

/** Ports of one worker process, from its ordinal among all worker processes of the job. */
export function workerPorts(spec: BenchmarkSpec, ordinal: number) {
    const base = spec.slurm.workerPortBase + ordinal * PORT_BLOCK;
    return { bootstrap: base + PORT_OFFSETS.bootstrap, system: base + PORT_OFFSETS.system, kvEvents: base + PORT_OFFSETS.kvEvents, nixl: base + PORT_OFFSETS.nixl };
}

export function workerProcess(ctx: CommandContext, instance: PlanInstance, ordinal: number): ProcessSpec {
    const { spec } = ctx;
    const s = spec.slurm;
    const worker = (instance.role === "prefill" ? spec.prefill : spec.decode) as ResolvedWorker;
    const ports = workerPorts(spec, ordinal);
    const aggregated = spec.mode === "aggregated";
    const env: Record<string, string> = { ...dynamoEnv(ctx) };
    if (s.workerSystemServer) {
        env.DYN_SYSTEM_PORT = String(ports.system);
        env.DYN_SYSTEM_ENABLED = "true";
    }
    let argv: string[];
    if (s.engine === "mocker") {
        const mode = aggregated ? "agg" : instance.role;
        // Prefill workers listen on their bootstrap port; decode workers learn it through discovery.
        const bootstrap = instance.role === "prefill" && !aggregated ? [flag("--bootstrap-ports", ports.bootstrap)] : [];
        const program = (instance.role === "prefill" ? s.commands.prefill : s.commands.decode) ?? [s.python, "-m", "dynamo.mocker"];
        argv = [
            ...program,
            ...mergeArgs(
                [
                    flag("--model-path", spec.model.id),
                    flag("--model-name", spec.servedModelName),
                    flag("--endpoint", `dyn://${ctx.namespace}.${componentFor(spec, instance.role)}.generate`),
                    flag("--disaggregation-mode", mode),
                    ...bootstrap,
                    flag("--engine-type", spec.backend === "sglang" ? "sglang" : "vllm"),
                    flag("--speedup-ratio", s.mockerSpeedupRatio),
                    ...(worker.dataParallel > 1 ? [flag("--data-parallel-size", worker.dataParallel)] : []),
                    flag("--discovery-backend", s.discovery.backend),
                    flag("--request-plane", "tcp"),
                    flag("--event-plane", s.discovery.backend === "file" ? "zmq" : "nats"),
                ],
                worker.extraArgs,
            ),
        ];
    } else {
        const role = aggregated ? "aggregated" : instance.role;
        const generated = workerCommand(spec, role, worker);
        let args = generated.args;
        if (spec.backend === "sglang") args = replaceFlagValue(args, "--disaggregation-bootstrap-port", "12345", String(ports.bootstrap));
        if (instance.ranks > 1) args = [...args, ...multinodeArgs(spec.backend, instance, ports.bootstrap, args)];
        const program = (instance.role === "prefill" ? s.commands.prefill : s.commands.decode) ?? [s.python, ...generated.command.slice(1)];
        argv = [...program, ...args];
        if (spec.backend === "vllm") {
            env.VLLM_NIXL_SIDE_CHANNEL_HOST = PLACEHOLDERS.node;
            env.VLLM_NIXL_SIDE_CHANNEL_PORT = String(ports.nixl);
            env.DYN_VLLM_KV_EVENT_PORT = String(ports.kvEvents);
        }
    }
    return { argv, env: { ...env, ...spec.env, ...worker.env } };
}

function replaceFlagValue(args: string[], name: string, from: string, to: string): string[] {
    const i = args.indexOf(name);
    if (i < 0 || args[i + 1] !== from) return args;
    return [...args.slice(0, i + 1), to, ...args.slice(i + 2)];
}

/**
 * Rank arguments of a worker that spans nodes, unless the user's extra
 * arguments already give them: SGLang takes them on its command line; for
 * vLLM and TensorRT-LLM the node script exports DYNAMO_BENCH_NODE_RANK,
 * DYNAMO_BENCH_NNODES and DYNAMO_BENCH_LEADER_HOST for a custom command.
 */
function multinodeArgs(backend: Backend, instance: PlanInstance, port: number, args: readonly string[]): string[] {
    if (backend !== "sglang" || args.includes("--dist-init-addr")) return [];
    return ["--dist-init-addr", `${PLACEHOLDERS.leader}:${port + 3}`, "--nnodes", String(instance.ranks), "--node-rank", String(instance.rank)];
}

/** The benchmark client of one phase; it runs on the frontend's node. */
export function phaseProcess(ctx: CommandContext, phase: ResolvedPhase, artifactDir: string): ProcessSpec {
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
        streaming: b.streaming,
        phase,
        tokenizer: spec.model.id,
        artifactDir,
        requestTimeoutSeconds: spec.timeouts.benchmarkSeconds,
        // The mocker emits random token ids: count from the server's usage, and there is no GPU to watch.
        useServerTokenCount: mocker,
        gpuTelemetry: !mocker,
    });
    return { argv, env };
}

/** etcd and NATS on the frontend's node, for discovery.backend etcd. */
export function serviceProcesses(ctx: CommandContext): { etcd: ProcessSpec; nats: ProcessSpec } {
    const d = ctx.spec.slurm.discovery;
    return {
        etcd: {
            argv: [
                ...d.etcdCommand,
                "--name", "dynamo-bench",
                "--data-dir", path.posix.join(ctx.runDir, "etcd"),
                "--listen-client-urls", `http://0.0.0.0:${d.etcdPort}`,
                "--advertise-client-urls", `http://${PLACEHOLDERS.node}:${d.etcdPort}`,
                "--listen-peer-urls", `http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
                "--initial-advertise-peer-urls", `http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
                "--initial-cluster", `dynamo-bench=http://${PLACEHOLDERS.node}:${d.etcdPort + 1}`,
            ],
            env: {},
        },
        nats: { argv: [...d.natsCommand, "-p", String(d.natsPort), "-sd", path.posix.join(ctx.runDir, "nats")], env: {} },
    };
}

// The one launch model: every Dynamo process of a benchmark graph (frontend,
// prefill, decode or aggregated workers, or the mocker standing in for them),
// as program, arguments, environment, GPUs and generated files. Kubernetes maps
// these onto DGD services, Slurm onto node steps, local onto processes; no
// target builds a Dynamo command line of its own.
import { flag, mergeArgs, type Flag } from "../argv";
import type { KvCacheSpec } from "../../config/kv-cache";
import type { WideEpSpec } from "../../config/wide-ep";
import { dynamoEnv } from "./env";
import type { Backend, DynamoProcess, LaunchContext, WorkerInstance, WorkerRole } from "./types";
import { workerComponent, type WorkerInput, type WorkerLaunch } from "./workers/common";
import { mockerWorker } from "./workers/mocker";
import { sglangWorker } from "./workers/sglang";
import { trtllmWorker } from "./workers/trtllm";
import { vllmWorker } from "./workers/vllm";

/** The frontend's health route: it lists every registered worker instance. */
export const FRONTEND_HEALTH_PATH = "/health";
/** The endpoint every worker serves requests on. */
export const WORKER_ENDPOINT = "generate";

export interface LaunchWorker {
    replicas: number;
    nodesPerWorker: number;
    tensorParallel: number;
    pipelineParallel: number;
    dataParallel: number;
    /** One argv element each; a flag given here replaces the generated one (under any alias). */
    extraArgs: string[];
    env: Record<string, string>;
    /** SGLang wide expert parallelism with data-parallel attention. */
    wideEp?: WideEpSpec;
}

/** The parts of a benchmark that decide its processes, whatever the target. */
export interface LaunchSpec {
    backend: Backend;
    /** Model folder or HuggingFace id, as the processes see it. */
    model: string;
    servedName: string;
    frontend: { routerMode: string; replicas: number; extraArgs: string[]; env: Record<string, string> };
    /** Absent in aggregated mode. */
    prefill?: LaunchWorker;
    decode: LaunchWorker;
    /** Environment for every Dynamo process. */
    env: Record<string, string>;
    /** KV-cache connector; unset: NIXL between prefill and decode. */
    kvCache?: KvCacheSpec;
}

/** The role a worker set plays: decode workers serve prefill too when there is no prefill set. */
export function decodeRole(spec: Pick<LaunchSpec, "prefill">): WorkerRole {
    return spec.prefill ? "decode" : "aggregated";
}

export function frontendProcess(spec: LaunchSpec, ctx: LaunchContext): DynamoProcess {
    const f = spec.frontend;
    const syncFlag = ctx.release.frontend.routerReplicaSyncFlag;
    const generated: Flag[] = [
        flag("--http-port", ctx.frontend.port),
        ...(ctx.frontend.host ? [flag("--http-host", ctx.frontend.host)] : []),
        flag("--router-mode", f.routerMode),
        // Several KV routers keep one view of the workers' caches only when they sync.
        ...(f.routerMode === "kv" && f.replicas > 1 && syncFlag ? [flag(syncFlag)] : []),
    ];
    return {
        role: "frontend",
        module: "dynamo.frontend",
        program: ctx.programs?.frontend ?? [...ctx.python, "-m", "dynamo.frontend"],
        args: mergeArgs(generated, f.extraArgs),
        env: { ...dynamoEnv(ctx), ...spec.env, ...f.env },
        launchEnv: {},
        gpus: 0,
        readiness: { kind: "http", port: ctx.frontend.port, path: FRONTEND_HEALTH_PATH },
        files: [],
    };
}

/** GPUs of one worker process on its node. */
export function gpusPerProcess(worker: LaunchWorker): number {
    return (worker.tensorParallel * worker.pipelineParallel * worker.dataParallel) / worker.nodesPerWorker;
}

export function workerProcess(spec: LaunchSpec, ctx: LaunchContext, role: WorkerRole, instance: WorkerInstance): DynamoProcess {
    const worker = role === "prefill" ? spec.prefill : spec.decode;
    if (!worker) throw new Error("a prefill worker was asked for in aggregated mode");
    const input: WorkerInput = { ctx, role, model: spec.model, servedName: spec.servedName, shape: worker, instance, kvCache: spec.kvCache };
    const launch = backendWorker(spec.backend, ctx, input);
    const module = ctx.engine === "mocker" ? "dynamo.mocker" : `dynamo.${spec.backend}`;
    const system = instance.ports.system;
    const component = workerComponent(ctx, spec.backend, role);
    return {
        role,
        module,
        program: ctx.programs?.[role === "prefill" ? "prefill" : "decode"] ?? [...ctx.python, "-m", module],
        args: mergeArgs(launch.flags, worker.extraArgs),
        env: {
            ...dynamoEnv(ctx),
            // The system server (health and metrics) on the worker's own port, where several share a node.
            ...(system !== undefined ? { DYN_SYSTEM_ENABLED: "true", DYN_SYSTEM_PORT: String(system) } : {}),
            ...launch.env,
            ...spec.env,
            ...worker.env,
        },
        launchEnv: launch.env,
        gpus: ctx.engine === "mocker" ? 0 : gpusPerProcess(worker),
        component,
        readiness: { kind: "listed-by-frontend", component, endpoint: WORKER_ENDPOINT },
        files: launch.files,
    };
}

function backendWorker(backend: Backend, ctx: LaunchContext, input: WorkerInput): WorkerLaunch {
    if (ctx.engine === "mocker") {
        if (backend === "trtllm") throw new Error("the mocker has no TensorRT-LLM scheduler model");
        return mockerWorker(input, backend);
    }
    switch (backend) {
        case "vllm":
            return vllmWorker(input);
        case "sglang":
            return sglangWorker(input);
        case "trtllm":
            return trtllmWorker(input);
    }
}

/** Program and arguments as one argv. */
export const argvOf = (p: Pick<DynamoProcess, "program" | "args">): string[] => [...p.program, ...p.args];

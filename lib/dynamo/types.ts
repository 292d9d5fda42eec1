// The launch model's vocabulary: what a target tells it (LaunchContext) and
// what it hands back (DynamoProcess). Targets differ only in the context.
import type { Backend } from "../../config/schema";
import type { DynamoRelease } from "./releases";
import type { MockerSpec } from "../../config/mocker";

export type WorkerRole = "prefill" | "decode" | "aggregated";
export type ProcessRole = "frontend" | WorkerRole;

/** Real engines on GPUs, or Dynamo's GPU-free mocker imitating the backend's scheduler. */
export type Engine = "real" | "mocker";

/** How processes find each other; undefined where the Dynamo operator decides (Kubernetes). */
export interface Planes {
    discovery: "file" | "etcd";
    /** Folder of file discovery, shared by every process. */
    fileDir?: string;
    /** etcd and NATS URLs for etcd discovery. */
    etcdUrl?: string;
    natsUrl?: string;
}

/** What differs between targets; everything else follows from the spec and the release. */
export interface LaunchContext {
    release: DynamoRelease;
    engine: Engine;
    /** argv that runs a Python module: ["python3"] in the runtime images, [<venv>/bin/python] locally. */
    python: string[];
    /** Per-role programs replacing `<python> -m dynamo.<module>` (Slurm `commands`). */
    programs?: Partial<Record<"frontend" | "prefill" | "decode", string[]>>;
    /** Dynamo namespace; undefined where the operator sets it. */
    namespace?: string;
    planes?: Planes;
    /** Address each process advertises to the others; undefined: the pod's own. */
    advertiseHost?: string;
    frontend: { port: number; host?: string };
    /** Mocker --speedup-ratio. */
    speedupRatio: number;
    /** The mocker's engine knobs (block size, KV capacity, prefix caching, transfer bandwidth, sequences per role); unset: its defaults. */
    mocker?: MockerSpec;
    /** Folder the worker's generated files (engine configs) are found in at run time. */
    configDir: string;
    /** Address the LMCache workers reach the LMCache controller at (kvCache.lmcache.controller): the frontend's node, or its Service. */
    lmcacheControllerHost?: string;
    /** Environment for every Dynamo process that the target adds (HF_HOME, offline switches, ...). */
    env?: Record<string, string>;
}

/** Ports of one worker process; a target allocates them (a block per process on a shared node). */
export interface WorkerPorts {
    bootstrap: number;
    system?: number;
    kvEvents?: number;
    nixl?: number;
    /** Rank 0's port for multinode start-up (SGLang --dist-init-addr). */
    distInit?: number;
    /** KVBM leader's publish and acknowledge ports and its metrics port (kvCache.connector kvbm). */
    kvbm?: { pub: number; ack: number; metrics: number };
    /** LMCache worker ports of the whole engine, by rank (lmcache_worker_ports; kvCache.lmcache.controller). */
    lmcacheWorkers?: number[];
}

/** One process of one worker: a worker spanning N nodes has N ranks. */
export interface WorkerInstance {
    ports: WorkerPorts;
    rank: number;
    ranks: number;
    /** Address of rank 0, for multinode start-up. */
    leaderHost?: string;
}

/** A file a worker reads at start-up (an engine config), written by the target into `configDir`. */
export interface GeneratedFile {
    name: string;
    content: string;
}

/**
 * How a process is known to serve: the frontend answers HTTP on its port; a
 * worker is ready once the frontend lists it under its component in GET /health
 * (then a one-token request through the frontend proves the whole path).
 */
export type Readiness = { kind: "http"; port: number; path: string } | { kind: "listed-by-frontend"; component: string; endpoint: string };

export interface DynamoProcess {
    role: ProcessRole;
    /** Module the argv runs (dynamo.frontend, dynamo.vllm, dynamo.mocker, ...): what judges its flags. */
    module: string;
    /** Program (python -m <module>, or a user's command) followed by the arguments. */
    program: string[];
    args: string[];
    env: Record<string, string>;
    /**
     * The part of `env` the backend's own launch adds (connector settings and ports,
     * side channels): what a target that sets planes and namespace itself (Kubernetes)
     * still has to pass on, next to the user's env.
     */
    launchEnv: Record<string, string>;
    /** GPUs of this process on its node. */
    gpus: number;
    /** Discovery component workers of this role register under (frontend: none). */
    component?: string;
    readiness: Readiness;
    files: GeneratedFile[];
}

export type { Backend };

// The environment variable names the launch model sets on a Dynamo process, on
// any target: read off the launch model itself (every backend, both discovery
// planes, every per-worker port), so a variable added there is known here with
// no second list. The config rules use it to refuse a secretEnv entry that a
// process would get twice (config/rules/secret-env.ts).
import { frontendProcess, workerProcess, type LaunchSpec } from "./launch";
import { DEFAULT_DYNAMO_VERSION, releaseFor } from "./releases";
import type { Backend, LaunchContext, Planes, WorkerRole } from "./types";
import type { KvCacheSpec } from "../../config/kv-cache";

/** Prefixes of the variables Dynamo reads as its own settings (DYN_) and those the targets' scripts set (DYNAMO_BENCH_). */
export const LAUNCH_ENV_PREFIXES: readonly string[] = ["DYN_", "DYNAMO_BENCH_"];

const BACKENDS: readonly Backend[] = ["vllm", "sglang", "trtllm"];
const PLANES: readonly Planes[] = [
    { discovery: "file", fileDir: "/d" },
    { discovery: "etcd", etcdUrl: "http://h:1", natsUrl: "nats://h:2" },
];

/** Every connector with every setting that adds a variable (LMCACHE_CONFIG_FILE, DYN_KVBM_*). */
const KV_CACHES: readonly (KvCacheSpec | undefined)[] = [
    undefined,
    { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } },
    { connector: "kvbm", kvbm: { cpuCacheGb: 1, diskCacheGb: 1, diskCacheDir: "/k", diskOffloadFilter: false, metrics: true } },
    { connector: "hicache", hicache: { storageBackendExtraConfig: {} } },
];

let cached: ReadonlySet<string> | undefined;

/** Every name any launch of the frontend or a worker sets (the user's own env maps left out). */
export function launchEnvNames(): ReadonlySet<string> {
    if (cached) return cached;
    const names = new Set<string>();
    const worker = { replicas: 1, nodesPerWorker: 1, tensorParallel: 1, pipelineParallel: 1, dataParallel: 1, extraArgs: [], env: {} };
    for (const [backend, kvCache] of BACKENDS.flatMap((b) => KV_CACHES.map((kv) => [b, kv] as const))) {
        const spec: LaunchSpec = {
            backend,
            model: "m",
            servedName: "m",
            frontend: { routerMode: "round-robin", replicas: 1, extraArgs: [], env: {} },
            prefill: worker,
            decode: worker,
            env: {},
            ...(kvCache ? { kvCache } : {}),
        };
        for (const planes of PLANES) {
            const ctx: LaunchContext = {
                release: releaseFor(DEFAULT_DYNAMO_VERSION),
                engine: "real",
                python: ["python3"],
                namespace: "n",
                planes,
                advertiseHost: "h",
                frontend: { port: 1 },
                speedupRatio: 1,
                configDir: "/c",
            };
            const instance = { ports: { bootstrap: 1, system: 2, kvEvents: 3, nixl: 4, distInit: 5, kvbm: { pub: 6, ack: 7, metrics: 8 } }, rank: 0, ranks: 1 };
            const roles: WorkerRole[] = ["prefill", "decode", "aggregated"];
            const processes = [
                frontendProcess(spec, ctx),
                ...roles.map((role) => workerProcess(role === "aggregated" ? { ...spec, prefill: undefined } : spec, ctx, role, instance)),
            ];
            for (const p of processes) for (const name of Object.keys(p.env)) names.add(name);
        }
    }
    cached = names;
    return names;
}

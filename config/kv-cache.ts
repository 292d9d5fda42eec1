// KV-cache connectors (`kvCache`): how workers move and keep KV blocks beyond
// their GPU. `nixl` is the default transfer between prefill and decode; the
// others add a cache tier on the workers that compute prefill (prefill workers
// when disaggregated, every worker when aggregated), as Dynamo's examples of
// 1.6.1 place them. Which backend takes which connector is a rule
// (config/rules/kv-cache.ts); the flags, env and files come from the launch
// model (lib/dynamo/workers/kv-cache.ts).
import { z } from "zod";

export const kvConnectors = ["nixl", "lmcache", "kvbm", "hicache"] as const;
export type KvConnector = (typeof kvConnectors)[number];

/** Connectors each backend's worker takes in the supported releases (read from the 1.6.1 wheels). */
export const CONNECTORS_BY_BACKEND: Record<"vllm" | "sglang" | "trtllm", readonly KvConnector[]> = {
    // dynamo.vllm: --kv-transfer-config names NixlConnector, LMCacheConnectorV1, DynamoConnector (KVBM) or PdConnector of two.
    vllm: ["nixl", "lmcache", "kvbm"],
    // dynamo.sglang: NIXL transfer plus SGLang's own hierarchical cache (--enable-hierarchical-cache).
    sglang: ["nixl", "hicache"],
    // dynamo.trtllm: the cache transceiver of its engine config.
    trtllm: ["nixl"],
};

const absolutePath = z.string().regex(/^\/[^\0]*$/, "expected an absolute path");

const port = z.number().int().min(1).max(65535);

/**
 * LMCache's cache controller (the `lmcache_controller` console script of the lmcache
 * wheel, lmcache.v1.api_server; flags read from lmcache 0.3.9.post2, 0.3.10, 0.4.2
 * and 0.5.6, lib/dynamo/lmcache-controller.ts): one per benchmark, next to
 * the frontend. dynamo-bench starts it with `--host 0.0.0.0 --port <port> --monitor-ports
 * {"pull": <pullPort>, "reply": <replyPort>}` and names it to every LMCache worker
 * (lib/dynamo/lmcache-controller.ts).
 */
export const lmcacheControllerSchema = z.strictObject({
    /** The controller's HTTP API (--port; LMCache's default 9000). */
    port: port.default(9000),
    /** Where the workers push their messages (--monitor-ports pull; LMCache's --monitor-port default 9001). */
    pullPort: port.default(9001),
    /** Where the workers send requests and get replies (--monitor-ports reply; LMCache has no default, this is the next port). */
    replyPort: port.default(9002),
    /**
     * First port of the LMCache workers (lmcache_worker_ports): every rank of an LMCache
     * worker binds one on its node, where the controller reaches it. Each worker process
     * gets gpusPerNode ports from here (Slurm, in plan order; Kubernetes: every pod from here).
     */
    workerPortBase: port.default(15000),
    /** The program, as argv; the lmcache wheel's console script by default. */
    command: z.array(z.string().min(1)).min(1).default(["lmcache_controller"]),
    /** More arguments after the generated ones (LMCache 0.3.10+: --health-check-interval, --lmcache-worker-timeout). */
    extraArgs: z.array(z.string()).default([]),
    /** Bound on its start: its HTTP port must accept connections within it before the workers start (Slurm). */
    startupTimeoutSeconds: z.number().int().positive().default(120),
});

export const lmcacheSchema = z.strictObject({
    /**
     * LMCache's configuration (chunk_size, local_cpu, max_local_cpu_size, ...), written
     * verbatim as YAML next to the worker and named by LMCACHE_CONFIG_FILE. Empty: no
     * file, LMCache's defaults and LMCACHE_* variables from `env`.
     */
    config: z.record(z.string(), z.unknown()).default({}),
    /**
     * Start LMCache's controller and point every LMCache worker at it (enable_controller,
     * controller_pull_url, controller_reply_url, lmcache_worker_ports, set by dynamo-bench).
     */
    controller: lmcacheControllerSchema.optional(),
});

export const kvbmSchema = z.strictObject({
    /** Host (pinned CPU) tier per worker, GB (DYN_KVBM_CPU_CACHE_GB). */
    cpuCacheGb: z.number().positive().optional(),
    /** Disk tier per worker, GB (DYN_KVBM_DISK_CACHE_GB); with no CPU tier KVBM offloads GPU to disk directly. */
    diskCacheGb: z.number().positive().optional(),
    /** Folder of the disk tier on the worker's node (DYN_KVBM_DISK_CACHE_DIR); KVBM's default is /tmp. */
    diskCacheDir: absolutePath.optional(),
    /** false writes every offloaded block to disk (DYN_KVBM_DISABLE_DISK_OFFLOAD_FILTER); KVBM's default keeps a frequency filter to spare SSDs. */
    diskOffloadFilter: z.boolean().optional(),
    /** KVBM's Prometheus metrics on the worker's own KVBM metrics port (DYN_KVBM_METRICS, DYN_KVBM_METRICS_PORT). */
    metrics: z.boolean().default(false),
});

export const hicacheSchema = z.strictObject({
    /** Host pool size as a multiple of the GPU pool (--hicache-ratio). */
    ratio: z.number().positive().optional(),
    /** Host pool size in GB; overrides ratio (--hicache-size). */
    sizeGb: z.number().int().min(1).optional(),
    writePolicy: z.enum(["write_back", "write_through", "write_through_selective"]).optional(),
    /** Third tier behind host memory (--hicache-storage-backend). */
    storageBackend: z.enum(["file", "mooncake", "hf3fs", "nixl", "aibrix", "eic", "simm", "mori", "shm", "tensorcast"]).optional(),
    /** The storage backend's own settings, written as a JSON file and passed as --hicache-storage-backend-extra-config @<file>. */
    storageBackendExtraConfig: z.record(z.string(), z.unknown()).optional(),
});

export const kvCacheSchema = z.strictObject({
    connector: z.enum(kvConnectors).default("nixl"),
    lmcache: lmcacheSchema.optional(),
    kvbm: kvbmSchema.optional(),
    hicache: hicacheSchema.optional(),
});

export type KvCacheSpec = z.output<typeof kvCacheSchema>;
export type LmcacheControllerSpec = z.output<typeof lmcacheControllerSchema>;
export type KvbmSpec = z.output<typeof kvbmSchema>;
export type HicacheSpec = z.output<typeof hicacheSchema>;

// KV-cache connectors as flags, environment and files of one worker
// (config/kv-cache.ts). The cache tier (LMCache, KVBM, SGLang HiCache) goes on
// the workers that compute prefill: prefill workers when disaggregated, every
// worker when aggregated; a disaggregated prefill worker pairs it with NIXL
// for the transfer to decode. What each connector needs was read from the
// 1.6.1 wheels: dynamo.vllm's own --connector migration table
// (_connector_to_kv_transfer_json: the JSON of every connector and of a pair),
// the kvbm 1.6.1 wheel (DYN_KVBM_* variables), SGLang 0.5.21's ServerArgs.
import * as path from "node:path";
import { stringify } from "yaml";
import { flag, type Flag } from "../../argv";
import type { HicacheSpec, KvCacheSpec, KvbmSpec } from "../../../config/kv-cache";
import type { GeneratedFile, WorkerPorts, WorkerRole } from "../types";
import { lmcacheWorkerControllerEnv, lmcacheWorkerPortsOf } from "../lmcache-controller";

export interface ConnectorLaunch {
    flags: Flag[];
    env: Record<string, string>;
    files: GeneratedFile[];
}

const NONE: ConnectorLaunch = { flags: [], env: {}, files: [] };

const NIXL = { kv_connector: "NixlConnector", kv_role: "kv_both" };
const LMCACHE = { kv_connector: "LMCacheConnectorV1", kv_role: "kv_both" };
const KVBM = { kv_connector: "DynamoConnector", kv_connector_module_path: "kvbm.vllm_integration.connector", kv_role: "kv_both" };

/** The KV-event consolidator of a KVBM worker binds its leader's publish port + 1000 (kvbm 1.6.1 consolidator_config.py). */
export const KVBM_CONSOLIDATOR_PORT_OFFSET = 1000;

/** Whether this role carries the cache tier: the workers that compute prefill. */
export function carriesCacheTier(role: WorkerRole): boolean {
    return role !== "decode";
}

/** vLLM's --kv-transfer-config of one role, or undefined where the worker needs none. */
export function vllmKvTransferConfig(kvCache: KvCacheSpec | undefined, role: WorkerRole): Record<string, unknown> | undefined {
    const connector = kvCache?.connector ?? "nixl";
    const tier = connector === "lmcache" ? LMCACHE : connector === "kvbm" ? KVBM : undefined;
    if (role === "decode") return NIXL;
    if (role === "aggregated") return tier;
    // A prefill worker offloads to its tier and hands KV to decode over NIXL: PdConnector takes exactly these two, tier first.
    if (!tier) return NIXL;
    return {
        kv_connector: "PdConnector",
        kv_role: "kv_both",
        kv_connector_extra_config: { connectors: [tier, NIXL] },
        kv_connector_module_path: KVBM.kv_connector_module_path,
    };
}

/** The environment and files of a vLLM worker's cache tier. */
export function vllmCacheTier(
    kvCache: KvCacheSpec | undefined,
    role: WorkerRole,
    ports: WorkerPorts,
    configDir: string,
    controllerHost?: string,
): ConnectorLaunch {
    if (!kvCache || !carriesCacheTier(role)) return NONE;
    if (kvCache.connector === "lmcache") return lmcacheTier(kvCache, role, ports, configDir, controllerHost);
    if (kvCache.connector === "kvbm") return { flags: [], env: kvbmEnv(kvCache.kvbm ?? { metrics: false }, ports), files: [] };
    return NONE;
}

function lmcacheTier(kvCache: KvCacheSpec, role: WorkerRole, ports: WorkerPorts, configDir: string, controllerHost?: string): ConnectorLaunch {
    const config = kvCache.lmcache?.config ?? {};
    const controller = kvCache.lmcache?.controller;
    // The controller's address and the worker ports go in LMCACHE_* variables, which LMCache reads over its file (lib/dynamo/lmcache-controller.ts says why).
    const env: Record<string, string> = {};
    if (controller) {
        if (controllerHost === undefined || ports.lmcacheWorkers === undefined)
            throw new Error("kvCache.lmcache.controller: the target gave no controller address or LMCache worker ports");
        Object.assign(env, lmcacheWorkerControllerEnv(controller, controllerHost, lmcacheWorkerPortsOf(config, ports.lmcacheWorkers)));
    }
    if (Object.keys(config).length === 0) return { flags: [], env, files: [] };
    // LMCache reads its configuration file as YAML (CloudAI writes lmcache-config.yaml).
    const name = `lmcache-${role}.yaml`;
    return { flags: [], env: { LMCACHE_CONFIG_FILE: path.posix.join(configDir, name), ...env }, files: [{ name, content: stringify(config) }] };
}

function kvbmEnv(kvbm: KvbmSpec, ports: WorkerPorts): Record<string, string> {
    const env: Record<string, string> = {};
    if (kvbm.cpuCacheGb !== undefined) env.DYN_KVBM_CPU_CACHE_GB = String(kvbm.cpuCacheGb);
    if (kvbm.diskCacheGb !== undefined) env.DYN_KVBM_DISK_CACHE_GB = String(kvbm.diskCacheGb);
    if (kvbm.diskCacheDir !== undefined) env.DYN_KVBM_DISK_CACHE_DIR = kvbm.diskCacheDir;
    if (kvbm.diskOffloadFilter === false) env.DYN_KVBM_DISABLE_DISK_OFFLOAD_FILTER = "true";
    // Each KVBM leader binds a publish and an acknowledge port (default 56001/56002): workers sharing a node need their own.
    if (ports.kvbm) {
        env.DYN_KVBM_LEADER_ZMQ_PUB_PORT = String(ports.kvbm.pub);
        env.DYN_KVBM_LEADER_ZMQ_ACK_PORT = String(ports.kvbm.ack);
    }
    if (kvbm.metrics) {
        env.DYN_KVBM_METRICS = "true";
        if (ports.kvbm) env.DYN_KVBM_METRICS_PORT = String(ports.kvbm.metrics);
    }
    return env;
}

/** SGLang's hierarchical cache on the roles that compute prefill. */
export function sglangCacheTier(kvCache: KvCacheSpec | undefined, role: WorkerRole, configDir: string): ConnectorLaunch {
    if (kvCache?.connector !== "hicache" || !carriesCacheTier(role)) return NONE;
    const h: HicacheSpec = kvCache.hicache ?? {};
    const extra = h.storageBackendExtraConfig;
    const name = `hicache-${role}.json`;
    const flags: Flag[] = [
        flag("--enable-hierarchical-cache"),
        ...(h.ratio !== undefined ? [flag("--hicache-ratio", h.ratio)] : []),
        ...(h.sizeGb !== undefined ? [flag("--hicache-size", h.sizeGb)] : []),
        ...(h.writePolicy !== undefined ? [flag("--hicache-write-policy", h.writePolicy)] : []),
        ...(h.storageBackend !== undefined ? [flag("--hicache-storage-backend", h.storageBackend)] : []),
        // SGLang reads "@<file>" as a JSON, YAML or TOML file.
        ...(extra !== undefined ? [flag("--hicache-storage-backend-extra-config", `@${path.posix.join(configDir, name)}`)] : []),
    ];
    const files = extra !== undefined ? [{ name, content: `${JSON.stringify(extra, null, 2)}\n` }] : [];
    return { flags, env: {}, files };
}

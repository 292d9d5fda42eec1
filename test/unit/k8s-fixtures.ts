// Specs for the Kubernetes tests: a realistic base and overrides merged into it.
import { loadSpec } from "../../config/load";
import type { BenchmarkSpec } from "../../config/resolve";
import { deepMerge } from "../../lib/deep-merge";

export const K8S_BASE: Record<string, unknown> = {
    target: "kubernetes",
    name: "bench",
    model: { id: "Qwen/Qwen3-0.6B" },
    gpusPerNode: 8,
};

/** Overrides merged into a base config (objects merge, everything else replaces). */
export const merge = deepMerge;

/** A resolved spec for target kubernetes with the overrides applied (validated like real config). */
export function k8sSpec(override: Record<string, unknown> = {}, stack = "test"): BenchmarkSpec {
    return loadSpec(merge(K8S_BASE, override), stack);
}

/** Named scenarios every structural test runs through. */
export const SCENARIOS: Record<string, Record<string, unknown>> = {
    "disaggregated vllm, 1.x bundled": {},
    "aggregated vllm": { mode: "aggregated", prefill: { replicas: 0 }, decode: { tensorParallel: 2, replicas: 2 } },
    "multinode tp16": { decode: { tensorParallel: 16, nodesPerWorker: 2 }, prefill: { tensorParallel: 8 } },
    "sglang disaggregated": { backend: "sglang", decode: { tensorParallel: 4 }, prefill: { tensorParallel: 2, dataParallel: 2 } },
    "trtllm disaggregated": { backend: "trtllm", decode: { tensorParallel: 2, pipelineParallel: 2 } },
    "cni networks": {
        network: {
            mode: "cni",
            cniNetworks: [
                { name: "ib0", namespace: "net", resource: "nvidia.com/rdma_ib0" },
                { name: "ib1", resource: "nvidia.com/rdma_ib1", count: 2 },
            ],
        },
    },
    "host network": { network: { mode: "hostNetwork" } },
    "model cache created": { modelCache: { pvcName: "models", create: true, size: "500Gi", storageClass: "nfs-rwx" } },
    everything: {
        env: { NCCL_DEBUG: "INFO" },
        decode: { env: { VLLM_LOGGING_LEVEL: "DEBUG" }, extraArgs: ["--max-model-len", "8192"] },
        frontend: { env: { DYN_LOG: "debug" }, extraArgs: ["--kv-cache-block-size", "16"], routerMode: "kv" },
        modelCache: { pvcName: "models", mountPath: "/cache" },
        kubernetes: { imagePullSecrets: ["ngc"], nodeSelector: { "nvidia.com/gpu.product": "H100" }, sharedMemory: "64Gi" },
        scheduling: { kaiQueue: "bench-queue" },
    },
    "kv-cache connectors and setup commands": {
        kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 20, diskCacheGb: 100, diskCacheDir: "/kvbm", metrics: true } },
        setup: { commands: ["nvidia-smi -L"], timeoutSeconds: 120 },
        env: { UCX_TLS: "all" },
    },
    "sglang hicache and wide EP": {
        backend: "sglang",
        kvCache: { connector: "hicache", hicache: { ratio: 2, storageBackendExtraConfig: { plugin: { posix: { active: true } } } } },
        decode: { nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { deepepMode: "low_latency" } },
        prefill: { nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { deepepMode: "normal" } },
    },
    "grove and kai off": { platform: { grove: { install: "none" }, kaiScheduler: { install: "none" } }, scheduling: { grove: false } },
};

// The launch model on Kubernetes: the operator sets namespace, discovery and
// planes, every worker is alone in its pod, and the graph's generated files
// (TensorRT-LLM engine configs) come from a ConfigMap mounted at one folder;
// KVBM's disk tier, when unplaced, goes to a folder of its own (KVBM_DISK_MOUNT).
import type { KvCacheSpec } from "../../config/kv-cache";
import type { BenchmarkSpec } from "../../config/resolve";
import {
    POD_WORKER_PORT_BASE,
    frontendProcess,
    portBlock,
    launchSpecOf,
    releaseFor,
    workerProcess,
    type DynamoProcess,
    type LaunchContext,
    type WorkerRole,
} from "../dynamo";
import { lmcacheWorkerPorts } from "../dynamo/lmcache-controller";
import { FRONTEND_SERVICE_PORT, k8sNames } from "./names";

/**
 * KVBM's disk tier in a worker pod when kvCache.kvbm.diskCacheDir is unset: a
 * folder of its own, where graph.ts mounts its volume. KVBM's own default,
 * /tmp, would be the container's filesystem, and a volume there would take in
 * every other temporary file against the tier's size limit.
 */
export const KVBM_DISK_MOUNT = "/kvbm-disk-cache";

/** Where worker pods find the files of the graph's engine-config ConfigMap. */
export const ENGINE_CONFIG_MOUNT = "/etc/dynamo-bench";

export function k8sLaunchContext(spec: Pick<BenchmarkSpec, "platform" | "name" | "kubernetes" | "kvCache">): LaunchContext {
    return {
        // The LMCache controller's Service (lib/kubernetes/lmcache-controller.ts).
        ...(spec.kvCache.lmcache?.controller ? { lmcacheControllerHost: k8sNames(spec.name, spec.kubernetes.namespace).lmcacheControllerHost } : {}),
        release: releaseFor(spec.platform.version),
        engine: "real",
        python: ["python3"],
        frontend: { port: FRONTEND_SERVICE_PORT },
        speedupRatio: 1,
        configDir: ENGINE_CONFIG_MOUNT,
    };
}

/** The KV-cache settings as the pods see them: KVBM's disk tier, when there is one, in a named folder (KVBM_DISK_MOUNT unless set). */
export function k8sKvCache(spec: Pick<BenchmarkSpec, "kvCache">): KvCacheSpec | undefined {
    const kv = spec.kvCache;
    if (kv?.connector !== "kvbm" || kv.kvbm?.diskCacheGb === undefined || kv.kvbm.diskCacheDir !== undefined) return kv;
    return { ...kv, kvbm: { ...kv.kvbm, diskCacheDir: KVBM_DISK_MOUNT } };
}

/** One worker pod's process; the operator adds the rank arguments of multinode workers itself. */
export function k8sWorkerProcess(spec: BenchmarkSpec, role: WorkerRole): DynamoProcess {
    // A worker is alone in its pod: the first port block serves it (KVBM's ports named, so its metrics port is known).
    const ports = { bootstrap: POD_WORKER_PORT_BASE, kvbm: portBlock(POD_WORKER_PORT_BASE, 0).kvbm, lmcacheWorkers: podLmcacheWorkerPorts(spec, role) };
    return workerProcess({ ...launchSpecOf(spec), kvCache: k8sKvCache(spec) }, k8sLaunchContext(spec), role, { ports, rank: 0, ranks: 1 });
}

/** With the LMCache controller: every pod of a worker binds its ranks' LMCache ports from the base (a pod is alone on its network). */
function podLmcacheWorkerPorts(spec: BenchmarkSpec, role: WorkerRole): number[] | undefined {
    const c = spec.kvCache.lmcache?.controller;
    if (!c) return undefined;
    const worker = role === "prefill" && spec.prefill ? spec.prefill : spec.decode;
    return lmcacheWorkerPorts(c.workerPortBase, spec.gpusPerNode, worker.gpusPerNodeOfWorker, new Array<number>(worker.nodesPerWorker).fill(0));
}

export function k8sFrontendProcess(spec: BenchmarkSpec): DynamoProcess {
    return frontendProcess(launchSpecOf(spec), k8sLaunchContext(spec));
}

// Names of everything the Kubernetes target creates, derived from the
// benchmark name in one place so builders, components and the collector agree.

import { SERVICE_KEYS } from "../facts/dynamo-operator";

// The port and service keys are operator facts the config rules check too.
export { FRONTEND_SERVICE_PORT, GROVE_NAME_LIMITS, SERVICE_KEYS, WORKER_SYSTEM_PORT } from "../facts/dynamo-operator";

/** Pod label the operator puts on every pod of a graph. */
export const GRAPH_POD_LABEL = "nvidia.com/dynamo-graph-deployment-name";

/**
 * Pod label this program puts on every worker pod of its graphs (through the
 * services' extraPodMetadata, which the operator copies onto the pods): the
 * worker-metrics Service selects on it with GRAPH_POD_LABEL. Not the operator's
 * nvidia.com/dynamo-component-type: that reads `worker` on the 1.2 line, but newer
 * operators label fresh prefill and decode pods `prefill` and `decode`.
 */
export const WORKER_POD_LABEL = { key: "dynamo-bench.nvidia.com/role", value: "worker" } as const;

export interface K8sNames {
    graph: string;
    /** The Opaque Secret of the processes' secret environment: HF_TOKEN and the secretEnv entries. */
    envSecret: string;
    scriptConfigMap: string;
    engineConfigMap: string;
    job: string;
    frontendService: string;
    frontendHost: string;
    /** Deployment and Service of LMCache's controller (kvCache.lmcache.controller). */
    lmcacheController: string;
    /** Where the LMCache workers reach it. */
    lmcacheControllerHost: string;
    /** Headless Service resolving to every Ready worker pod's IP, for server metrics. */
    workerMetricsService: string;
    workerMetricsHost: string;
}

export function k8sNames(benchmarkName: string, namespace: string): K8sNames {
    const frontendService = `${benchmarkName}-${SERVICE_KEYS.frontend}`;
    return {
        graph: benchmarkName,
        envSecret: `${benchmarkName}-secret-env`,
        scriptConfigMap: `${benchmarkName}-bench-script`,
        engineConfigMap: `${benchmarkName}-engine-config`,
        job: `${benchmarkName}-bench`,
        frontendService,
        frontendHost: `${frontendService}.${namespace}.svc.cluster.local`,
        lmcacheController: `${benchmarkName}-lmcache-controller`,
        lmcacheControllerHost: `${benchmarkName}-lmcache-controller.${namespace}.svc.cluster.local`,
        // Not `<name>-workers`: the operator names its own Service of the aggregated worker `<name>-worker`.
        workerMetricsService: `${benchmarkName}-worker-metrics`,
        workerMetricsHost: `${benchmarkName}-worker-metrics.${namespace}.svc.cluster.local`,
    };
}

/** In-cluster base URL of the graph's OpenAI-compatible frontend. */
export function frontendBaseUrl(benchmarkName: string, namespace: string, port: number): string {
    return `http://${k8sNames(benchmarkName, namespace).frontendHost}:${port}`;
}

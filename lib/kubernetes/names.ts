// Names of everything the Kubernetes target creates, derived from the
// benchmark name in one place so builders, components and the collector agree.

import { SERVICE_KEYS } from "../facts/dynamo-operator";

// The port and service keys are operator facts the config rules check too.
export { FRONTEND_SERVICE_PORT, GROVE_NAME_LIMITS, SERVICE_KEYS } from "../facts/dynamo-operator";

/** Pod label the operator puts on every pod of a graph. */
export const GRAPH_POD_LABEL = "nvidia.com/dynamo-graph-deployment-name";

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
    };
}

/** In-cluster base URL of the graph's OpenAI-compatible frontend. */
export function frontendBaseUrl(benchmarkName: string, namespace: string, port: number): string {
    return `http://${k8sNames(benchmarkName, namespace).frontendHost}:${port}`;
}

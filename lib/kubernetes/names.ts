// Names of everything the Kubernetes target creates, derived from the
// benchmark name in one place so builders, components and the collector agree.

/** Port the operator gives every frontend Service (consts DynamoServicePort). */
export const FRONTEND_SERVICE_PORT = 8000;

/** Service keys of the graph. Short on purpose: Grove limits PodCliqueSet + clique names to 45 characters. */
export const SERVICE_KEYS = {
    frontend: "frontend",
    decode: "decode",
    prefill: "prefill",
    /** The only worker of an aggregated graph (serves prefill and decode). */
    aggregated: "worker",
} as const;

/** Pod label the operator puts on every pod of a graph. */
export const GRAPH_POD_LABEL = "nvidia.com/dynamo-graph-deployment-name";

export interface K8sNames {
    graph: string;
    hfTokenSecret: string;
    scriptConfigMap: string;
    job: string;
    frontendService: string;
    frontendHost: string;
}

export function k8sNames(benchmarkName: string, namespace: string): K8sNames {
    const frontendService = `${benchmarkName}-${SERVICE_KEYS.frontend}`;
    return {
        graph: benchmarkName,
        hfTokenSecret: `${benchmarkName}-hf-token`,
        scriptConfigMap: `${benchmarkName}-bench-script`,
        job: `${benchmarkName}-bench`,
        frontendService,
        frontendHost: `${frontendService}.${namespace}.svc.cluster.local`,
    };
}

/** In-cluster base URL of the graph's OpenAI-compatible frontend. */
export function frontendBaseUrl(benchmarkName: string, namespace: string, port: number): string {
    return `http://${k8sNames(benchmarkName, namespace).frontendHost}:${port}`;
}

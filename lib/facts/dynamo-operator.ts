// What the Dynamo operator and Grove fix, and the config rules must respect:
// the frontend Service port, the graph's service keys (they end up in Grove
// names) and Grove's name limit. Free of any target, so config/rules and the
// Kubernetes target both import it.

/** Port the operator gives every frontend Service (consts DynamoServicePort). */
export const FRONTEND_SERVICE_PORT = 8000;

/**
 * Every worker container's system server (health and Prometheus /metrics):
 * the operator declares the container port `system` (consts DynamoSystemPortName)
 * on 9090 (DynamoSystemPort) and sets DYN_SYSTEM_ENABLED=true and
 * DYN_SYSTEM_PORT=9090 on every worker (WorkerDefaults.GetBaseContainer);
 * the platform chart's `dynamo-worker` PodMonitor scrapes that port by name.
 * Checked against the operator's Go source of the 1.2 line and its newest tree.
 */
export const WORKER_SYSTEM_PORT = { name: "system", port: 9090, path: "/metrics" } as const;

/** Service keys of the graph. Short on purpose: Grove limits PodCliqueSet + clique names to 45 characters. */
export const SERVICE_KEYS = {
    frontend: "frontend",
    decode: "decode",
    prefill: "prefill",
    /** The only worker of an aggregated graph (serves prefill and decode). */
    aggregated: "worker",
} as const;

/** Longest benchmark name Grove accepts: PodCliqueSet plus clique names stay within 45 characters. */
export const GROVE_NAME_LIMITS = { singleNode: 45 - SERVICE_KEYS.frontend.length, multinode: 27 } as const;

/** Queue the operator puts a graph in when the graph names none (consts DefaultKaiSchedulerQueue). */
export const OPERATOR_DEFAULT_KAI_QUEUE = "dynamo";

type AddonInstall = "none" | "bundled" | "separate";

/** What decides Grove for a graph: the stack's wish and what the platform has on. */
export interface GroveInputs {
    scheduling: { grove: boolean };
    platform: { install: boolean; grove: { install: AddonInstall } };
}

/**
 * Grove for this graph. When this stack installs the platform without Grove,
 * the operator has no Grove integration, so the graph says so explicitly; a
 * platform installed elsewhere is taken to have Grove when the stack asks for it.
 */
export function groveEnabled(spec: GroveInputs): boolean {
    return spec.scheduling.grove && !(spec.platform.install && spec.platform.grove.install === "none");
}

/** LeaderWorkerSet on the cluster: installed by the platform chart, or already there. */
export function lwsEnabled(platform: { lws: { install: "none" | "bundled" | "external" } }): boolean {
    return platform.lws.install !== "none";
}

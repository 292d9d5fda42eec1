// TEST STAND-IN part: the labels and container ports the Dynamo operator gives
// a graph's pods, written down from the operator's Go source of the 1.2 line
// (deploy/operator/internal/dynamo/graph.go generateLabels and setMetricsLabels,
// component_worker.go and component_frontend.go GetBaseContainer; consts.go for
// the names and ports). Not the operator: dgd-ready-stand-in.ts labels its pods
// with it, and the unit tests check the worker-metrics Service's selector
// against it, so both follow the same written-down rule.
import { FRONTEND_SERVICE_PORT, GRAPH_POD_LABEL, WORKER_SYSTEM_PORT } from "../../lib/kubernetes/names";

type Json = Record<string, any>;

export const OPERATOR_LABELS = {
    selector: "nvidia.com/selector",
    component: "nvidia.com/dynamo-component",
    componentType: "nvidia.com/dynamo-component-type",
    subComponentType: "nvidia.com/dynamo-sub-component-type",
    metricsEnabled: "nvidia.com/metrics-enabled",
} as const;

/** The graph annotation that turns the metrics label off (consts KubeAnnotationEnableMetrics). */
const ENABLE_METRICS_ANNOTATION = "nvidia.com/enable-metrics";
/** NIXL's telemetry exporter port on workers (consts DynamoNixlPort). */
const NIXL_PORT = { name: "nixl", containerPort: 19090 };

const isWorker = (type: unknown) => type === "worker" || type === "prefill" || type === "decode";

/**
 * A pod's labels for service `key` of `graph`, in generateLabels' order: the
 * operator's own, then the service's `labels` and `extraPodMetadata.labels`,
 * then the graph name and component type again (a user label cannot replace them).
 */
export function operatorPodLabels(graph: Json, key: string): Record<string, string> {
    const service = (graph.spec?.services?.[key] ?? {}) as Json;
    const name = String(graph.metadata.name);
    const labels: Record<string, string> = {
        [OPERATOR_LABELS.selector]: `${name}-${key.toLowerCase()}`,
        [GRAPH_POD_LABEL]: name,
        [OPERATOR_LABELS.component]: key,
    };
    if (service.componentType) labels[OPERATOR_LABELS.componentType] = String(service.componentType);
    if (service.subComponentType) labels[OPERATOR_LABELS.subComponentType] = String(service.subComponentType);
    if (graph.metadata.annotations?.[ENABLE_METRICS_ANNOTATION] !== "false") labels[OPERATOR_LABELS.metricsEnabled] = "true";
    Object.assign(labels, service.labels ?? {}, service.extraPodMetadata?.labels ?? {});
    labels[GRAPH_POD_LABEL] = name;
    if (service.componentType) labels[OPERATOR_LABELS.componentType] = String(service.componentType);
    return labels;
}

/** The main container's ports: `system` (and NIXL's) on a worker, `http` on the frontend. */
export function operatorContainerPorts(graph: Json, key: string): Array<{ name: string; containerPort: number; protocol: "TCP" }> {
    const type = graph.spec?.services?.[key]?.componentType;
    if (isWorker(type))
        return [
            { name: WORKER_SYSTEM_PORT.name, containerPort: WORKER_SYSTEM_PORT.port, protocol: "TCP" },
            { ...NIXL_PORT, protocol: "TCP" },
        ];
    if (type === "frontend") return [{ name: "http", containerPort: FRONTEND_SERVICE_PORT, protocol: "TCP" }];
    return [];
}

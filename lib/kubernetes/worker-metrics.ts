// Every worker's server metrics on Kubernetes, as on Slurm and locally: AIPerf
// scrapes the frontend (its base URL) and each worker's system port
// (`--server-metrics URL...`). Worker pods come and go with the operator, so
// their addresses are not known when the plan is written: a headless Service
// selects the graph's worker pods, and the benchmark Job's script resolves its
// name to every Ready worker pod's IP right before the first phase
// (scripts/k8s/run-benchmark.sh), then adds the URLs where the plan says.
import { flagNamesIn } from "../argv";
import { serverMetricsOn } from "../benchmark/load-argv";
import type { BenchmarkSpec, ResolvedPhase } from "../../config/resolve";
import { ANNOTATIONS, commonLabels, type Manifest } from "./graph";
import { GRAPH_POD_LABEL, WORKER_POD_LABEL, WORKER_SYSTEM_PORT, k8sNames } from "./names";

/** The flag that takes the extra Prometheus endpoints (aiperf 0.13.0 `profile --help`). */
export const SERVER_METRICS_FLAG = "--server-metrics";
/** Flags by which a phase's own arguments already decide the scraping: the plan then adds nothing (AIPerf refuses a repeated flag). */
const USER_DECIDES = [SERVER_METRICS_FLAG, "--no-server-metrics"];
/**
 * How long the script waits for the Service's name to resolve to every worker.
 * The graph is Ready before the Job starts, so the workers' addresses are
 * normally there at once; this covers DNS caches catching up.
 */
export const WORKER_RESOLVE_SECONDS = 60;

/** What the Job's script needs to find the workers' metrics endpoints. */
export interface WorkerMetricsPlan {
    /** The headless Service's DNS name: one address per Ready worker pod. */
    host: string;
    port: number;
    path: string;
    /** Worker pods the graph runs (replicas x nodes per worker, prefill and decode); fewer resolved is a warning. */
    expected: number;
    waitSeconds: number;
    flag: string;
}

type Inputs = Pick<BenchmarkSpec, "name" | "kubernetes" | "benchmark" | "prefill" | "decode">;

/** AIPerf scrapes the workers when it scrapes at all (benchmark.serverMetrics); genai-perf has no such flag. */
export function workerMetricsOn(spec: Pick<BenchmarkSpec, "benchmark">): boolean {
    return spec.benchmark.tool === "aiperf" && serverMetricsOn(spec.benchmark.serverMetrics, "kubernetes");
}

/** Every pod of every worker: a multinode worker has a pod per node. */
export function expectedWorkerPods(spec: Pick<BenchmarkSpec, "prefill" | "decode">): number {
    return [spec.prefill, spec.decode].reduce((n, w) => n + (w ? w.replicas * w.nodesPerWorker : 0), 0);
}

export function workerMetricsPlan(spec: Inputs): WorkerMetricsPlan | undefined {
    if (!workerMetricsOn(spec)) return undefined;
    return {
        host: k8sNames(spec.name, spec.kubernetes.namespace).workerMetricsHost,
        port: WORKER_SYSTEM_PORT.port,
        path: WORKER_SYSTEM_PORT.path,
        expected: expectedWorkerPods(spec),
        waitSeconds: WORKER_RESOLVE_SECONDS,
        flag: SERVER_METRICS_FLAG,
    };
}

/**
 * Where in a phase's argv the worker URLs go: just before the phase's own
 * arguments (the generated flags end there). None when the phase's arguments
 * set --server-metrics or --no-server-metrics themselves.
 */
export function workerMetricsInsertAt(argv: readonly string[], phase: Pick<ResolvedPhase, "extraArgs">): number | undefined {
    const own = flagNamesIn(phase.extraArgs);
    if (USER_DECIDES.some((f) => own.has(f))) return undefined;
    return argv.length - phase.extraArgs.length;
}

/**
 * The headless Service over the graph's worker pods: no cluster IP, so its
 * DNS name answers with every Ready worker pod's address (not-ready ones left
 * out: a starting or failing worker has no metrics to give). None when the
 * workers are not scraped (workerMetricsOn).
 */
export function buildWorkerMetricsService(spec: Pick<BenchmarkSpec, "name" | "kubernetes" | "benchmark">): Manifest | undefined {
    if (!workerMetricsOn(spec)) return undefined;
    const names = k8sNames(spec.name, spec.kubernetes.namespace);
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: names.workerMetricsService,
            namespace: spec.kubernetes.namespace,
            labels: { ...commonLabels(spec), "app.kubernetes.io/component": "worker-metrics" },
            // Its endpoints appear with the graph's Ready workers; the graph's own wait covers that.
            annotations: { [ANNOTATIONS.pulumiSkipAwait]: "true" },
        },
        spec: {
            clusterIP: "None",
            publishNotReadyAddresses: false,
            selector: { [GRAPH_POD_LABEL]: names.graph, [WORKER_POD_LABEL.key]: WORKER_POD_LABEL.value },
            ports: [{ name: WORKER_SYSTEM_PORT.name, port: WORKER_SYSTEM_PORT.port, targetPort: WORKER_SYSTEM_PORT.name, protocol: "TCP" }],
        },
    };
}

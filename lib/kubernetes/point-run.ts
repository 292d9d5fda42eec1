// Pure parts of `dynamo-bench k8s-run-point` and `k8s-delete-point`: one
// Kubernetes sweep point as one command (docs/sweeps.md#kubernetes). The run
// applies the point's graph, waits until it is Ready, runs its benchmark Job,
// collects the results, then deletes the graph and waits until its pods are
// gone, so the next point's graph finds the GPUs free. The manifests reach the
// command on stdin (they are the command resource's input, so `preview` shows
// them and a changed manifest re-runs the point); no Secret is among them.
import { defineCommand, oneOf, parseOptionsOnly, positiveNumber, positiveSeconds, UsageError, type ParsedCommandLine } from "../cli-options";
import { collectArgv, kubectlBase, parsePhaseRefs, type CollectOptions, type KubectlTarget, type PhaseRef } from "./collect";
import { GRAPH_RESOURCE, waitGraphArgv } from "./graph-wait";
import type { Manifest } from "./graph";
import { GRAPH_POD_LABEL } from "./names";

/** What `k8s-run-point` applies, as one JSON document on its stdin. */
export interface PointManifests {
    graph: Manifest;
    /** The headless Service over the graph's workers (worker-metrics.ts), when server metrics are on: applied owned by the graph, so it goes with it. */
    workerMetricsService?: Manifest;
    /** The benchmark script's ConfigMap and the Job, applied once the graph is Ready. */
    configMap: Manifest;
    job: Manifest;
}

export interface PointRunOptions extends KubectlTarget {
    graph: string;
    job: string;
    configMap: string;
    readySeconds: number;
    /** Bound on the Job (its deadline plus the collector's slack). */
    collectSeconds: number;
    /** Bound on each deletion (graph, its pods, the Job). */
    deleteSeconds: number;
    phases: PhaseRef[];
    gpus?: number;
    tool?: "aiperf" | "genai-perf";
}

/** When the graph was created (the API server's timestamp) and when its pods were seen gone (this machine's clock). */
export interface GraphLifetime {
    createdAt?: string;
    goneAt: string;
}

const pointFlags = (o: Pick<PointRunOptions, "namespace" | "graph" | "job" | "configMap" | "deleteSeconds" | "kubeconfig" | "context">) => [
    "--namespace",
    o.namespace,
    "--graph",
    o.graph,
    "--job",
    o.job,
    "--config-map",
    o.configMap,
    "--delete-timeout",
    String(o.deleteSeconds),
    ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
    ...(o.context ? ["--context", o.context] : []),
];

/** Arguments of `dynamo-bench k8s-run-point`. */
export function runPointArgv(o: PointRunOptions): string[] {
    return [
        "k8s-run-point",
        ...pointFlags(o),
        "--ready-timeout",
        String(o.readySeconds),
        "--timeout",
        String(o.collectSeconds),
        ...(o.phases.length > 0 ? ["--phases", o.phases.map((p) => (p.concurrency ? `${p.name}:${p.concurrency}` : p.name)).join(",")] : []),
        ...(o.gpus ? ["--gpus", String(o.gpus)] : []),
        ...(o.tool ? ["--tool", o.tool] : []),
    ];
}

/** Arguments of `dynamo-bench k8s-delete-point` (what a destroyed or replaced point leaves: its Job, ConfigMap, and a graph still there). */
export function deletePointArgv(o: Pick<PointRunOptions, "namespace" | "graph" | "job" | "configMap" | "deleteSeconds" | "kubeconfig" | "context">): string[] {
    return ["k8s-delete-point", ...pointFlags(o)];
}

/** The k8s-wait-graph and k8s-collect argv (without the command name) a run hands to those commands. */
export function stepArgv(o: PointRunOptions): { wait: string[]; collect: string[] } {
    const wait = waitGraphArgv({ namespace: o.namespace, graph: o.graph, timeoutSeconds: o.readySeconds, kubeconfig: o.kubeconfig, context: o.context });
    const collect: CollectOptions = { ...o, timeoutSeconds: o.collectSeconds };
    return { wait: wait.slice(1), collect: collectArgv(collect).slice(1) };
}

export const pointKubectlArgs = {
    /** Server-side apply of a manifest read from stdin, owned by the sweep's field manager. */
    apply: (t: KubectlTarget) => [...kubectlBase(t), "apply", "--server-side", "--force-conflicts", "--field-manager=dynamo-bench", "-f", "-", "-o", "json"],
    /** Foreground deletion waits for the object's dependents (a Job's pods), bounded. */
    delete: (t: KubectlTarget, resource: string, name: string, seconds: number) => [
        ...kubectlBase(t),
        "delete",
        resource,
        name,
        "--ignore-not-found",
        "--cascade=foreground",
        "--wait=true",
        `--timeout=${seconds}s`,
    ],
    graphPodNames: (t: KubectlTarget, graph: string) => [...kubectlBase(t), "get", "pods", "-l", `${GRAPH_POD_LABEL}=${graph}`, "-o", "name"],
    graphResource: GRAPH_RESOURCE,
};

/** Reads and checks the stdin document; UsageError naming what is missing. */
export function parsePointManifests(text: string): PointManifests {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new UsageError(`stdin must be a JSON document {graph, configMap, job}: ${(e as Error).message}`);
    }
    const d = (doc ?? {}) as Record<string, unknown>;
    const kinds = { graph: "DynamoGraphDeployment", configMap: "ConfigMap", job: "Job" } as const;
    for (const [key, kind] of Object.entries(kinds)) {
        const m = d[key] as Manifest | undefined;
        if (!m || typeof m !== "object" || m.kind !== kind)
            throw new UsageError(`stdin: expected "${key}" to be a ${kind} manifest, got ${JSON.stringify(m?.kind ?? m)}`);
    }
    const svc = d.workerMetricsService as Manifest | undefined;
    if (svc !== undefined && (!svc || typeof svc !== "object" || svc.kind !== "Service"))
        throw new UsageError(`stdin: expected "workerMetricsService" to be a Service manifest, got ${JSON.stringify(svc?.kind ?? svc)}`);
    return d as unknown as PointManifests;
}

/**
 * A manifest owned by the applied graph: Kubernetes' garbage collector deletes
 * it with the graph, so deleting the point's graph (or destroying the point)
 * leaves nothing of it behind.
 */
export function ownedByGraph(manifest: Manifest, graph: { apiVersion: string; kind: string; metadata: { name: string; uid: string } }): Manifest {
    const owner = { apiVersion: graph.apiVersion, kind: graph.kind, name: graph.metadata.name, uid: graph.metadata.uid };
    return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [owner] } };
}

const common = {
    namespace: { type: "string", required: true, value: "NS", description: "namespace of the graph and the Job" },
    graph: { type: "string", required: true, value: "GRAPH", description: "the DynamoGraphDeployment (its name in the manifest)" },
    job: { type: "string", required: true, value: "JOB", description: "the benchmark Job" },
    "config-map": { type: "string", required: true, value: "NAME", description: "the Job's script ConfigMap" },
    "delete-timeout": { type: "string", required: true, value: "SECONDS", description: "bound on each deletion (timeouts.deleteSeconds)" },
    kubeconfig: { type: "string", value: "PATH", description: "kubectl --kubeconfig" },
    context: { type: "string", value: "NAME", description: "kubectl --context" },
} as const;

/** The options of `dynamo-bench k8s-run-point`; runPointArgv above writes them. */
export const RUN_POINT_COMMAND = defineCommand({
    name: "k8s-run-point",
    about: `Runs one Kubernetes sweep point: applies the graph read from stdin (a JSON
document {graph, configMap, job}), waits until it is Ready (as k8s-wait-graph),
applies the script ConfigMap and the benchmark Job, collects the results (as
k8s-collect, whose DYNAMO_BENCH_RESULT line it prints), then deletes the graph
and waits until its pods are gone, so the GPUs are free for the next point.
A Job of the same name left by an earlier run is deleted first. On a failure
the reason and the log tails go to stderr, and the graph, the Job and the
ConfigMap are deleted (nothing would remove them otherwise).`,
    options: {
        ...common,
        "ready-timeout": { type: "string", required: true, value: "SECONDS", description: "bound on the graph becoming Ready (timeouts.readySeconds)" },
        timeout: { type: "string", required: true, value: "SECONDS", description: "bound on the Job" },
        phases: { type: "string", value: "name[:concurrency],...", description: "phases the Job's log must hold, in order" },
        gpus: { type: "string", value: "N", description: "GPUs of the inference workers, for tokens/s per GPU" },
        tool: { type: "string", value: "aiperf|genai-perf", description: "the benchmark client" },
    },
    footer: "exit status: 0 results printed and the graph gone, 1 the run or a deletion failed, 2 usage error",
});

/** The options of `dynamo-bench k8s-delete-point`. */
export const DELETE_POINT_COMMAND = defineCommand({
    name: "k8s-delete-point",
    about: `Deletes what a Kubernetes sweep point run by k8s-run-point leaves: the graph
(when still there), the benchmark Job with its pods, and the script ConfigMap;
each deletion bounded. Run when the point is destroyed or replaced.`,
    options: common,
    footer: "exit status: 0 all gone, 1 a deletion failed, 2 usage error",
});

type CommonValues = ParsedCommandLine<typeof DELETE_POINT_COMMAND.options>["values"];
const commonFrom = (v: CommonValues) => ({
    namespace: v.namespace,
    graph: v.graph,
    job: v.job,
    configMap: v["config-map"],
    deleteSeconds: positiveSeconds("delete-timeout", v["delete-timeout"]),
    kubeconfig: v.kubeconfig,
    context: v.context,
});

export function runPointOptionsFrom({ values: v }: ParsedCommandLine<typeof RUN_POINT_COMMAND.options>): PointRunOptions {
    const tool = v.tool === undefined ? undefined : oneOf("tool", v.tool, ["aiperf", "genai-perf"] as const);
    const gpus = v.gpus === undefined ? undefined : positiveNumber("gpus", v.gpus, { integer: true });
    return {
        ...commonFrom(v),
        readySeconds: positiveSeconds("ready-timeout", v["ready-timeout"]),
        collectSeconds: positiveSeconds("timeout", v.timeout),
        phases: parsePhaseRefs(v.phases ?? ""),
        ...(gpus ? { gpus } : {}),
        ...(tool ? { tool } : {}),
    };
}

export const deletePointOptionsFrom = ({ values: v }: ParsedCommandLine<typeof DELETE_POINT_COMMAND.options>) => commonFrom(v);

export const parseRunPointArgv = (argv: readonly string[]) => runPointOptionsFrom(parseOptionsOnly(RUN_POINT_COMMAND, argv));

// TEST STAND-IN for the Dynamo operator: not the operator, and not shipped.
//
// The Dynamo operator's images are not available on these machines, so on the
// one-machine test cluster (scripts/k8s/cluster-up.sh) nothing reconciles a
// DynamoGraphDeployment. This stand-in does only the two things the program's
// readiness wait and collector look at, the way the operator reports them:
//   1. for every service of a graph, `replicas` pods labelled as the operator
//      labels them (operator-pod-labels.ts: the graph, GRAPH_POD_LABEL, the
//      service, its component type, metrics-enabled, the service's
//      extraPodMetadata labels) with the operator's named container ports
//      (`system` on workers, `http` on the frontend), owned by the graph (so
//      deleting the graph deletes them), with the service's GPU limit; the
//      scheduler places them on kwok's fake GPU
//      nodes and kwok marks them Running and Ready (nothing runs in them);
//   2. once all of a graph's pods are Ready, the graph's status subresource:
//      `state: successful` and a `Ready` condition with status "True" (the
//      CRD's status schema; the program's readiness wait, `dynamo-bench
//      k8s-wait-graph`, waits for exactly this, for the graph's current
//      generation). Until then `state: pending`, Ready "False".
// With `neverReady` it makes the pods but leaves Ready "False" (reason
// StandInNeverReady), for the test of the readiness wait's timeout and of
// what its failure says.
//
// It talks to the API server with kubectl (the kubeconfig's client
// certificate) and polls; start it with startDgdReadyStandIn() and stop it
// with the returned stop(). Run by hand:
//   npx tsx test/stand-ins/dgd-ready-stand-in.ts --kubeconfig K --namespace NS [--never-ready]
import { execFile } from "node:child_process";
import { GRAPH_POD_LABEL } from "../../lib/kubernetes/names";
import { OPERATOR_LABELS, operatorContainerPorts, operatorPodLabels } from "./operator-pod-labels";

export interface StandInOptions {
    kubeconfig: string;
    namespace: string;
    /** kubectl binary (default: `kubectl` on PATH). */
    kubectl?: string;
    neverReady?: boolean;
    /** Poll period (default 1 s). */
    intervalMs?: number;
    log?: (line: string) => void;
}

export interface StandIn {
    stop(): Promise<void>;
    /** What it did, in order (for test messages). */
    readonly events: string[];
}

// The version the program writes, named in full: the 1.2.0 CRD serves v1beta1 too
// (kubectl's preferred version) with conversion strategy None, and a read or a
// status patch through v1beta1 drops \`spec.services\` (not in v1beta1's schema).
const GRAPH_RESOURCE = "dynamographdeployments.v1alpha1.nvidia.com";
const SERVICE_LABEL = OPERATOR_LABELS.component;
const STAND_IN_LABEL = "dynamo-bench.test/stand-in";

type Json = Record<string, any>;

function kubectl(o: StandInOptions, args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            o.kubectl ?? "kubectl",
            ["--kubeconfig", o.kubeconfig, "--request-timeout=10s", ...args],
            { maxBuffer: 16 * 1024 * 1024, timeout: 20_000 },
            (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)),
        );
        child.stdin?.end(input ?? "");
    });
}

function gpuLimit(service: Json): string | undefined {
    const g = service.resources?.limits?.gpu ?? service.resources?.requests?.gpu;
    return g === undefined ? undefined : String(g);
}

function podManifest(graph: Json, key: string, service: Json, index: number): Json {
    const name = `${graph.metadata.name}-${key.toLowerCase()}-${index}`.slice(0, 63).replace(/-+$/, "");
    const gpus = gpuLimit(service);
    const image = service.extraPodSpec?.mainContainer?.image ?? "stand-in.invalid/none:0";
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            namespace: graph.metadata.namespace,
            // The operator's labels (graph, component, component type, metrics-enabled, the service's extraPodMetadata labels).
            labels: { ...operatorPodLabels(graph, key), [STAND_IN_LABEL]: "dgd-ready-stand-in" },
            ownerReferences: [{ apiVersion: graph.apiVersion, kind: graph.kind, name: graph.metadata.name, uid: graph.metadata.uid, controller: true }],
        },
        spec: {
            containers: [
                {
                    name: "main",
                    image,
                    // Named like the operator's, so a Service's named targetPort (the worker-metrics Service's `system`) resolves.
                    ports: operatorContainerPorts(graph, key),
                    ...(gpus ? { resources: { limits: { "nvidia.com/gpu": gpus } } } : {}),
                },
            ],
            tolerations: [{ operator: "Exists" }],
        },
    };
}

function podReady(pod: Json): boolean {
    return pod.status?.phase === "Running" && (pod.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True");
}

async function reconcile(o: StandInOptions, events: string[]): Promise<void> {
    const graphs = JSON.parse(await kubectl(o, ["-n", o.namespace, "get", GRAPH_RESOURCE, "-o", "json"])).items as Json[];
    const pods = JSON.parse(await kubectl(o, ["-n", o.namespace, "get", "pods", "-l", STAND_IN_LABEL, "-o", "json"])).items as Json[];
    for (const graph of graphs) {
        if (graph.metadata.deletionTimestamp) continue;
        const services = (graph.spec?.services ?? {}) as Record<string, Json>;
        const wanted = Object.entries(services).flatMap(([key, svc]) =>
            Array.from({ length: Number(svc.replicas ?? 1) }, (_, i) => podManifest(graph, key, svc, i)),
        );
        const mine = pods.filter((p) => p.metadata.labels?.[GRAPH_POD_LABEL] === graph.metadata.name);
        const missing = wanted.filter((w) => !mine.some((p) => p.metadata.name === w.metadata.name));
        if (missing.length > 0) {
            await kubectl(o, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: missing }));
            events.push(`${graph.metadata.name}: created pods ${missing.map((m) => m.metadata.name).join(", ")}`);
        }
        const ready = !o.neverReady && missing.length === 0 && wanted.every((w) => mine.some((p) => p.metadata.name === w.metadata.name && podReady(p)));
        const readyCond = (graph.status?.conditions ?? []).find((c: Json) => c.type === "Ready");
        const want = ready ? "True" : "False";
        if (readyCond?.status === want && graph.status?.observedGeneration === graph.metadata.generation) continue;
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const status = {
            state: ready ? "successful" : "pending",
            observedGeneration: graph.metadata.generation,
            conditions: [
                {
                    type: "Ready",
                    status: want,
                    reason: ready ? "AllResourcesReady" : o.neverReady ? "StandInNeverReady" : "ResourcesNotReady",
                    message: ready
                        ? "All resources are ready (set by the test stand-in, not the Dynamo operator)"
                        : o.neverReady
                          ? "the test stand-in never reports this graph Ready"
                          : "waiting for the graph's pods (test stand-in)",
                    lastTransitionTime: now,
                    observedGeneration: graph.metadata.generation,
                },
            ],
            services: Object.fromEntries(
                Object.entries(services).map(([key, svc]) => {
                    const n = Number(svc.replicas ?? 1);
                    const readyN = mine.filter((p) => p.metadata.labels?.[SERVICE_LABEL] === key && podReady(p)).length;
                    return [
                        key,
                        {
                            componentKind: "PodClique",
                            componentName: `${graph.metadata.name}-0-${key.toLowerCase()}`,
                            replicas: n,
                            updatedReplicas: n,
                            readyReplicas: readyN,
                        },
                    ];
                }),
            ),
        };
        await kubectl(o, [
            "-n",
            o.namespace,
            "patch",
            GRAPH_RESOURCE,
            graph.metadata.name,
            "--subresource=status",
            "--type=merge",
            "-p",
            JSON.stringify({ status }),
        ]);
        events.push(`${graph.metadata.name}: Ready=${want}`);
    }
}

/** Starts polling; errors are logged and retried (the cluster may be busy), never thrown. */
export function startDgdReadyStandIn(o: StandInOptions): StandIn {
    const events: string[] = [];
    const log = o.log ?? (() => undefined);
    let stopped = false;
    let lastError = "";
    const loop = (async () => {
        while (!stopped) {
            try {
                await reconcile(o, events);
                lastError = "";
            } catch (err) {
                const msg = (err as Error).message.split("\n")[0]!;
                if (msg !== lastError) log(`dgd-ready-stand-in: ${msg}`);
                lastError = msg;
            }
            await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
        }
    })();
    return {
        events,
        stop: async () => {
            stopped = true;
            await loop;
        },
    };
}

if (process.argv[1] && /dgd-ready-stand-in\.ts$/.test(process.argv[1])) {
    const arg = (name: string) => {
        const i = process.argv.indexOf(name);
        return i > 0 ? process.argv[i + 1] : undefined;
    };
    const kubeconfig = arg("--kubeconfig") ?? process.env.KUBECONFIG;
    const namespace = arg("--namespace");
    if (!kubeconfig || !namespace) {
        console.error("usage: dgd-ready-stand-in.ts --kubeconfig FILE --namespace NS [--never-ready]");
        process.exit(2);
    }
    const s = startDgdReadyStandIn({ kubeconfig, namespace, neverReady: process.argv.includes("--never-ready"), log: (l) => console.error(l) });
    const report = setInterval(() => s.events.splice(0).forEach((e) => console.log(e)), 1000);
    process.on("SIGINT", () => void s.stop().then(() => (clearInterval(report), process.exit(0))));
    process.on("SIGTERM", () => void s.stop().then(() => (clearInterval(report), process.exit(0))));
}

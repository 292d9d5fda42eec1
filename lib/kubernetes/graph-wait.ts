// Pure parts of `dynamo-bench k8s-wait-graph`: reading a DynamoGraphDeployment's
// status and its pods (`kubectl get -o json`) into a verdict (ready, still
// waiting, or failed for good) and into the message a failed wait prints: the
// graph's state and conditions, and each pod's phase, scheduling failure and
// container states.
import { defineCommand, parseOptionsOnly, positiveSeconds, type ParsedCommandLine } from "../cli-options";
import { FATAL_WAITING, IMAGE_PULL_GRACE_SECONDS, SLOW_WAITING, kubectlBase, type KubectlTarget } from "./collect";
import { GRAPH_POD_LABEL } from "./names";

/**
 * The graph read through the version the program writes, named in full: the
 * 1.2.0 CRD also serves v1beta1 (kubectl's preferred version) with conversion
 * strategy None, and a read through v1beta1 drops `spec.services`.
 */
export const GRAPH_RESOURCE = "dynamographdeployments.v1alpha1.nvidia.com";

/** Restarts of a container in CrashLoopBackOff after which the wait stops (about 5 minutes of back-off). */
export const CRASH_LOOP_RESTARTS = 5;
/** How long the operator may report `state: failed` before the wait takes it as final. */
export const GRAPH_FAILED_GRACE_SECONDS = 180;
/** Pods listed in a failure message (the rest are counted). */
const MAX_PODS_LISTED = 20;

export interface GraphCondition {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    observedGeneration?: number;
}

export interface GraphStatus {
    /** False when the API server has no such graph. */
    exists: boolean;
    name?: string;
    state?: string;
    generation?: number;
    observedGeneration?: number;
    deleting: boolean;
    conditions: GraphCondition[];
    /** Per service: replicas and ready replicas, as the operator reports them. */
    services: Array<{ name: string; replicas?: number; readyReplicas?: number }>;
}

// What the wait reads of `kubectl get -o json`; every field may be absent.
interface RawCondition {
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
    observedGeneration?: number;
}
interface RawGraph {
    metadata?: { name?: string; generation?: number; deletionTimestamp?: string };
    status?: {
        state?: string;
        observedGeneration?: number;
        conditions?: RawCondition[];
        services?: Record<string, { replicas?: number; readyReplicas?: number } | undefined>;
    };
}
interface RawContainerDetail {
    reason?: string;
    message?: string;
    exitCode?: number;
}
interface RawContainerStatus {
    name?: string;
    ready?: boolean;
    restartCount?: number;
    state?: { running?: object; waiting?: RawContainerDetail; terminated?: RawContainerDetail };
    lastState?: { terminated?: RawContainerDetail };
}
interface RawPod {
    metadata?: { name?: string };
    spec?: { nodeName?: string };
    status?: {
        phase?: string;
        reason?: string;
        message?: string;
        conditions?: RawCondition[];
        initContainerStatuses?: RawContainerStatus[];
        containerStatuses?: RawContainerStatus[];
    };
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A DynamoGraphDeployment from `kubectl get ... -o json`; `undefined` means it does not exist. */
export function readGraphStatus(dgd: unknown): GraphStatus {
    if (!dgd || typeof dgd !== "object") return { exists: false, deleting: false, conditions: [], services: [] };
    const g = dgd as RawGraph;
    const status = g.status ?? {};
    const conditions: GraphCondition[] = (Array.isArray(status.conditions) ? status.conditions : []).map((c) => ({
        type: String(c.type ?? "?"),
        status: String(c.status ?? "Unknown"),
        ...(str(c.reason) ? { reason: c.reason } : {}),
        ...(str(c.message) ? { message: c.message } : {}),
        ...(num(c.observedGeneration) !== undefined ? { observedGeneration: c.observedGeneration } : {}),
    }));
    const services = Object.entries(status.services ?? {})
        .map(([name, s]) => ({ name, replicas: num(s?.replicas), readyReplicas: num(s?.readyReplicas) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    return {
        exists: true,
        name: str(g.metadata?.name),
        state: str(status.state),
        generation: num(g.metadata?.generation),
        observedGeneration: num(status.observedGeneration),
        deleting: Boolean(g.metadata?.deletionTimestamp),
        conditions,
        services,
    };
}

export interface ContainerState {
    name: string;
    /** Init container (runs before the others). */
    init: boolean;
    state: "running" | "waiting" | "terminated" | "unknown";
    reason?: string;
    message?: string;
    exitCode?: number;
    ready: boolean;
    restarts: number;
    /** How the previous run ended, when it was restarted. */
    lastTerminated?: { reason?: string; exitCode?: number };
}

export interface PodState {
    name: string;
    phase: string;
    ready: boolean;
    node?: string;
    /** PodScheduled False: the scheduler's reason and message ("0/3 nodes are available: ..."). */
    unschedulable?: { reason: string; message: string };
    /** Pod-level reason (Evicted, ...). */
    reason?: string;
    message?: string;
    containers: ContainerState[];
}

function readContainer(cs: RawContainerStatus, init: boolean): ContainerState {
    const st = cs.state ?? {};
    const kind = st.running ? "running" : st.waiting ? "waiting" : st.terminated ? "terminated" : "unknown";
    const detail: RawContainerDetail = (kind === "waiting" ? st.waiting : kind === "terminated" ? st.terminated : undefined) ?? {};
    const last = cs.lastState?.terminated;
    return {
        name: String(cs.name ?? "?"),
        init,
        state: kind,
        ...(str(detail.reason) ? { reason: detail.reason } : {}),
        ...(str(detail.message) ? { message: String(detail.message).trim() } : {}),
        ...(num(detail.exitCode) !== undefined ? { exitCode: detail.exitCode } : {}),
        ready: cs.ready === true,
        restarts: num(cs.restartCount) ?? 0,
        ...(last ? { lastTerminated: { reason: str(last.reason), exitCode: num(last.exitCode) } } : {}),
    };
}

/** The graph's pods from `kubectl get pods -o json`, sorted by name. */
export function readGraphPods(pods: unknown): PodState[] {
    const items = (pods as { items?: RawPod[] } | undefined)?.items ?? [];
    return items
        .map((p) => {
            const status = p.status ?? {};
            const conditions = status.conditions ?? [];
            const scheduled = conditions.find((c) => c.type === "PodScheduled" && c.status === "False");
            return {
                name: String(p.metadata?.name ?? "(unnamed pod)"),
                phase: String(status.phase ?? "Unknown"),
                ready: conditions.some((c) => c.type === "Ready" && c.status === "True"),
                ...(str(p.spec?.nodeName) ? { node: p.spec?.nodeName } : {}),
                ...(scheduled
                    ? { unschedulable: { reason: String(scheduled.reason ?? "Unschedulable"), message: String(scheduled.message ?? "").trim() } }
                    : {}),
                ...(str(status.reason) ? { reason: status.reason } : {}),
                ...(str(status.message) ? { message: status.message } : {}),
                containers: [
                    ...(status.initContainerStatuses ?? []).map((c) => readContainer(c, true)),
                    ...(status.containerStatuses ?? []).map((c) => readContainer(c, false)),
                ],
            };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** The Ready condition counts only once the operator has seen the graph's current generation. */
export function graphReady(g: GraphStatus): boolean {
    if (!g.exists || g.deleting) return false;
    const ready = g.conditions.find((c) => c.type === "Ready");
    if (ready?.status !== "True") return false;
    const seen = [g.observedGeneration, ready.observedGeneration].filter((n): n is number => n !== undefined);
    return g.generation === undefined || seen.every((n) => n >= g.generation!);
}

export type GraphVerdict =
    | { verdict: "ready" }
    | { verdict: "waiting"; note: string }
    | {
          verdict: "failed";
          reason: string;
          /** Containers whose previous run's log explains the failure. */ crashed: Array<{ pod: string; container: string }>;
      };

/** Containers that have crashed (restarted, or ended non-zero): their log is worth a look. */
export function crashedContainers(pods: readonly PodState[]): Array<{ pod: string; container: string; previous: boolean }> {
    return pods.flatMap((p) =>
        p.containers
            .filter((c) => c.restarts > 0 || (c.state === "terminated" && c.exitCode !== undefined && c.exitCode !== 0))
            .map((c) => ({ pod: p.name, container: c.name, previous: c.restarts > 0 && c.state !== "terminated" })),
    );
}

/**
 * Ready, still waiting, or failed for good. `persistedSeconds(key)` says how
 * long a state has been seen, so a slow image pull or a `failed` state the
 * operator may still recover from only becomes final after a grace period.
 */
export function graphVerdict(g: GraphStatus, pods: readonly PodState[], persistedSeconds: (key: string) => number = () => 0): GraphVerdict {
    if (graphReady(g)) return { verdict: "ready" };
    for (const p of pods) {
        for (const c of p.containers) {
            const where = `pod ${p.name} container ${c.name}`;
            if (c.state === "waiting" && c.reason) {
                const key = `${p.name}/${c.name}/${c.reason}`;
                const fatal =
                    FATAL_WAITING.has(c.reason) ||
                    (SLOW_WAITING.has(c.reason) && persistedSeconds(key) >= IMAGE_PULL_GRACE_SECONDS) ||
                    (c.reason === "CrashLoopBackOff" && c.restarts >= CRASH_LOOP_RESTARTS);
                if (fatal) {
                    const last = c.lastTerminated
                        ? ` (last run ended: ${[c.lastTerminated.reason, c.lastTerminated.exitCode !== undefined ? `exit code ${c.lastTerminated.exitCode}` : ""].filter(Boolean).join(", ")})`
                        : "";
                    return {
                        verdict: "failed",
                        reason: `${where} cannot start: ${c.reason}${c.message ? `: ${c.message}` : ""}${c.restarts > 0 ? `, ${c.restarts} restarts` : ""}${last}`,
                        crashed: c.restarts > 0 ? [{ pod: p.name, container: c.name }] : [],
                    };
                }
            }
            // An init container that ended in error never lets the pod start (with restartPolicy Never).
            if (c.init && c.state === "terminated" && c.exitCode !== undefined && c.exitCode !== 0 && p.phase === "Failed") {
                return {
                    verdict: "failed",
                    reason: `${where} failed: ${c.reason ?? "Error"}, exit code ${c.exitCode}`,
                    crashed: [{ pod: p.name, container: c.name }],
                };
            }
        }
    }
    if (g.state === "failed" && persistedSeconds("graph/state=failed") >= GRAPH_FAILED_GRACE_SECONDS) {
        return { verdict: "failed", reason: `the operator reports the graph's state as failed for ${GRAPH_FAILED_GRACE_SECONDS}s or more`, crashed: [] };
    }
    return { verdict: "waiting", note: waitingNote(g, pods) };
}

/** One line on what the wait is waiting for (progress messages, the last-seen part of a timeout). */
export function waitingNote(g: GraphStatus, pods: readonly PodState[]): string {
    if (!g.exists) return "the graph does not exist";
    const ready = g.conditions.find((c) => c.type === "Ready");
    const parts = [`state ${g.state ?? "(none)"}`, ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}` : "no Ready condition"];
    const notReady = pods.filter((p) => !p.ready);
    parts.push(pods.length === 0 ? "no pods yet" : `${pods.length - notReady.length}/${pods.length} pods ready`);
    const unschedulable = notReady.find((p) => p.unschedulable);
    if (unschedulable) parts.push(`${unschedulable.name} unschedulable: ${unschedulable.unschedulable!.message}`);
    return parts.join(", ");
}

/** One pod on one line: phase, readiness, node or scheduling failure, and every container that is not simply running. */
export function describePod(p: PodState): string {
    const parts = [`${p.phase}${p.reason ? ` (${p.reason}${p.message ? `: ${p.message}` : ""})` : ""}`, p.ready ? "ready" : "not ready"];
    if (p.node) parts.push(`node ${p.node}`);
    if (p.unschedulable) parts.push(`${p.unschedulable.reason}: ${p.unschedulable.message}`);
    for (const c of p.containers) {
        const quiet = c.state === "running" && c.restarts === 0;
        if (quiet) continue;
        const detail = [
            c.state,
            c.reason,
            c.exitCode !== undefined ? `exit code ${c.exitCode}` : undefined,
            c.message ? JSON.stringify(oneLine(c.message, 200)) : undefined,
            c.restarts > 0 ? `${c.restarts} restarts` : undefined,
            c.lastTerminated
                ? `last run ended ${[c.lastTerminated.reason, c.lastTerminated.exitCode !== undefined ? `exit code ${c.lastTerminated.exitCode}` : ""].filter(Boolean).join(" ")}`
                : undefined,
        ].filter(Boolean);
        parts.push(`${c.init ? "init container" : "container"} ${c.name}: ${detail.join(" ")}`);
    }
    return `${p.name}: ${parts.join(", ")}`;
}

function oneLine(text: string, max: number): string {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The graph's state and conditions, one item per line. */
export function describeGraph(g: GraphStatus): string[] {
    if (!g.exists) return ["graph: does not exist"];
    const gen = g.generation !== undefined ? `, observedGeneration ${g.observedGeneration ?? "(none)"} of generation ${g.generation}` : "";
    const lines = [`graph state: ${g.state ?? "(none reported)"}${g.deleting ? " (being deleted)" : ""}${gen}`];
    if (g.conditions.length === 0) lines.push("  conditions: none reported (is the Dynamo operator running?)");
    for (const c of g.conditions) {
        lines.push(`  condition ${c.type}=${c.status}${c.reason ? ` reason ${c.reason}` : ""}${c.message ? `: ${oneLine(c.message, 300)}` : ""}`);
    }
    if (g.services.length > 0) {
        lines.push(`  services: ${g.services.map((s) => `${s.name} ${s.readyReplicas ?? 0}/${s.replicas ?? "?"} ready`).join(", ")}`);
    }
    return lines;
}

/** The failure message: what went wrong, the graph's status, and each pod's state. */
export function graphFailureReport(headline: string, g: GraphStatus, pods: readonly PodState[]): string {
    const listed = pods.slice(0, MAX_PODS_LISTED).map((p) => `  ${describePod(p)}`);
    const more = pods.length > MAX_PODS_LISTED ? [`  ... and ${pods.length - MAX_PODS_LISTED} more pods`] : [];
    return [
        headline,
        ...describeGraph(g),
        pods.length === 0 ? "graph pods: none (the operator made no pods for this graph)" : `graph pods (${pods.length}):`,
        ...listed,
        ...more,
    ].join("\n");
}

export const waitGraphKubectlArgs = {
    getGraph: (t: KubectlTarget, graph: string) => [...kubectlBase(t), "get", GRAPH_RESOURCE, graph, "-o", "json"],
    getGraphPods: (t: KubectlTarget, graph: string) => [...kubectlBase(t), "get", "pods", "-l", `${GRAPH_POD_LABEL}=${graph}`, "-o", "json"],
    containerLogs: (t: KubectlTarget, pod: string, container: string, tail: number, previous: boolean) => [
        ...kubectlBase(t),
        "logs",
        pod,
        "-c",
        container,
        `--tail=${tail}`,
        ...(previous ? ["--previous"] : []),
    ],
};

export interface WaitGraphOptions extends KubectlTarget {
    graph: string;
    timeoutSeconds: number;
}

/** Arguments of `dynamo-bench k8s-wait-graph`. */
export function waitGraphArgv(o: WaitGraphOptions): string[] {
    return [
        "k8s-wait-graph",
        "--namespace",
        o.namespace,
        "--graph",
        o.graph,
        "--timeout",
        String(o.timeoutSeconds),
        ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
        ...(o.context ? ["--context", o.context] : []),
    ];
}

/** The options of `dynamo-bench k8s-wait-graph`; waitGraphArgv above writes them. */
export const WAIT_GRAPH_COMMAND = defineCommand({
    name: "k8s-wait-graph",
    about: `Waits (bounded by --timeout) until the DynamoGraphDeployment reports Ready for
its current generation. Exits 0 when it does; exits 1 on a timeout or a state
that cannot recover (a container that cannot start, a crash loop, the operator
reporting the graph failed) with the graph's state and conditions, every graph
pod's state (phase, scheduling failure, container states) and the log tail of
a crashed container on stderr; exits 2 on a usage error.`,
    options: {
        namespace: { type: "string", required: true, value: "NS", description: "namespace of the graph" },
        graph: { type: "string", required: true, value: "GRAPH", description: "the DynamoGraphDeployment" },
        timeout: { type: "string", required: true, value: "SECONDS", description: "give up after this long (timeouts.readySeconds)" },
        interval: { type: "string", value: "SECONDS", default: "2", description: "between two reads of the graph" },
        kubeconfig: { type: "string", value: "PATH", description: "kubectl --kubeconfig" },
        context: { type: "string", value: "NAME", description: "kubectl --context" },
    },
});

/** The options of k8s-wait-graph from its parsed command line; UsageError on a value out of range. */
export function waitGraphOptionsFrom({ values: v }: ParsedCommandLine<typeof WAIT_GRAPH_COMMAND.options>): WaitGraphOptions & { intervalSeconds: number } {
    return {
        namespace: v.namespace,
        graph: v.graph,
        timeoutSeconds: positiveSeconds("timeout", v.timeout),
        intervalSeconds: positiveSeconds("interval", v.interval),
        kubeconfig: v.kubeconfig,
        context: v.context,
    };
}

/** Parses `k8s-wait-graph` arguments; throws UsageError on anything wrong. */
export const parseWaitGraphArgv = (argv: readonly string[]) => waitGraphOptionsFrom(parseOptionsOnly(WAIT_GRAPH_COMMAND, argv));

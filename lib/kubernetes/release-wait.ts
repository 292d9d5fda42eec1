// Pure parts of `dynamo-bench k8s-wait-release`: reading Helm's release records
// (the `sh.helm.release.v1.<release>.v<N>` Secrets) and the release namespace's
// Jobs and pods into a verdict, and into the message a failed install prints.
// Helm's own error for a hook that never completes is "failed pre-install: timed
// out waiting for the condition", which names neither the hook Job nor why its
// pod never ran; this message does.
import { gunzipSync } from "node:zlib";
import { UsageError, defineCommand, parseOptionsOnly, positiveSeconds, type ParsedCommandLine } from "../cli-options";
import { kubectlBase, type KubectlTarget } from "./collect";
import { describePod, readGraphPods, type PodState } from "./graph-wait";

/** Helm's annotation on a hook resource ("pre-install,pre-upgrade", ...). */
const HELM_HOOK_ANNOTATION = "helm.sh/hook";
/** Pods listed in a failure message (the rest are counted). */
const MAX_PODS_LISTED = 20;

export interface ReleaseRevision {
    version: number;
    /** Helm's status: pending-install, pending-upgrade, deployed, failed, superseded, uninstalling, ... */
    status: string;
    /** Helm's own description of what happened ("failed pre-install: ..."), when the record could be read. */
    description?: string;
}

interface RawSecret {
    metadata?: { labels?: Record<string, string> };
    data?: { release?: string };
}

/** Helm stores a release as base64(gzip(JSON)) in the Secret's data, which the API server base64-encodes again. */
function releaseDescription(data: string | undefined): string | undefined {
    if (!data) return undefined;
    try {
        const inner = Buffer.from(Buffer.from(data, "base64").toString("utf8"), "base64");
        const record = JSON.parse(gunzipSync(inner).toString("utf8")) as { info?: { description?: unknown } };
        // Helm's descriptions of multi-error failures span lines ("1 error occurred:\n\t* ..."): one line reads better in a report.
        const text = typeof record.info?.description === "string" ? record.info.description.replace(/\s+/g, " ").trim() : "";
        return text !== "" ? text : undefined;
    } catch {
        // An unreadable record still has its status label; the description is a bonus.
        return undefined;
    }
}

/** The release's revisions from `kubectl get secrets -l owner=helm,name=<release> -o json`, newest last. */
export function readReleaseRevisions(secrets: unknown): ReleaseRevision[] {
    const items = (secrets as { items?: RawSecret[] } | undefined)?.items ?? [];
    return items
        .map((s) => {
            const labels = s.metadata?.labels ?? {};
            const description = releaseDescription(s.data?.release);
            return { version: Number(labels.version), status: labels.status ?? "unknown", ...(description ? { description } : {}) };
        })
        .filter((r) => Number.isInteger(r.version))
        .sort((a, b) => a.version - b.version);
}

export interface HookJob {
    name: string;
    /** The hook events it runs on, as the chart annotates it. */
    hooks: string;
    active: number;
    succeeded: number;
    failed: number;
    /** Complete/Failed conditions, "type: reason: message". */
    conditions: string[];
}

interface RawJob {
    metadata?: { name?: string; annotations?: Record<string, string> };
    status?: {
        active?: number;
        succeeded?: number;
        failed?: number;
        conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    };
}

/** The Helm hook Jobs among `kubectl get jobs -o json` of the release namespace, sorted by name. */
export function readHookJobs(jobs: unknown): HookJob[] {
    const items = (jobs as { items?: RawJob[] } | undefined)?.items ?? [];
    return items
        .filter((j) => j.metadata?.annotations?.[HELM_HOOK_ANNOTATION] !== undefined)
        .map((j) => ({
            name: String(j.metadata?.name ?? "(unnamed job)"),
            hooks: j.metadata!.annotations![HELM_HOOK_ANNOTATION]!,
            active: j.status?.active ?? 0,
            succeeded: j.status?.succeeded ?? 0,
            failed: j.status?.failed ?? 0,
            conditions: (j.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => [c.type, c.reason, c.message].filter(Boolean).join(": ")),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

export type ReleaseVerdict =
    { verdict: "deployed"; revision: ReleaseRevision } | { verdict: "failed"; revision: ReleaseRevision } | { verdict: "waiting"; note: string };

const PENDING = /^pending-/;

/**
 * The revision number an install or upgrade is judged after, from the
 * revisions seen when the wait started by hand (without --after-revision): the
 * newest, or the one before it when the newest is still in progress.
 */
export function revisionBefore(revisions: readonly ReleaseRevision[]): number {
    const newest = revisions.at(-1);
    if (newest === undefined) return 0;
    return PENDING.test(newest.status) ? newest.version - 1 : newest.version;
}

/** The revision this install or upgrade makes: the newest one after `after` (the newest before it started). */
export function followedRevision(revisions: readonly ReleaseRevision[], after: number): ReleaseRevision | undefined {
    const newest = revisions.at(-1);
    return newest && newest.version > after ? newest : undefined;
}

/** Deployed, failed, or still waiting, judged on the revision followedRevision picks. */
export function releaseVerdict(revisions: readonly ReleaseRevision[], after: number): ReleaseVerdict {
    const followed = followedRevision(revisions, after);
    if (followed === undefined) return { verdict: "waiting", note: after > 0 ? `no revision after ${after} yet` : "no revision yet" };
    if (followed.status === "deployed") return { verdict: "deployed", revision: followed };
    if (followed.status === "failed") return { verdict: "failed", revision: followed };
    return { verdict: "waiting", note: `revision ${followed.version} ${followed.status}` };
}

function describeHookJob(j: HookJob): string {
    const counts = `${j.active} active, ${j.succeeded} succeeded, ${j.failed} failed`;
    return `hook Job ${j.name} (${j.hooks}): ${counts}${j.conditions.length > 0 ? `; ${j.conditions.join("; ")}` : "; not complete"}`;
}

/** Pods worth naming: not Running-and-ready, and not a finished hook's Succeeded pod. */
export function unhealthyPods(pods: readonly PodState[]): PodState[] {
    return pods.filter((p) => !(p.phase === "Succeeded" || (p.phase === "Running" && p.ready)));
}

/** The failure message: Helm's status and description, the hook Jobs, and the pods that are not healthy. */
export function releaseFailureReport(headline: string, revision: ReleaseRevision | undefined, hooks: readonly HookJob[], pods: readonly PodState[]): string {
    const shown = unhealthyPods(pods);
    const listed = shown.slice(0, MAX_PODS_LISTED).map((p) => `  ${describePod(p)}`);
    const more = shown.length > MAX_PODS_LISTED ? [`  ... and ${shown.length - MAX_PODS_LISTED} more pods`] : [];
    return [
        headline,
        revision
            ? `helm revision ${revision.version}: ${revision.status}${revision.description ? `: ${revision.description}` : ""}`
            : "helm revision: none recorded",
        ...(hooks.length === 0 ? ["hook Jobs: none in the release namespace"] : hooks.map(describeHookJob)),
        shown.length === 0 ? "pods not running or not ready: none" : `pods not running or not ready (${shown.length}):`,
        ...listed,
        ...more,
    ].join("\n");
}

export { readGraphPods as readPods };

export const waitReleaseKubectlArgs = {
    revisions: (t: KubectlTarget, release: string) => [...kubectlBase(t), "get", "secrets", "-l", `owner=helm,name=${release}`, "-o", "json"],
    jobs: (t: KubectlTarget) => [...kubectlBase(t), "get", "jobs", "-o", "json"],
    pods: (t: KubectlTarget) => [...kubectlBase(t), "get", "pods", "-o", "json"],
};

export interface WaitReleaseOptions extends KubectlTarget {
    release: string;
    /**
     * The newest revision before this install or upgrade started (0: none), as
     * `k8s-release-revision` recorded it before the release began; unset: read
     * when the wait starts, which can miss a revision Helm finished before that.
     */
    afterRevision?: number;
    /** Helm's own timeout (platform.timeoutSeconds); the wait gives up a little after it. */
    timeoutSeconds: number;
    /** How long a new revision may take to appear before the wait leaves the release's own error to speak. */
    appearSeconds: number;
}

/** Arguments of `dynamo-bench k8s-wait-release`. */
export function waitReleaseArgv(o: WaitReleaseOptions): string[] {
    return [
        "k8s-wait-release",
        "--namespace",
        o.namespace,
        "--release",
        o.release,
        "--timeout",
        String(o.timeoutSeconds),
        "--appear-within",
        String(o.appearSeconds),
        ...(o.afterRevision !== undefined ? ["--after-revision", String(o.afterRevision)] : []),
        ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
        ...(o.context ? ["--context", o.context] : []),
    ];
}

/** Arguments of `dynamo-bench k8s-release-revision`, which records the baseline before the release starts. */
export function releaseRevisionArgv(o: KubectlTarget & { release: string }): string[] {
    return [
        "k8s-release-revision",
        "--namespace",
        o.namespace,
        "--release",
        o.release,
        ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
        ...(o.context ? ["--context", o.context] : []),
    ];
}

/** The line `k8s-release-revision` prints, and how the watch's argv reads it back. */
export const formatRevisionLine = (revision: number): string => `newest revision: ${revision}\n`;
export function parseRevisionLine(stdout: string): number {
    const m = /^newest revision: (\d+)$/m.exec(stdout);
    if (!m) throw new Error(`k8s-release-revision printed no "newest revision: N" line; its output was: ${stdout.slice(-500)}`);
    return Number(m[1]);
}

export const RELEASE_REVISION_COMMAND = defineCommand({
    name: "k8s-release-revision",
    about: `Prints the newest revision of a Helm release ("newest revision: N", 0 when it has
none), counting a revision still in progress as not yet made. Run before the
platform release starts, so k8s-wait-release knows which revision this install
or upgrade makes. Exits 1 when the cluster cannot be read, 2 on a usage error.`,
    options: {
        namespace: { type: "string", required: true, value: "NS", description: "namespace of the release" },
        release: { type: "string", required: true, value: "NAME", description: "the Helm release" },
        kubeconfig: { type: "string", value: "PATH", description: "kubectl --kubeconfig" },
        context: { type: "string", value: "NAME", description: "kubectl --context" },
    },
});

/** The options of `dynamo-bench k8s-wait-release`; waitReleaseArgv above writes them. */
export const WAIT_RELEASE_COMMAND = defineCommand({
    name: "k8s-wait-release",
    about: `Watches a Helm release while it is installed or upgraded (bounded by --timeout)
and explains a failure: exits 0 once the revision is deployed, or when no new
revision appears within --appear-within (the release reports its own error then);
exits 1 when Helm marks the revision failed or the time is up, with Helm's
description, every hook Job of the release namespace and the state of each pod
that is not running (scheduling failure, container states); exits 2 on a usage
error.`,
    options: {
        namespace: { type: "string", required: true, value: "NS", description: "namespace of the release" },
        release: { type: "string", required: true, value: "NAME", description: "the Helm release" },
        timeout: { type: "string", required: true, value: "SECONDS", description: "give up after this long (platform.timeoutSeconds and a margin)" },
        "appear-within": { type: "string", value: "SECONDS", default: "60", description: "how long a new revision may take to appear" },
        "after-revision": {
            type: "string",
            value: "N",
            description: "the newest revision before the install began (k8s-release-revision; 0: none); default: read at start",
        },
        interval: { type: "string", value: "SECONDS", default: "2", description: "between two reads of the release" },
        kubeconfig: { type: "string", value: "PATH", description: "kubectl --kubeconfig" },
        context: { type: "string", value: "NAME", description: "kubectl --context" },
    },
});

/** The options of k8s-wait-release from its parsed command line; UsageError on a value out of range. */
export function waitReleaseOptionsFrom({
    values: v,
}: ParsedCommandLine<typeof WAIT_RELEASE_COMMAND.options>): WaitReleaseOptions & { intervalSeconds: number } {
    return {
        namespace: v.namespace,
        release: v.release,
        timeoutSeconds: positiveSeconds("timeout", v.timeout),
        appearSeconds: positiveSeconds("appear-within", v["appear-within"]),
        ...(v["after-revision"] !== undefined ? { afterRevision: revisionNumber("after-revision", v["after-revision"]) } : {}),
        intervalSeconds: positiveSeconds("interval", v.interval),
        kubeconfig: v.kubeconfig,
        context: v.context,
    };
}

function revisionNumber(option: string, raw: string): number {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${option} expects a revision number (0 or more), got ${JSON.stringify(raw)}`);
    return n;
}

/** Parses `k8s-wait-release` arguments; throws UsageError on anything wrong. */
export const parseWaitReleaseArgv = (argv: readonly string[]) => waitReleaseOptionsFrom(parseOptionsOnly(WAIT_RELEASE_COMMAND, argv));

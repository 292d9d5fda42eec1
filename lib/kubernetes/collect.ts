// Pure parts of `dynamo-bench k8s-collect`: reading the markers the benchmark
// script prints, judging Job and pod state from `kubectl get -o json`, and the
// kubectl and collector command lines.
import { defineCommand, oneOf, parseOptionsOnly, positiveNumber, positiveSeconds, UsageError, type ParsedCommandLine } from "../cli-options";
import { GRAPH_POD_LABEL } from "./names";

export const MARKER_PREFIX = "===DYNAMO-BENCH";

export interface ExportFile {
    phase: string;
    name: string;
    content: string;
}

export interface ParsedLog {
    files: ExportFile[];
    /** Phases the script finished, from the DONE marker; undefined when it never printed one. */
    donePhases?: number;
    /** Reason of the FAILED marker, when the script printed one. */
    failure?: string;
    /** Structural problems: a file that began and never ended, bad base64, a repeated file. */
    problems: string[];
}

const FILE_BEGIN = /^===DYNAMO-BENCH-FILE phase=(\S+) name=(\S+) base64 BEGIN===$/;
const FILE_END = /^===DYNAMO-BENCH-FILE phase=(\S+) name=(\S+) END===$/;
const DONE = /^===DYNAMO-BENCH-DONE phases=(\d+)===$/;
const FAILED = /^===DYNAMO-BENCH-FAILED reason=(\S+)===$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Extracts the marked export files (and the end state) from a benchmark Job's log. */
export function parseBenchmarkLog(log: string): ParsedLog {
    const files: ExportFile[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    let donePhases: number | undefined;
    let failure: string | undefined;
    let open: { phase: string; name: string; lines: string[] } | undefined;

    for (const raw of log.split("\n")) {
        const line = raw.replace(/\r$/, "");
        if (open) {
            const end = FILE_END.exec(line);
            if (end) {
                if (end[1] !== open.phase || end[2] !== open.name) {
                    problems.push(`file ${open.phase}/${open.name} ended by a marker for ${end[1]}/${end[2]}`);
                } else {
                    const key = `${open.phase}/${open.name}`;
                    if (seen.has(key)) problems.push(`file ${key} appears twice`);
                    seen.add(key);
                    files.push({ phase: open.phase, name: open.name, content: Buffer.from(open.lines.join(""), "base64").toString("utf8") });
                }
                open = undefined;
                continue;
            }
            const trimmed = line.trim();
            if (BASE64_LINE.test(trimmed)) {
                open.lines.push(trimmed);
                continue;
            }
            // Anything else inside a file (another marker, interleaved output) is a broken block.
            problems.push(`file ${open.phase}/${open.name} has a line that is not base64: ${JSON.stringify(trimmed.slice(0, 80))}`);
            open = undefined;
        }
        const begin = FILE_BEGIN.exec(line);
        if (begin) {
            open = { phase: begin[1], name: begin[2], lines: [] };
            continue;
        }
        const done = DONE.exec(line);
        if (done) donePhases = Number(done[1]);
        const failed = FAILED.exec(line);
        if (failed) failure = failed[1];
    }
    if (open) problems.push(`file ${open.phase}/${open.name} began but never ended (log truncated?)`);
    return { files, donePhases, failure, problems };
}

/**
 * Checks that every expected phase produced a summary JSON. Returns the
 * problems; empty means the log holds a complete result.
 */
export function checkCompleteness(parsed: ParsedLog, expectedPhases: readonly string[]): string[] {
    const problems = [...parsed.problems];
    if (parsed.failure) problems.push(`the benchmark script reported failure: ${parsed.failure}`);
    if (parsed.donePhases === undefined) problems.push("the log has no DONE marker (the script did not finish)");
    else if (expectedPhases.length > 0 && parsed.donePhases !== expectedPhases.length) {
        problems.push(`the script finished ${parsed.donePhases} phases, expected ${expectedPhases.length}`);
    }
    for (const phase of expectedPhases) {
        if (!parsed.files.some((f) => f.phase === phase && f.name.endsWith(".json"))) {
            problems.push(`phase ${phase} has no summary JSON export in the log`);
        }
    }
    return problems;
}

export type JobState = { state: "running" } | { state: "succeeded" } | { state: "failed"; reason: string };

interface Condition {
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
}

/** State of a batch/v1 Job from `kubectl get job -o json`. */
export function jobState(job: unknown): JobState {
    const status = (job as { status?: { conditions?: Condition[]; failed?: number; succeeded?: number } })?.status ?? {};
    const conditions = status.conditions ?? [];
    const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
    const failed = isTrue("Failed");
    if (failed) {
        return { state: "failed", reason: [failed.reason, failed.message].filter(Boolean).join(": ") || "the Job failed" };
    }
    if (isTrue("Complete") || isTrue("SuccessCriteriaMet")) return { state: "succeeded" };
    return { state: "running" };
}

/** Waiting reasons that never resolve on their own: fail at once instead of waiting out the timeout. */
export const FATAL_WAITING: ReadonlySet<string> = new Set(["InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "ErrImageNeverPull"]);
/** Waiting reasons that may be transient; fatal once they last this long. */
export const SLOW_WAITING: ReadonlySet<string> = new Set(["ImagePullBackOff", "ErrImagePull"]);
export const IMAGE_PULL_GRACE_SECONDS = 600;

export interface PodProblem {
    pod: string;
    reason: string;
    message: string;
    fatal: boolean;
}

/**
 * Problems of the Job's pods from `kubectl get pods -o json`. `persistedSeconds`
 * says how long each (pod, reason) has been seen, so a slow image pull only
 * becomes fatal after a grace period.
 */
export function podProblems(pods: unknown, persistedSeconds: (key: string) => number = () => 0): PodProblem[] {
    const items = (pods as { items?: unknown[] })?.items ?? [];
    const problems: PodProblem[] = [];
    for (const item of items) {
        const pod = item as {
            metadata?: { name?: string };
            status?: {
                phase?: string;
                conditions?: Condition[];
                containerStatuses?: Array<{ name?: string; state?: { waiting?: { reason?: string; message?: string } } }>;
            };
        };
        const name = pod.metadata?.name ?? "(unnamed pod)";
        for (const cs of pod.status?.containerStatuses ?? []) {
            const waiting = cs.state?.waiting;
            if (!waiting?.reason) continue;
            const key = `${name}/${waiting.reason}`;
            const fatal = FATAL_WAITING.has(waiting.reason) || (SLOW_WAITING.has(waiting.reason) && persistedSeconds(key) >= IMAGE_PULL_GRACE_SECONDS);
            if (FATAL_WAITING.has(waiting.reason) || SLOW_WAITING.has(waiting.reason)) {
                problems.push({ pod: name, reason: waiting.reason, message: waiting.message ?? "", fatal });
            }
        }
        const unschedulable = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
        if (unschedulable) problems.push({ pod: name, reason: "Unschedulable", message: unschedulable.message ?? "", fatal: false });
    }
    return problems;
}

export interface KubectlTarget {
    namespace: string;
    kubeconfig?: string;
    context?: string;
}

/** Global kubectl flags for a target cluster and namespace. */
export function kubectlBase(t: KubectlTarget): string[] {
    return [...(t.kubeconfig ? ["--kubeconfig", t.kubeconfig] : []), ...(t.context ? ["--context", t.context] : []), "--namespace", t.namespace];
}

export const kubectlArgs = {
    getJob: (t: KubectlTarget, job: string) => [...kubectlBase(t), "get", "job", job, "-o", "json"],
    getJobPods: (t: KubectlTarget, job: string) => [...kubectlBase(t), "get", "pods", "-l", `job-name=${job}`, "-o", "json"],
    jobLogs: (t: KubectlTarget, job: string, tail?: number) => [
        ...kubectlBase(t),
        "logs",
        `job/${job}`,
        "--all-containers",
        ...(tail ? [`--tail=${tail}`] : []),
    ],
    graphPods: (t: KubectlTarget, graph: string) => [...kubectlBase(t), "get", "pods", "-l", `${GRAPH_POD_LABEL}=${graph}`, "-o", "wide"],
    graphLogs: (t: KubectlTarget, graph: string, tail = 40) => [
        ...kubectlBase(t),
        "logs",
        "-l",
        `${GRAPH_POD_LABEL}=${graph}`,
        "--all-containers",
        `--tail=${tail}`,
        "--prefix",
        "--max-log-requests=50",
    ],
};

export interface PhaseRef {
    name: string;
    /** Load concurrency of the phase (tokens/s per user when the tool has no per-user figure). */
    concurrency?: number;
}

export interface CollectOptions extends KubectlTarget {
    job: string;
    graph: string;
    timeoutSeconds: number;
    /** Phases the log must hold, in order. */
    phases: PhaseRef[];
    /** GPUs of all inference workers (tokens/s per GPU). */
    gpus?: number;
    tool?: "aiperf" | "genai-perf";
}

/** Arguments of `dynamo-bench k8s-collect`. */
export function collectArgv(o: CollectOptions): string[] {
    return [
        "k8s-collect",
        "--namespace",
        o.namespace,
        "--job",
        o.job,
        "--graph",
        o.graph,
        "--timeout",
        String(o.timeoutSeconds),
        ...(o.phases.length > 0 ? ["--phases", o.phases.map((p) => (p.concurrency ? `${p.name}:${p.concurrency}` : p.name)).join(",")] : []),
        ...(o.gpus ? ["--gpus", String(o.gpus)] : []),
        ...(o.tool ? ["--tool", o.tool] : []),
        ...(o.kubeconfig ? ["--kubeconfig", o.kubeconfig] : []),
        ...(o.context ? ["--context", o.context] : []),
    ];
}

/** The options of `dynamo-bench k8s-collect`; collectArgv above writes them. */
export const COLLECT_COMMAND = defineCommand({
    name: "k8s-collect",
    about: `Waits (bounded by --timeout) for the benchmark Job, reads the export files the
Job printed into its log and prints the results summary on stdout as one line,
DYNAMO_BENCH_RESULT <json>. On a failed Job, a timeout or an incomplete log it
exits 1 with the reason, the Job's log tail and the tail of every graph pod's
log on stderr.`,
    options: {
        namespace: { type: "string", required: true, value: "NS", description: "namespace of the Job and the graph" },
        job: { type: "string", required: true, value: "JOB", description: "the benchmark Job" },
        graph: { type: "string", required: true, value: "GRAPH", description: "the DynamoGraphDeployment, whose pods' logs explain a failure" },
        timeout: { type: "string", required: true, value: "SECONDS", description: "give up waiting for the Job after this long" },
        phases: { type: "string", value: "name[:concurrency],...", description: "phases the log must hold, in order" },
        gpus: { type: "string", value: "N", description: "GPUs of the inference workers, for tokens/s per GPU" },
        tool: { type: "string", value: "aiperf|genai-perf", description: "the benchmark client" },
        interval: { type: "string", value: "SECONDS", default: "2", description: "between two reads of the Job" },
        kubeconfig: { type: "string", value: "PATH", description: "kubectl --kubeconfig" },
        context: { type: "string", value: "NAME", description: "kubectl --context" },
    },
    footer: "exit status: 0 results printed, 1 the run failed, 2 usage error",
});

/** The options of k8s-collect from its parsed command line; UsageError on a value out of range. */
export function collectOptionsFrom({ values: v }: ParsedCommandLine<typeof COLLECT_COMMAND.options>): CollectOptions & { intervalSeconds: number } {
    const tool = v.tool === undefined ? undefined : oneOf("tool", v.tool, ["aiperf", "genai-perf"] as const);
    const gpus = v.gpus === undefined ? undefined : positiveNumber("gpus", v.gpus, { integer: true });
    return {
        namespace: v.namespace,
        job: v.job,
        graph: v.graph,
        timeoutSeconds: positiveSeconds("timeout", v.timeout),
        intervalSeconds: positiveSeconds("interval", v.interval),
        phases: parsePhaseRefs(v.phases ?? ""),
        ...(gpus ? { gpus } : {}),
        ...(tool ? { tool } : {}),
        kubeconfig: v.kubeconfig,
        context: v.context,
    };
}

/** Parses `k8s-collect` arguments; throws UsageError on anything wrong. */
export const parseCollectArgv = (argv: readonly string[]) => collectOptionsFrom(parseOptionsOnly(COLLECT_COMMAND, argv));

/** `name[:concurrency],...` */
export function parsePhaseRefs(text: string): PhaseRef[] {
    return text
        .split(",")
        .filter(Boolean)
        .map((item) => {
            const [name, c] = item.split(":");
            const concurrency = c === undefined ? undefined : Number(c);
            if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))) {
                throw new UsageError(`--phases expects name[:concurrency] items such as c8:8, got ${JSON.stringify(item)}`);
            }
            return concurrency ? { name, concurrency } : { name };
        });
}

/** Last `n` lines of a text. */
export function tailLines(text: string, n: number): string {
    const lines = text.replace(/\n$/, "").split("\n");
    return lines.slice(Math.max(0, lines.length - n)).join("\n");
}

/**
 * `dynamo-bench k8s-collect`: waits for a benchmark Job (bounded), extracts the
 * export files from its log and prints the results summary as one
 * `DYNAMO_BENCH_RESULT <json>` line (lib/results/result-line.ts). Run by the
 * `<name>-results` command of the Kubernetes target; usable by hand as well.
 *
 * stdout carries only that line; progress and diagnostics go to stderr. Exit
 * status: 0 results printed, 1 the run failed (reason and log tails on
 * stderr), 2 usage error. `KUBECTL` names the kubectl binary (default: kubectl).
 */
import { execFile } from "node:child_process";
import {
    COLLECT_COMMAND,
    checkCompleteness,
    clusterTimings,
    collectOptionsFrom,
    jobState,
    kubectlArgs,
    parseBenchmarkLog,
    podProblems,
    summarizeCollected,
    tailLines,
    waitGraphKubectlArgs,
    type CollectOptions,
} from "../lib/kubernetes";
import { readCommandLine } from "../lib/cli-options";
import { formatResultLine, isResultsError } from "../lib/results";
import type { Command } from "./main";

export interface KubectlResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** `input` is written to kubectl's stdin (a manifest for `apply -f -`). */
export type Kubectl = (args: string[], input?: string) => Promise<KubectlResult>;

/** Runs kubectl with a per-call bound; never throws. */
export function systemKubectl(binary = process.env.KUBECTL || "kubectl", callTimeoutMs = 60_000): Kubectl {
    return (args, input) =>
        new Promise((resolve) => {
            const child = execFile(binary, args, { maxBuffer: 512 * 1024 * 1024, timeout: callTimeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
                const code = error ? (typeof (error as NodeJS.ErrnoException).code === "number" ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
                const reason = error && !stderr ? String(error.message) : stderr;
                resolve({ code, stdout: stdout ?? "", stderr: reason ?? "" });
            });
            // Without input, kubectl's stdin is closed at once, so nothing can wait on it;
            // a kubectl that exits without reading it (EPIPE) is judged by its exit status alone.
            child.stdin?.on("error", () => undefined);
            child.stdin?.end(input ?? "");
        });
}

export interface CollectIo {
    kubectl: Kubectl;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
}

/** The real kubectl, streams and clock: the io of k8s-collect, k8s-wait-graph and k8s-wait-release. */
export const systemCollectIo = (): CollectIo => ({
    kubectl: systemKubectl(),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
});

class CollectFailure extends Error {}

/** Polls the Job until it succeeds and returns it as read; throws CollectFailure with the reason otherwise. */
async function waitForJob(o: CollectOptions & { intervalSeconds: number }, io: CollectIo): Promise<unknown> {
    const start = io.now();
    const deadline = start + o.timeoutSeconds * 1000;
    const firstSeen = new Map<string, number>();
    let lastNote = "";
    let lastProgress = start;
    for (;;) {
        const got = await io.kubectl(kubectlArgs.getJob(o, o.job));
        if (got.code !== 0) {
            if (/NotFound|not found/i.test(got.stderr)) {
                throw new CollectFailure(`Job ${o.namespace}/${o.job} does not exist (deleted, or its ttlSecondsAfterFinished passed): ${got.stderr.trim()}`);
            }
            lastNote = `kubectl get job failed: ${got.stderr.trim()}`;
        } else {
            const job: unknown = JSON.parse(got.stdout);
            const state = jobState(job);
            if (state.state === "succeeded") return job;
            if (state.state === "failed") throw new CollectFailure(`Job ${o.namespace}/${o.job} failed: ${state.reason}`);
            const pods = await io.kubectl(kubectlArgs.getJobPods(o, o.job));
            if (pods.code === 0) {
                const now = io.now();
                const problems = podProblems(JSON.parse(pods.stdout), (key) => {
                    if (!firstSeen.has(key)) firstSeen.set(key, now);
                    return (now - (firstSeen.get(key) ?? now)) / 1000;
                });
                const fatal = problems.find((p) => p.fatal);
                if (fatal) throw new CollectFailure(`pod ${fatal.pod} of Job ${o.job} cannot start: ${fatal.reason}: ${fatal.message}`);
                lastNote = problems.map((p) => `${p.pod}: ${p.reason} ${p.message}`.trim()).join("; ");
            }
        }
        const now = io.now();
        if (now >= deadline) {
            throw new CollectFailure(
                `timed out after ${o.timeoutSeconds}s waiting for Job ${o.namespace}/${o.job} to finish${lastNote ? ` (last seen: ${lastNote})` : ""}`,
            );
        }
        if (now - lastProgress >= 60_000) {
            io.stderr(`k8s-collect: Job ${o.job} still running after ${Math.round((now - start) / 1000)}s${lastNote ? `; ${lastNote}` : ""}\n`);
            lastProgress = now;
        }
        await io.sleep(Math.min(o.intervalSeconds * 1000, Math.max(0, deadline - now)));
    }
}

/** Everything that explains a failure: the Job's log tail and the graph pods' state and log tails. */
async function diagnostics(o: CollectOptions, io: CollectIo): Promise<string> {
    const section = async (title: string, args: string[], tail?: number) => {
        const r = await io.kubectl(args);
        const body = r.code === 0 ? r.stdout : `(kubectl failed: ${r.stderr.trim()})`;
        return `--- ${title} ---\n${tail ? tailLines(body, tail) : body.replace(/\n$/, "")}\n`;
    };
    return [
        await section(`log of Job ${o.job} (last 80 lines)`, kubectlArgs.jobLogs(o, o.job, 80)),
        await section(`pods of graph ${o.graph}`, kubectlArgs.graphPods(o, o.graph)),
        await section(`logs of graph ${o.graph} pods (last 40 lines each)`, kubectlArgs.graphLogs(o, o.graph, 40)),
    ].join("");
}

export async function runK8sCollect(argv: string[], io: CollectIo = systemCollectIo()): Promise<number> {
    const line = readCommandLine(COLLECT_COMMAND, argv, io, collectOptionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    try {
        io.stderr(`k8s-collect: waiting up to ${o.timeoutSeconds}s for Job ${o.namespace}/${o.job}\n`);
        const job = await waitForJob(o, io);
        const logs = await io.kubectl(kubectlArgs.jobLogs(o, o.job));
        if (logs.code !== 0) throw new CollectFailure(`the Job succeeded but its log could not be read: ${logs.stderr.trim()}`);
        const parsed = parseBenchmarkLog(logs.stdout);
        const problems = checkCompleteness(
            parsed,
            o.phases.map((p) => p.name),
        );
        if (problems.length > 0) throw new CollectFailure(`the Job's log does not hold complete results:\n  ${problems.join("\n  ")}`);
        let results;
        try {
            results = summarizeCollected(parsed.files, o.phases, { tool: o.tool, gpus: o.gpus });
        } catch (e) {
            if (isResultsError(e)) throw new CollectFailure(`the export files in the Job's log could not be read: ${e.message}`);
            throw e;
        }
        // The graph's Ready time is a bonus: a graph that cannot be read leaves readySeconds out.
        const graph = await io.kubectl(waitGraphKubectlArgs.getGraph(o, o.graph));
        const timings = clusterTimings(graph.code === 0 ? JSON.parse(graph.stdout) : undefined, job);
        io.stdout(formatResultLine({ ok: true, ...results, timings }));
        io.stderr(`k8s-collect: collected ${results.phases.length} phase(s) from Job ${o.job}\n`);
        return 0;
    } catch (e) {
        if (!(e instanceof CollectFailure)) throw e;
        io.stderr(`dynamo-bench k8s-collect: FAILED: ${e.message}\n${await diagnostics(o, io)}`);
        return 1;
    }
}

export const command: Command = {
    summary: "wait for a Kubernetes benchmark Job and print its results line",
    run: (args) => runK8sCollect(args),
};

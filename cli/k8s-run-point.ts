/**
 * `dynamo-bench k8s-run-point` and `k8s-delete-point`: one Kubernetes sweep
 * point as one command, so the point's GPUs are free when its resource is
 * created (lib/kubernetes/point-run.ts; docs/sweeps.md#kubernetes). The run
 * reuses k8s-wait-graph and k8s-collect as they are, so its waits, bounds and
 * failure reports are theirs. stdout carries only the DYNAMO_BENCH_RESULT
 * line (with the graph's lifetime added); progress and diagnostics go to stderr.
 */
import {
    DELETE_POINT_COMMAND,
    RUN_POINT_COMMAND,
    deletePointOptionsFrom,
    ownedByGraph,
    parsePointManifests,
    pointKubectlArgs,
    runPointOptionsFrom,
    stepArgv,
    type GraphLifetime,
    type PointRunOptions,
} from "../lib/kubernetes";
import { readCommandLine, UsageError } from "../lib/cli-options";
import { formatResultLine, RESULT_MARKER, type ResultLine } from "../lib/results";
import { runK8sCollect, systemCollectIo, type CollectIo } from "./k8s-collect";
import { runK8sWaitGraph } from "./k8s-wait-graph";
import type { Command } from "./main";
import { pointProgress, progressDir, type PointProgress } from "../lib/sweep/progress-file";

type DeleteTarget = Pick<PointRunOptions, "namespace" | "graph" | "job" | "configMap" | "deleteSeconds" | "kubeconfig" | "context">;

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

/** Deletes the graph and waits (bounded) until its pods are gone too; the reason when it could not. */
async function deleteGraph(o: DeleteTarget, io: CollectIo): Promise<string | undefined> {
    const deadline = io.now() + o.deleteSeconds * 1000;
    const r = await io.kubectl(pointKubectlArgs.delete(o, pointKubectlArgs.graphResource, o.graph, o.deleteSeconds));
    if (r.code !== 0) return `kubectl delete of graph ${o.namespace}/${o.graph} failed: ${firstLine(r.stderr)}`;
    // The graph owns its pods; the garbage collector may still be removing them when the graph is gone.
    for (;;) {
        const pods = await io.kubectl(pointKubectlArgs.graphPodNames(o, o.graph));
        const left = pods.code === 0 ? pods.stdout.trim().split("\n").filter(Boolean) : [];
        if (pods.code === 0 && left.length === 0) return undefined;
        if (io.now() >= deadline) {
            const what = pods.code === 0 ? `pods still there: ${left.join(", ")}` : `the pods could not be read: ${firstLine(pods.stderr)}`;
            return `graph ${o.namespace}/${o.graph} was deleted but its pods were not gone within ${o.deleteSeconds}s (timeouts.deleteSeconds); ${what}`;
        }
        await io.sleep(Math.min(1000, Math.max(0, deadline - io.now())));
    }
}

/** Deletes whatever of the point is there: graph, Job (with its pods), ConfigMap. Returns the problems. */
async function deleteAll(o: DeleteTarget, io: CollectIo): Promise<string[]> {
    const problems: string[] = [];
    const graph = await deleteGraph(o, io);
    if (graph) problems.push(graph);
    for (const [resource, name] of [
        ["job", o.job],
        ["configmap", o.configMap],
    ] as const) {
        const r = await io.kubectl(pointKubectlArgs.delete(o, resource, name, o.deleteSeconds));
        if (r.code !== 0) problems.push(`kubectl delete ${resource} ${o.namespace}/${name} failed: ${firstLine(r.stderr)}`);
    }
    return problems;
}

const readStdin = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
};

/** The sweep point this command runs, from the sweep's progress file (lib/sweep/progress-file.ts). */
const sweepProgress = (names: string[]) => pointProgress(progressDir(process.env), names);

export async function runK8sRunPoint(
    argv: string[],
    io: CollectIo = systemCollectIo(),
    stdin: () => Promise<string> = readStdin,
    progressFor: (names: string[]) => PointProgress = sweepProgress,
): Promise<number> {
    const line = readCommandLine(RUN_POINT_COMMAND, argv, io, runPointOptionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    let manifests;
    try {
        manifests = parsePointManifests(await stdin());
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.stderr(`dynamo-bench k8s-run-point: ${e.message}\n`);
        return 2;
    }
    const ref = `${o.namespace}/${o.graph}`;
    const start = io.now();
    const progress = progressFor([o.graph]);
    // In a sweep: "sweep point i/N id: stage (elapsed, estimate)"; alone: the graph and the time since the start.
    const stage = (text: string) =>
        io.stderr(`k8s-run-point: ${progress.line(text) ?? `graph ${ref}: ${text} (${Math.round((io.now() - start) / 1000)} s)`}\n`);
    const fail = async (reason: string) => {
        io.stderr(`dynamo-bench k8s-run-point: FAILED: ${reason}\n`);
        // Nothing in the stack's state holds a failed point, so nothing else would free its GPUs.
        const left = await deleteAll(o, io);
        io.stderr(
            left.length === 0 ? `k8s-run-point: removed the graph, Job and ConfigMap of ${ref}\n` : `k8s-run-point: could not clean up: ${left.join("; ")}\n`,
        );
        return 1;
    };

    // A Job is immutable: one left by an earlier, failed or interrupted, run goes first.
    const old = await io.kubectl(pointKubectlArgs.delete(o, "job", o.job, o.deleteSeconds));
    if (old.code !== 0) return fail(`could not delete the Job ${o.namespace}/${o.job} of an earlier run: ${firstLine(old.stderr)}`);

    stage("deploying");
    const applied = await io.kubectl(pointKubectlArgs.apply(o), JSON.stringify(manifests.graph));
    if (applied.code !== 0) return fail(`kubectl apply of graph ${ref} failed: ${applied.stderr.trim()}`);
    const appliedGraph = JSON.parse(applied.stdout) as {
        apiVersion: string;
        kind: string;
        metadata: { name: string; uid: string; creationTimestamp?: string };
    };
    const createdAt = appliedGraph.metadata?.creationTimestamp;
    if (manifests.workerMetricsService) {
        const svc = await io.kubectl(pointKubectlArgs.apply(o), JSON.stringify(ownedByGraph(manifests.workerMetricsService, appliedGraph)));
        if (svc.code !== 0) return fail(`kubectl apply of the worker-metrics Service of ${ref} failed: ${svc.stderr.trim()}`);
    }

    const steps = stepArgv(o);
    // k8s-wait-graph's one stdout line ("Ready after") is progress here: stdout is for the result line.
    if ((await runK8sWaitGraph(steps.wait, { ...io, stdout: io.stderr })) !== 0) return fail(`graph ${ref} did not become Ready (the reason is above)`);
    stage(`ready; benchmark Job running ${o.phases.length} load(s)`);

    const job = await io.kubectl(pointKubectlArgs.apply(o), JSON.stringify({ apiVersion: "v1", kind: "List", items: [manifests.configMap, manifests.job] }));
    if (job.code !== 0) return fail(`kubectl apply of the benchmark Job ${o.namespace}/${o.job} failed: ${job.stderr.trim()}`);
    let collected = "";
    if ((await runK8sCollect(steps.collect, { ...io, stdout: (t) => (collected += t) })) !== 0) {
        return fail(`the benchmark Job ${o.namespace}/${o.job} did not deliver results (the reason is above)`);
    }

    stage("collected; deleting the graph");
    const notGone = await deleteGraph(o, io);
    if (notGone) return fail(notGone);
    const graph: GraphLifetime = { ...(createdAt ? { createdAt } : {}), goneAt: new Date(io.now()).toISOString() };
    stage("done; graph and its pods gone");
    progress.finished();
    const result = collected.split("\n").find((l) => l.startsWith(`${RESULT_MARKER} `))!;
    io.stdout(formatResultLine({ ...(JSON.parse(result.slice(RESULT_MARKER.length + 1)) as ResultLine), graph } as ResultLine));
    return 0;
}

export async function runK8sDeletePoint(argv: string[], io: CollectIo = systemCollectIo()): Promise<number> {
    const line = readCommandLine(DELETE_POINT_COMMAND, argv, io, deletePointOptionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const problems = await deleteAll(line.options, io);
    if (problems.length > 0) {
        io.stderr(`dynamo-bench k8s-delete-point: FAILED: ${problems.join("; ")}\n`);
        return 1;
    }
    return 0;
}

export const command: Command = {
    summary: "run one Kubernetes sweep point (graph, Ready, Job, results) and delete its graph",
    run: (args) => runK8sRunPoint(args),
};

export const deleteCommand: Command = {
    summary: "delete what a Kubernetes sweep point left (graph, Job, ConfigMap)",
    run: (args) => runK8sDeletePoint(args),
};

// `dynamo-bench k8s-run-point` and `k8s-delete-point` against a scripted
// kubectl that keeps a small cluster's state (graph, its pods, Job, ConfigMap):
// the order of the steps, the manifests on kubectl's stdin, the graph gone (and
// its pods) before the command reports, the clean-up after a failure, and the
// argument round trip.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GRAPH_RESOURCE, parsePointManifests, parseRunPointArgv, runPointArgv, type PointRunOptions } from "../../lib/kubernetes";
import { runK8sDeletePoint, runK8sRunPoint } from "../../cli/k8s-run-point";
import { parseResultLine } from "../../lib/results";
import { fakeCollectIo, kubectlOk } from "../helpers/fake-collect-io";
import { readReference, referenceSkip } from "../helpers/reference";
import type { KubectlResult } from "../../cli/k8s-collect";

const AIPERF_JSON = readReference("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.json");
const NO_METRICS = referenceSkip("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.json");

const b64 = (s: string) => Buffer.from(s).toString("base64");
const jobLog = (phase: string) =>
    [
        `===DYNAMO-BENCH-FILE phase=${phase} name=profile_export_aiperf.json base64 BEGIN===`,
        b64(AIPERF_JSON),
        `===DYNAMO-BENCH-FILE phase=${phase} name=profile_export_aiperf.json END===`,
        "===DYNAMO-BENCH-DONE phases=1===",
        "",
    ].join("\n");

const manifests = {
    graph: { apiVersion: "nvidia.com/v1alpha1", kind: "DynamoGraphDeployment", metadata: { name: "sw-d1", namespace: "ns" }, spec: { services: {} } },
    configMap: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sw-d1-bench-script", namespace: "ns" }, data: {} },
    job: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "sw-d1-bench", namespace: "ns" }, spec: {} },
};

const options: PointRunOptions = {
    namespace: "ns",
    graph: "sw-d1",
    job: "sw-d1-bench",
    configMap: "sw-d1-bench-script",
    readySeconds: 60,
    collectSeconds: 120,
    deleteSeconds: 30,
    phases: [{ name: "c1", concurrency: 1 }],
    gpus: 2,
    tool: "aiperf",
};
const argv = runPointArgv(options).slice(1);

interface Cluster {
    graph: boolean;
    pods: number;
    job: boolean;
    configMap: boolean;
    /** Graph polls before it reports Ready; a negative number never does. */
    readyAfter: number;
    /** Polls the pods take to go after the graph is deleted. */
    podsLinger: number;
}

/** A kubectl over a tiny cluster state: apply creates, delete removes, the graph turns Ready after `readyAfter` reads. */
function clusterIo(state: Cluster) {
    let graphReads = 0;
    let lingering = 0;
    const notFound = (what: string): KubectlResult => ({ code: 1, stdout: "", stderr: `Error from server (NotFound): ${what} not found` });
    return fakeCollectIo((args, input) => {
        const sub = args.slice(args.indexOf("--namespace") + 2);
        if (sub[0] === "apply") {
            const kind = (JSON.parse(input ?? "{}") as { kind?: string }).kind;
            if (kind === "DynamoGraphDeployment") state.graph = true;
            if (kind === "List") state.job = state.configMap = true;
        }
        if (sub[0] === "apply") {
            const m = JSON.parse(input ?? "{}") as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
            return kubectlOk(
                JSON.stringify({ ...m, metadata: { ...m.metadata, uid: `uid-of-${m.metadata?.name}`, creationTimestamp: "2026-12-02T07:00:00Z" } }),
            );
        }
        if (sub[0] === "delete") {
            if (sub[1] === GRAPH_RESOURCE) {
                state.graph = false;
                lingering = state.podsLinger;
            }
            if (sub[1] === "job") state.job = false;
            if (sub[1] === "configmap") state.configMap = false;
            return kubectlOk("");
        }
        if (sub[0] === "get" && sub[1] === GRAPH_RESOURCE) {
            if (!state.graph) return notFound("graph");
            graphReads += 1;
            const ready = state.readyAfter >= 0 && graphReads > state.readyAfter;
            const graph = {
                metadata: { name: "sw-d1", generation: 1, creationTimestamp: "2026-12-02T07:00:00Z" },
                status: {
                    state: ready ? "successful" : "pending",
                    observedGeneration: 1,
                    conditions: [{ type: "Ready", status: ready ? "True" : "False", observedGeneration: 1, lastTransitionTime: "2026-12-02T07:00:05Z" }],
                },
            };
            return kubectlOk(JSON.stringify(graph));
        }
        if (sub[0] === "get" && sub[1] === "pods" && sub.includes("name")) {
            if (!state.graph && lingering > 0) {
                lingering -= 1;
                return kubectlOk("pod/sw-d1-decode-0\n");
            }
            return kubectlOk(state.graph ? "pod/sw-d1-decode-0\npod/sw-d1-frontend-0\n" : "");
        }
        if (sub[0] === "get" && sub[1] === "pods") return kubectlOk(JSON.stringify({ items: [] }));
        if (sub[0] === "get" && sub[1] === "job") {
            if (!state.job) return notFound("job");
            return kubectlOk(JSON.stringify({ status: { conditions: [{ type: "Complete", status: "True" }] } }));
        }
        if (sub[0] === "logs") return kubectlOk(jobLog("c1"));
        return { code: 1, stdout: "", stderr: `unexpected kubectl ${args.join(" ")}` };
    });
}

/** The kubectl verbs in order, as `verb resource`. */
const steps = (calls: string[][]) =>
    calls.map((c) => {
        const sub = c.slice(c.indexOf("--namespace") + 2);
        return sub[0] === "apply" ? "apply" : `${sub[0]} ${sub[1]}`;
    });

describe("k8s-run-point", () => {
    test(
        "deletes an old Job, applies the graph, waits for Ready, runs the Job, collects, deletes the graph and waits for its pods",
        { skip: NO_METRICS },
        async () => {
            const state: Cluster = { graph: false, pods: 0, job: true, configMap: false, readyAfter: 2, podsLinger: 2 };
            const { io, out } = clusterIo(state);
            const code = await runK8sRunPoint(argv, io, async () => JSON.stringify(manifests));
            assert.equal(code, 0, out.stderr);
            const seen = steps(out.calls);
            // A stale Job of the same name goes before anything is applied.
            assert.equal(seen[0], `delete job`);
            assert.equal(seen[1], "apply");
            assert.deepEqual(JSON.parse(out.inputs[1]!), manifests.graph);
            const jobApply = seen.indexOf("apply", 2);
            assert.ok(jobApply > seen.lastIndexOf(`get ${GRAPH_RESOURCE}`, jobApply), "the Job is applied only after the graph was read Ready");
            assert.deepEqual(
                JSON.parse(out.inputs[jobApply]!).items.map((m: { kind: string }) => m.kind),
                ["ConfigMap", "Job"],
            );
            const graphDelete = seen.indexOf(`delete ${GRAPH_RESOURCE}`);
            assert.ok(graphDelete > seen.indexOf("logs job/sw-d1-bench"), "the graph goes only once the results are read");
            // The pods lingered two reads after the graph's deletion: the command waited them out.
            assert.equal(seen.slice(graphDelete + 1).filter((s) => s === "get pods").length, 3);
            assert.equal(state.graph, false);
            const line = parseResultLine<{ ok: boolean; phases: Array<{ name: string }>; graph: { createdAt: string; goneAt: string } }>(
                out.stdout,
                "k8s-run-point",
            );
            assert.deepEqual(
                line.phases.map((p) => p.name),
                ["c1"],
            );
            assert.equal(line.graph.createdAt, "2026-12-02T07:00:00Z");
            assert.match(line.graph.goneAt, /^1970-01-01T00:00:0\dZ|^1970-01-01T00:00:\d\d\.\d{3}Z$/);
            assert.equal(out.stdout.split("\n").filter(Boolean).length, 1, "stdout holds the result line only");
            for (const stage of ["deploying", "ready; benchmark Job running 1 load\\(s\\)", "collected; deleting the graph", "done; graph and its pods gone"]) {
                assert.match(out.stderr, new RegExp(`k8s-run-point: graph ns/sw-d1: ${stage} \\(\\d+ s\\)`));
            }
        },
    );

    test("a graph that never becomes Ready: exit 1 with the wait's report, and the graph, Job and ConfigMap are deleted", async () => {
        const state: Cluster = { graph: false, pods: 0, job: false, configMap: false, readyAfter: -1, podsLinger: 0 };
        const { io, out } = clusterIo(state);
        assert.equal(await runK8sRunPoint(argv, io, async () => JSON.stringify(manifests)), 1);
        assert.match(out.stderr, /k8s-wait-graph: FAILED: graph ns\/sw-d1 did not become Ready within 60s/);
        assert.match(out.stderr, /k8s-run-point: FAILED: graph ns\/sw-d1 did not become Ready/);
        assert.match(out.stderr, /removed the graph, Job and ConfigMap of ns\/sw-d1/);
        assert.equal(out.stdout, "");
        assert.equal(state.graph, false);
        const seen = steps(out.calls);
        assert.ok(!seen.includes("logs job/sw-d1-bench"), "no Job ran");
        assert.deepEqual(seen.slice(-2), ["delete job", "delete configmap"]);
    });

    test("pods that outlive the graph's deletion bound fail the run, naming them", { skip: NO_METRICS }, async () => {
        const state: Cluster = { graph: false, pods: 0, job: false, configMap: false, readyAfter: 0, podsLinger: 1_000 };
        const { io, out } = clusterIo(state);
        assert.equal(await runK8sRunPoint(argv, io, async () => JSON.stringify(manifests)), 1);
        assert.match(out.stderr, /was deleted but its pods were not gone within 30s \(timeouts.deleteSeconds\); pods still there: pod\/sw-d1-decode-0/);
    });

    test("in a sweep, each stage line names the point, with the sweep's elapsed time and estimate", { skip: NO_METRICS }, async () => {
        const { io, out } = clusterIo({ graph: false, pods: 0, job: false, configMap: false, readyAfter: 0, podsLinger: 0 });
        let finished = 0;
        const asked: string[][] = [];
        const progressFor = (names: string[]) => {
            asked.push(names);
            return { inSweep: true, line: (stage: string) => `sweep point 2/3 d1: ${stage} (elapsed 5 s, about 9 s left)`, finished: () => (finished += 1) };
        };
        assert.equal(await runK8sRunPoint(argv, io, async () => JSON.stringify(manifests), progressFor), 0, out.stderr);
        assert.deepEqual(asked, [["sw-d1"]]);
        assert.match(out.stderr, /^k8s-run-point: sweep point 2\/3 d1: deploying \(elapsed 5 s, about 9 s left\)$/m);
        assert.match(out.stderr, /^k8s-run-point: sweep point 2\/3 d1: done; graph and its pods gone/m);
        assert.equal(finished, 1);
    });

    test("the worker-metrics Service is applied right after the graph, owned by it, so the graph's deletion takes it along", { skip: NO_METRICS }, async () => {
        const state: Cluster = { graph: false, pods: 0, job: false, configMap: false, readyAfter: 0, podsLinger: 0 };
        const { io, out } = clusterIo(state);
        const service = { apiVersion: "v1", kind: "Service", metadata: { name: "sw-d1-worker-metrics", namespace: "ns" }, spec: { clusterIP: "None" } };
        assert.equal(await runK8sRunPoint(argv, io, async () => JSON.stringify({ ...manifests, workerMetricsService: service })), 0, out.stderr);
        const seen = steps(out.calls);
        const applies = seen.flatMap((s, i) => (s === "apply" ? [JSON.parse(out.inputs[i]!)] : []));
        assert.deepEqual(
            applies.map((m) => m.kind),
            ["DynamoGraphDeployment", "Service", "List"],
        );
        assert.deepEqual(applies[1].metadata.ownerReferences, [
            { apiVersion: "nvidia.com/v1alpha1", kind: "DynamoGraphDeployment", name: "sw-d1", uid: "uid-of-sw-d1" },
        ]);
        assert.deepEqual(
            { ...applies[1], metadata: { ...applies[1].metadata, ownerReferences: undefined } },
            { ...service, metadata: { ...service.metadata, ownerReferences: undefined } },
        );
        await assert.rejects(
            async () => parsePointManifests(JSON.stringify({ ...manifests, workerMetricsService: manifests.job })),
            /"workerMetricsService" to be a Service/,
        );
    });

    test("stdin that is not the three manifests is a usage error before any kubectl call", async () => {
        const { io, out } = clusterIo({ graph: false, pods: 0, job: false, configMap: false, readyAfter: 0, podsLinger: 0 });
        assert.equal(await runK8sRunPoint(argv, io, async () => JSON.stringify({ graph: manifests.graph, job: manifests.job })), 2);
        assert.match(out.stderr, /expected "configMap" to be a ConfigMap manifest/);
        assert.equal(out.calls.length, 0);
    });

    test("argv round trip", () => {
        const { namespace, graph, job, configMap, readySeconds, collectSeconds, deleteSeconds, phases, gpus, tool } = parseRunPointArgv(argv);
        assert.deepEqual({ namespace, graph, job, configMap, readySeconds, collectSeconds, deleteSeconds, phases, gpus, tool }, options);
    });
});

test("k8s-delete-point deletes the graph, the Job and the ConfigMap, each bounded", async () => {
    const state: Cluster = { graph: true, pods: 2, job: true, configMap: true, readyAfter: 0, podsLinger: 0 };
    const { io, out } = clusterIo(state);
    assert.equal(
        await runK8sDeletePoint(
            ["--namespace", "ns", "--graph", "sw-d1", "--job", "sw-d1-bench", "--config-map", "sw-d1-bench-script", "--delete-timeout", "30"],
            io,
        ),
        0,
    );
    assert.deepEqual(state, { graph: false, pods: 2, job: false, configMap: false, readyAfter: 0, podsLinger: 0 });
    for (const call of out.calls.filter((c) => c.includes("delete")))
        assert.ok(call.includes("--timeout=30s") && call.includes("--ignore-not-found"), call.join(" "));
});

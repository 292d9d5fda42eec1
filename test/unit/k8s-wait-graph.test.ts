// `dynamo-bench k8s-wait-graph`: reading a DynamoGraphDeployment's status and
// its pods into a verdict and a failure message, argument round trips, and
// whole runs against a scripted kubectl (in-process and as a real process
// through bin/dynamo-bench.js with a fake kubectl on PATH).
//
// The JSON is shaped like what the API server returns: the graph status of the
// CRD (state, conditions, services; the operator's reasons
// some_resources_are_not_ready / all_resources_are_ready, and the test
// stand-in's), and pods with the scheduler's PodScheduled condition and the
// kubelet's container states.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    CRASH_LOOP_RESTARTS,
    GRAPH_FAILED_GRACE_SECONDS,
    GRAPH_RESOURCE,
    IMAGE_PULL_GRACE_SECONDS,
    describePod,
    graphFailureReport,
    graphReady,
    graphVerdict,
    parseWaitGraphArgv,
    readGraphPods,
    readGraphStatus,
    waitGraphArgv,
    waitGraphKubectlArgs,
} from "../../lib/kubernetes";
import { runK8sWaitGraph } from "../../cli/k8s-wait-graph";
import { fakeCollectIo, kubectlOk } from "../helpers/fake-collect-io";
import { REPO_ROOT as repoRoot } from "../../lib/paths";
import { writeFakeKubectl } from "../helpers/fake-kubectl";

type Json = Record<string, any>;

/** A graph as `kubectl get dynamographdeployments.v1alpha1.nvidia.com -o json` returns it. */
function dgd(status: Json | undefined, generation = 1): Json {
    return {
        apiVersion: "nvidia.com/v1alpha1",
        kind: "DynamoGraphDeployment",
        metadata: { name: "llama", namespace: "bench", generation, uid: "0b6c6a0e-6f1e-4d55-9a53-2c1f4f0c9a11" },
        spec: { backendFramework: "vllm", services: { Frontend: {}, VllmDecodeWorker: {}, VllmPrefillWorker: {} } },
        ...(status ? { status } : {}),
    };
}

const T0 = "2026-12-02T02:30:00Z";
const pendingStatus = {
    state: "pending",
    observedGeneration: 1,
    conditions: [
        {
            type: "Ready",
            status: "False",
            reason: "some_resources_are_not_ready",
            message: "Resources not ready: llama: podclique/llama-0-vllmdecodeworker: desired=1, ready=0",
            lastTransitionTime: T0,
            observedGeneration: 1,
        },
    ],
    services: {
        Frontend: { componentKind: "PodClique", componentName: "llama-0-frontend", replicas: 1, updatedReplicas: 1, readyReplicas: 1 },
        VllmDecodeWorker: { componentKind: "PodClique", componentName: "llama-0-vllmdecodeworker", replicas: 1, updatedReplicas: 1, readyReplicas: 0 },
    },
};
const readyStatus = {
    state: "successful",
    observedGeneration: 1,
    conditions: [
        { type: "Ready", status: "True", reason: "all_resources_are_ready", message: "All resources are ready", lastTransitionTime: T0, observedGeneration: 1 },
    ],
};

function pod(name: string, status: Json, nodeName?: string): Json {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "bench", labels: { "nvidia.com/dynamo-graph-deployment-name": "llama" } },
        spec: { containers: [{ name: "main" }], ...(nodeName ? { nodeName } : {}) },
        status,
    };
}
const runningPod = pod(
    "llama-0-frontend-7xq2k",
    {
        phase: "Running",
        conditions: [
            { type: "PodScheduled", status: "True" },
            { type: "Ready", status: "True" },
        ],
        containerStatuses: [{ name: "main", ready: true, restartCount: 0, state: { running: { startedAt: T0 } } }],
    },
    "gpu-node-1",
);
const unschedulablePod = pod("llama-0-vllmdecodeworker-s8d9f", {
    phase: "Pending",
    conditions: [
        {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message:
                "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            lastTransitionTime: T0,
        },
    ],
});
const crashLoopPod = (restarts: number) =>
    pod(
        "llama-0-vllmdecodeworker-s8d9f",
        {
            phase: "Running",
            conditions: [
                { type: "PodScheduled", status: "True" },
                { type: "Ready", status: "False", reason: "ContainersNotReady" },
            ],
            containerStatuses: [
                {
                    name: "main",
                    ready: false,
                    restartCount: restarts,
                    state: {
                        waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s restarting failed container=main pod=llama-0-vllmdecodeworker-s8d9f" },
                    },
                    lastState: { terminated: { reason: "Error", exitCode: 1, startedAt: T0, finishedAt: T0 } },
                },
            ],
        },
        "gpu-node-2",
    );
const imagePullPod = pod(
    "llama-0-vllmprefillworker-p2m4x",
    {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "True" }],
        containerStatuses: [
            {
                name: "main",
                ready: false,
                restartCount: 0,
                state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nvcr.io/nvidia/ai-dynamo/vllm-runtime:9.9.9"' } },
            },
        ],
    },
    "gpu-node-3",
);
const podList = (...items: Json[]) => ({ apiVersion: "v1", kind: "List", items });

describe("graph status and pods", () => {
    test("Ready only with Ready=True for the current generation", () => {
        assert.equal(graphReady(readGraphStatus(dgd(readyStatus))), true);
        assert.equal(graphReady(readGraphStatus(dgd(pendingStatus))), false);
        assert.equal(graphReady(readGraphStatus(dgd(undefined))), false, "no status yet");
        assert.equal(graphReady(readGraphStatus(undefined)), false, "no graph");
        // Ready from before a change: the operator has not seen generation 2 yet.
        assert.equal(graphReady(readGraphStatus(dgd(readyStatus, 2))), false);
        assert.equal(
            graphReady(
                readGraphStatus(dgd({ ...readyStatus, observedGeneration: 2, conditions: [{ ...readyStatus.conditions[0], observedGeneration: 2 }] }, 2)),
            ),
            true,
        );
        // Being deleted is never Ready.
        const deleting = dgd(readyStatus);
        deleting.metadata.deletionTimestamp = T0;
        assert.equal(graphReady(readGraphStatus(deleting)), false);
    });

    test("the status reads state, every condition and the services' replicas", () => {
        const g = readGraphStatus(dgd(pendingStatus));
        assert.equal(g.state, "pending");
        assert.deepEqual(g.conditions[0], {
            type: "Ready",
            status: "False",
            reason: "some_resources_are_not_ready",
            message: "Resources not ready: llama: podclique/llama-0-vllmdecodeworker: desired=1, ready=0",
            observedGeneration: 1,
        });
        assert.deepEqual(g.services, [
            { name: "Frontend", replicas: 1, readyReplicas: 1 },
            { name: "VllmDecodeWorker", replicas: 1, readyReplicas: 0 },
        ]);
    });

    test("pods: phase, node, scheduling failure, container states on one line each", () => {
        const pods = readGraphPods(podList(crashLoopPod(3), runningPod, unschedulablePod, imagePullPod));
        assert.deepEqual(
            pods.map((p) => p.name),
            ["llama-0-frontend-7xq2k", "llama-0-vllmdecodeworker-s8d9f", "llama-0-vllmdecodeworker-s8d9f", "llama-0-vllmprefillworker-p2m4x"],
        );
        assert.equal(describePod(pods[0]!), "llama-0-frontend-7xq2k: Running, ready, node gpu-node-1");
        const lines = pods.map(describePod);
        assert.ok(
            lines.includes(
                "llama-0-vllmdecodeworker-s8d9f: Pending, not ready, Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            ),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) =>
                /Running, not ready, node gpu-node-2, container main: waiting CrashLoopBackOff "back-off 2m40s.*" 3 restarts last run ended Error exit code 1$/.test(
                    l,
                ),
            ),
            lines.join("\n"),
        );
        assert.match(lines[3]!, /Pending, not ready, node gpu-node-3, container main: waiting ImagePullBackOff "Back-off pulling image \\"nvcr.io/);
    });
});

describe("verdict", () => {
    const g = readGraphStatus(dgd(pendingStatus));

    test("ready, and waiting while pods are pending or unschedulable (the queue may free GPUs)", () => {
        assert.deepEqual(graphVerdict(readGraphStatus(dgd(readyStatus)), []), { verdict: "ready" });
        const v = graphVerdict(g, readGraphPods(podList(runningPod, unschedulablePod)), () => 10_000);
        assert.equal(v.verdict, "waiting");
        assert.match(
            v.verdict === "waiting" ? v.note : "",
            /state pending, Ready=False \(some_resources_are_not_ready\), 1\/2 pods ready, llama-0-vllmdecodeworker-s8d9f unschedulable: 0\/3 nodes/,
        );
    });

    test("a crash loop is final after a few restarts, naming the container and how it ended", () => {
        assert.equal(graphVerdict(g, readGraphPods(podList(crashLoopPod(CRASH_LOOP_RESTARTS - 1)))).verdict, "waiting");
        const v = graphVerdict(g, readGraphPods(podList(crashLoopPod(CRASH_LOOP_RESTARTS))));
        assert.equal(v.verdict, "failed");
        if (v.verdict !== "failed") return;
        assert.match(
            v.reason,
            /^pod llama-0-vllmdecodeworker-s8d9f container main cannot start: CrashLoopBackOff: back-off .*, 5 restarts \(last run ended: Error, exit code 1\)$/,
        );
        assert.deepEqual(v.crashed, [{ pod: "llama-0-vllmdecodeworker-s8d9f", container: "main" }]);
    });

    test("an image pull back-off is final only after the grace period; a missing Secret at once", () => {
        const pods = readGraphPods(podList(imagePullPod));
        assert.equal(graphVerdict(g, pods, () => IMAGE_PULL_GRACE_SECONDS - 1).verdict, "waiting");
        assert.equal(graphVerdict(g, pods, () => IMAGE_PULL_GRACE_SECONDS).verdict, "failed");
        const secret = pod("llama-0-frontend-x", {
            phase: "Pending",
            containerStatuses: [
                { name: "main", restartCount: 0, state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "llama-hf-token" not found' } } },
            ],
        });
        const v = graphVerdict(g, readGraphPods(podList(secret)));
        assert.equal(
            v.verdict === "failed" && v.reason,
            'pod llama-0-frontend-x container main cannot start: CreateContainerConfigError: secret "llama-hf-token" not found',
        );
    });

    test("the operator's failed state is final only when it lasts", () => {
        const failed = readGraphStatus(dgd({ ...pendingStatus, state: "failed" }));
        assert.equal(graphVerdict(failed, [], () => GRAPH_FAILED_GRACE_SECONDS - 1).verdict, "waiting");
        const v = graphVerdict(failed, [], () => GRAPH_FAILED_GRACE_SECONDS);
        assert.match(v.verdict === "failed" ? v.reason : "", /operator reports the graph's state as failed/);
    });

    test("the failure report: headline, state, each condition, services, each pod", () => {
        const report = graphFailureReport(
            "graph bench/llama did not become Ready within 1800s (timeouts.readySeconds)",
            g,
            readGraphPods(podList(runningPod, unschedulablePod)),
        );
        assert.equal(
            report,
            [
                "graph bench/llama did not become Ready within 1800s (timeouts.readySeconds)",
                "graph state: pending, observedGeneration 1 of generation 1",
                "  condition Ready=False reason some_resources_are_not_ready: Resources not ready: llama: podclique/llama-0-vllmdecodeworker: desired=1, ready=0",
                "  services: Frontend 1/1 ready, VllmDecodeWorker 0/1 ready",
                "graph pods (2):",
                "  llama-0-frontend-7xq2k: Running, ready, node gpu-node-1",
                "  llama-0-vllmdecodeworker-s8d9f: Pending, not ready, Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            ].join("\n"),
        );
        const bare = graphFailureReport("h", readGraphStatus(dgd(undefined)), []);
        assert.match(bare, /graph state: \(none reported\).*\n {2}conditions: none reported \(is the Dynamo operator running\?\)\ngraph pods: none/);
    });
});

describe("arguments", () => {
    const o = { namespace: "bench", graph: "llama", timeoutSeconds: 1800, kubeconfig: "/k/config", context: "gpu" };

    test("waitGraphArgv and parseWaitGraphArgv round-trip", () => {
        const argv = waitGraphArgv(o);
        assert.equal(argv[0], "k8s-wait-graph");
        assert.deepEqual(parseWaitGraphArgv(argv.slice(1)), { ...o, intervalSeconds: 2 });
        assert.equal(parseWaitGraphArgv(["--namespace=n", "--graph=g", "--timeout=9", "--interval=1"]).intervalSeconds, 1);
    });

    test("usage errors name the problem", () => {
        assert.throws(() => parseWaitGraphArgv(["--namespace", "n", "--graph", "g"]), /--timeout is required/);
        assert.throws(() => parseWaitGraphArgv(["--namespace", "n", "--graph", "g", "--timeout", "0"]), /--timeout expects a positive number of seconds/);
        assert.throws(() => parseWaitGraphArgv(["--job", "x"]), /unknown option --job/);
    });

    test("kubectl reads the graph through v1alpha1 explicitly, with kubeconfig, context and namespace", () => {
        assert.equal(GRAPH_RESOURCE, "dynamographdeployments.v1alpha1.nvidia.com");
        assert.deepEqual(waitGraphKubectlArgs.getGraph(o, "llama"), [
            "--kubeconfig",
            "/k/config",
            "--context",
            "gpu",
            "--namespace",
            "bench",
            "get",
            "dynamographdeployments.v1alpha1.nvidia.com",
            "llama",
            "-o",
            "json",
        ]);
        assert.deepEqual(waitGraphKubectlArgs.getGraphPods({ namespace: "bench" }, "llama"), [
            "--namespace",
            "bench",
            "get",
            "pods",
            "-l",
            "nvidia.com/dynamo-graph-deployment-name=llama",
            "-o",
            "json",
        ]);
        assert.deepEqual(waitGraphKubectlArgs.containerLogs({ namespace: "bench" }, "p", "main", 20, true), [
            "--namespace",
            "bench",
            "logs",
            "p",
            "-c",
            "main",
            "--tail=20",
            "--previous",
        ]);
    });
});

/** An io whose kubectl answers from scripted sequences (the last answer repeats); a fake clock. */
function scriptedIo(script: { graph: Array<Json | "notfound" | "error">; pods?: Array<Json>; logs?: string }) {
    let g = 0;
    let p = 0;
    const ok = (v: unknown) => kubectlOk(JSON.stringify(v));
    return fakeCollectIo((args) => {
        if (args.includes(GRAPH_RESOURCE)) {
            const answer = script.graph[Math.min(g++, script.graph.length - 1)]!;
            if (answer === "notfound") return { code: 1, stdout: "", stderr: `Error from server (NotFound): ${GRAPH_RESOURCE} "llama" not found` };
            if (answer === "error") return { code: 1, stdout: "", stderr: "Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout" };
            return ok(answer);
        }
        if (args.includes("pods")) return ok(script.pods ? script.pods[Math.min(p++, script.pods.length - 1)] : podList());
        if (args.includes("logs")) return { code: 0, stdout: script.logs ?? "", stderr: "" };
        return { code: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` };
    });
}

const base = ["--namespace", "bench", "--graph", "llama", "--timeout", "600"];

describe("k8s-wait-graph runs", () => {
    test("Ready: polls until the operator reports it, exit 0", async () => {
        const { io, out } = scriptedIo({ graph: ["notfound", dgd(undefined), dgd(pendingStatus), dgd(readyStatus)] });
        assert.equal(await runK8sWaitGraph(base, io), 0, out.stderr);
        assert.equal(out.stdout, "graph bench/llama Ready after 6s\n");
        assert.equal(out.calls.filter((c) => c.includes(GRAPH_RESOURCE)).length, 4);
    });

    test("timeout: exit 1, bounded, the graph's conditions and every pod's state", async () => {
        const { io, out } = scriptedIo({ graph: [dgd(pendingStatus)], pods: [podList(runningPod, unschedulablePod)] });
        assert.equal(await runK8sWaitGraph(base, io), 1);
        assert.equal(out.stdout, "");
        assert.ok(out.slept <= 600_000, `waited ${out.slept} ms`);
        assert.ok(out.calls.filter((c) => c.includes(GRAPH_RESOURCE)).length <= 600 / 2 + 2, "polls at the interval");
        assert.match(out.stderr, /k8s-wait-graph: graph bench\/llama not Ready after 60s: state pending/, "progress every minute");
        const report = out.stderr.slice(out.stderr.indexOf("FAILED"));
        assert.match(report, /^FAILED: graph bench\/llama did not become Ready within 600s \(timeouts\.readySeconds\)\n/);
        assert.match(
            report,
            /\n {2}condition Ready=False reason some_resources_are_not_ready: Resources not ready: llama: podclique\/llama-0-vllmdecodeworker/,
        );
        assert.match(
            report,
            /\n {2}llama-0-vllmdecodeworker-s8d9f: Pending, not ready, Unschedulable: 0\/3 nodes are available: 3 Insufficient nvidia\.com\/gpu/,
        );
        assert.match(report, /\n {2}llama-0-frontend-7xq2k: Running, ready, node gpu-node-1\n/);
        assert.equal(
            out.calls.some((c) => c.includes("logs")),
            false,
            "no crashed container, no log read",
        );
    });

    test("a crash loop fails before the timeout, with the crashed container's previous log", async () => {
        const { io, out } = scriptedIo({
            graph: [dgd(pendingStatus)],
            pods: [podList(runningPod, crashLoopPod(1)), podList(runningPod, crashLoopPod(CRASH_LOOP_RESTARTS))],
            logs: "INFO loading model\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n",
        });
        assert.equal(await runK8sWaitGraph(base, io), 1);
        assert.equal(out.calls.filter((c) => c.includes(GRAPH_RESOURCE)).length, 2, "stops at once");
        assert.match(
            out.stderr,
            /FAILED: graph bench\/llama cannot become Ready: pod llama-0-vllmdecodeworker-s8d9f container main cannot start: CrashLoopBackOff/,
        );
        assert.match(
            out.stderr,
            /--- log of pod llama-0-vllmdecodeworker-s8d9f container main \(previous run\), last 20 lines ---\nINFO loading model\ntorch\.OutOfMemoryError: CUDA out of memory/,
        );
        const logCall = out.calls.find((c) => c.includes("logs"))!;
        assert.deepEqual(logCall, ["--namespace", "bench", "logs", "llama-0-vllmdecodeworker-s8d9f", "-c", "main", "--tail=20", "--previous"]);
    });

    test("API errors are retried until the timeout, and the last one is reported", async () => {
        const { io, out } = scriptedIo({ graph: ["error"] });
        assert.equal(await runK8sWaitGraph([...base.slice(0, 4), "--timeout", "30"], io), 1);
        assert.match(out.stderr, /graph state: does not exist|graph: does not exist/);
        assert.match(out.stderr, /the last read of the graph failed: kubectl get llama: Unable to connect to the server/);
        const retried = scriptedIo({ graph: ["error", "error", dgd(readyStatus)] });
        assert.equal(await runK8sWaitGraph(base, retried.io), 0, retried.out.stderr);
    });

    test("usage error exits 2; --help exits 0", async () => {
        const { io, out } = scriptedIo({ graph: [] });
        assert.equal(await runK8sWaitGraph(["--graph", "x"], io), 2);
        assert.match(out.stderr, /--namespace is required/);
        assert.equal(await runK8sWaitGraph(["--help"], io), 0);
        assert.match(out.stdout, /^usage: dynamo-bench k8s-wait-graph/);
    });
});

describe("k8s-wait-graph as a process (bin/dynamo-bench.js, fake kubectl on PATH)", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-wait-graph-"));
        fs.writeFileSync(path.join(dir, "graph.json"), JSON.stringify(dgd(pendingStatus)));
        fs.writeFileSync(path.join(dir, "pods.json"), JSON.stringify(podList(runningPod, unschedulablePod)));
        writeFakeKubectl(dir, [
            [`*" get ${GRAPH_RESOURCE} "*`, `cat "${dir}/graph.json"`],
            ['*" get pods "*', `cat "${dir}/pods.json"`],
        ]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = () =>
        spawnSync(
            "node",
            ["bin/dynamo-bench.js", "k8s-wait-graph", ...base.slice(0, 4), "--timeout", "2", "--interval", "1", "--kubeconfig", "/tmp/kube config"],
            {
                cwd: repoRoot,
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
                encoding: "utf8",
                timeout: 60_000,
            },
        );

    test("a graph that stays pending: exit 1 with its conditions and pods on stderr", () => {
        const r = run();
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /FAILED: graph bench\/llama did not become Ready within 2s/);
        assert.match(r.stderr, /condition Ready=False reason some_resources_are_not_ready/);
        assert.match(r.stderr, /Unschedulable: 0\/3 nodes are available: 3 Insufficient nvidia\.com\/gpu/);
        assert.match(
            fs.readFileSync(path.join(dir, "calls"), "utf8"),
            /^--kubeconfig \/tmp\/kube config --namespace bench get dynamographdeployments\.v1alpha1\.nvidia\.com llama -o json$/m,
        );
    });

    test("a Ready graph: exit 0", () => {
        fs.writeFileSync(path.join(dir, "graph.json"), JSON.stringify(dgd(readyStatus)));
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^graph bench\/llama Ready after \d+s$/m);
    });
});

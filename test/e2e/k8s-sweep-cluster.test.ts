// A Kubernetes sweep on the one-machine test cluster (scripts/k8s/cluster-up.sh:
// real kube-apiserver, controller manager and scheduler; kwok plays three
// 8-GPU nodes, 24 GPUs), through the real Pulumi engine, with the stack
// installing the platform (the chart this test assembles, k8s-chart.ts) and
// creating the namespace.
//
// Two points, each 1 prefill (1 GPU) + 2 decode replicas at TP 8 (16 GPUs):
// 17 GPUs a point, 34 for both, so point 2's decode pods can only be scheduled
// once point 1's graph and pods are gone. What it shows:
//   - preview lists one run command per point and no graph resource;
//   - `up` installs the platform once, runs point 1 (graph applied, Ready
//     through the TEST STAND-IN for the operator, Job, results read through
//     the kubelet-logs stand-in from a real mocker AIPerf export), deletes its
//     graph, and only then creates point 2's graph: point 2's graph creation
//     (API server timestamp) is not before point 1's graph was seen gone;
//   - after `up` no graph is left, every point has its figures; an unchanged
//     `up` changes nothing; destroy removes the rest.
// Skipped, with the reason printed, without the cluster, the engine, the
// reference charts, or the Python venv (the mocker export).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startDgdReadyStandIn, type StandIn } from "../stand-ins/dgd-ready-stand-in";
import { benchmarkLog, startKubeletLogsStandIn, type KubeletLogsStandIn } from "../stand-ins/kubelet-logs-stand-in";
import { CHART_SKIP, assemblePlatformChart } from "./k8s-chart";
import { pulumiAvailable, REPO_ROOT, withStack } from "./helpers";
import { KUBECONFIG, KUBECTL, clusterSkip, getJson, kubectl, nodeLogsServed, runnerEnv, stackConfig, writeStackConfig } from "./k8s-cluster";
import { mockerExport, venvSkip } from "./k8s-mocker-export";
import { progressDir } from "../../lib/sweep/progress-file";

const NAME = "e2e-ksw";
// The release namespace every cluster test uses: what the chart keeps after destroy (its hook Queues, the
// KAI SchedulingShard, the kai-resource-reservation namespace) records it, and Helm refuses to adopt such
// objects into a release in another namespace.
const PLATFORM_NS = "dynamo-system";
const NS = "e2e-ksw";
const STACK = "k8s-sweep-cluster-e2e";
const IDS = ["kv", "rr"];
const GRAPH_RESOURCE = "dynamographdeployments.v1alpha1.nvidia.com";

const avail = pulumiAvailable();
const logsSkip = (() => {
    if (!avail.ok || CHART_SKIP || clusterSkip()) return false;
    if (venvSkip) return venvSkip;
    return nodeLogsServed() ? "kwok serves container logs itself here; this test serves the mocker export through the kubelet-logs stand-in" : false;
})();
const skip = !avail.ok ? avail.reason : CHART_SKIP || clusterSkip() || logsSkip;
if (skip) console.log(`# skipping the Kubernetes sweep test-cluster e2e test: ${skip}`);

describe("Kubernetes sweep on the test cluster: each point's GPUs freed before the next", { skip }, () => {
    let chartRoot = "";
    let configFile = "";
    let work = "";
    let standIn: StandIn | undefined;
    let logs: KubeletLogsStandIn | undefined;
    const wall: Record<string, number> = {};

    before(async () => {
        chartRoot = path.dirname(assemblePlatformChart());
        work = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-ksw-e2e-"));
        const log = benchmarkLog([{ name: "c1", files: await mockerExport(work) }]);
        logs = await startKubeletLogsStandIn(IDS.map((id) => ({ namespace: NS, podPrefix: `${NAME}-${id}-bench-`, text: log })));
    });
    after(async () => {
        await standIn?.stop();
        await logs?.close();
        for (const dir of [work, chartRoot]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
        if (configFile) fs.rmSync(configFile, { force: true });
        fs.rmSync(path.join(progressDir(process.env), `${NAME}.json`), { force: true });
        console.log(`# wall times (s): ${JSON.stringify(wall)}`);
    });

    test("two 17-GPU points on 24 GPUs: point 2's graph is created only after point 1's is gone", { timeout: 1_200_000 }, async () => {
        const base = stackConfig({ name: NAME, namespace: NS, chart: path.join(chartRoot, "dynamo-platform") });
        configFile = writeStackConfig(STACK, {
            ...base,
            "dynamo-bench:decode": { replicas: 2, tensorParallel: 8 },
            "dynamo-bench:sweep": { grid: { "frontend.routerMode": ["kv", "round-robin"] } },
        });
        await withStack(
            REPO_ROOT,
            STACK,
            {},
            async (stack) => {
                const timed = async <T>(label: string, fn: () => Promise<T>) => {
                    const t = Date.now();
                    try {
                        return await fn();
                    } finally {
                        wall[label] = (Date.now() - t) / 1000;
                    }
                };
                const preview = await timed("preview", () => stack.preview());
                for (const id of IDS) assert.match(preview.stdout, new RegExp(`${NAME}-${id}-run`));
                assert.doesNotMatch(preview.stdout, /nvidia\.com\/v1alpha1:DynamoGraphDeployment: \(create\)/, "no graph is a resource of the sweep");
                // The graph a point applies is shown as its run's input.
                assert.match(preview.stdout, /e2e-ksw-kv-run\][\s\S]*?stdin\s*: \(json\)/);

                standIn = startDgdReadyStandIn({ kubeconfig: KUBECONFIG, namespace: NS, kubectl: KUBECTL, log: (l) => console.log(`# ${l}`) });
                const up = await timed("up", () => stack.up());
                console.log(
                    up.stdout
                        .split("\n")
                        .filter((l) => /k8s-run-point|sweep point/.test(l))
                        .map((l) => `# ${l.trim()}`)
                        .join("\n"),
                );
                // One line per stage of each point, from the run command, shown by the engine while it runs.
                assert.match(up.stdout, /k8s-run-point: sweep point 1\/2 kv: deploying \(elapsed \d+ s, estimate after the first point\)/);
                assert.match(up.stdout, /k8s-run-point: sweep point 1\/2 kv: ready; benchmark Job running 1 load\(s\)/);
                assert.match(up.stdout, /k8s-run-point: sweep point 2\/2 rr: deploying \(elapsed \d+ s, about \d+ s left\)/);
                assert.match(up.stdout, /k8s-run-point: sweep point 2\/2 rr: done; graph and its pods gone/);
                const outputs = await stack.outputs();
                const points = outputs.points as Record<string, Record<string, any>>;
                assert.deepEqual(Object.keys(points), IDS);
                for (const id of IDS) {
                    assert.equal(points[id]!.resultsStatus, "collected", id);
                    assert.equal(points[id]!.phases.c1.errorCount, 0, id);
                    assert.equal(points[id]!.workerGpus, 17);
                }
                const first = points.kv!.details.graphLifetime as { createdAt: string; goneAt: string };
                const second = points.rr!.details.graphLifetime as { createdAt: string; goneAt: string };
                console.log(
                    `# point kv graph created ${first.createdAt}, gone ${first.goneAt}; point rr graph created ${second.createdAt}, gone ${second.goneAt}`,
                );
                // creationTimestamp has whole seconds: compare at that precision.
                assert.ok(
                    Date.parse(second.createdAt) >= Math.floor(Date.parse(first.goneAt) / 1000) * 1000,
                    "point 2's graph created after point 1's was gone",
                );
                assert.equal(kubectl(["-n", NS, "get", GRAPH_RESOURCE, "-o", "name"]).trim(), "", "no graph left after the sweep");
                assert.equal(getJson(["-n", NS, "get", "pods", "-l", "nvidia.com/dynamo-graph-deployment-name"]).items.length, 0, "no graph pod left");
                // Each point's worker-metrics Service was applied owned by its graph, and went with it.
                assert.equal(
                    kubectl(["-n", NS, "get", "services", "-l", "app.kubernetes.io/component=worker-metrics", "-o", "name"]).trim(),
                    "",
                    "no worker-metrics Service left",
                );
                // The Jobs stay until destroy (their logs explain a run), one per point, both complete.
                for (const id of IDS) assert.ok(getJson(["-n", NS, "get", "job", `${NAME}-${id}-bench`]).status?.succeeded >= 1, id);
                assert.equal(
                    kubectl(["-n", PLATFORM_NS, "get", "secrets", "-l", "owner=helm", "-o", "name"]).trim().split("\n").length,
                    1,
                    "one platform release",
                );

                const again = await timed("unchanged up", () => stack.up());
                assert.doesNotMatch(again.stdout, /\b(created|updated|replaced|deleted)\b/);

                await standIn.stop();
                standIn = undefined;
                await timed("destroy", () => stack.destroy());
                assert.equal(kubectl(["get", "ns", NS], true), "", `namespace ${NS} is gone`);
                assert.equal(kubectl(["-n", PLATFORM_NS, "get", "secrets", "-l", "owner=helm", "-o", "name"]).trim(), "", "no Helm release left");
            },
            { env: { ...runnerEnv, KUBECONFIG }, timeoutMs: 900_000 },
        );
    });
});

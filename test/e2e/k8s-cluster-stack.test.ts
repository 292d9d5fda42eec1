// The Kubernetes target against a real API server, through the real Pulumi
// engine: the one-machine test cluster of scripts/k8s/cluster-up.sh (real
// kube-apiserver, controller manager and scheduler 1.34.2; kwok plays the
// kubelets of three fake 8-GPU nodes).
//
// A small stack like stacks/Pulumi.example-k8s.yaml (1 prefill + 1 decode,
// TP 1, one short phase), Dynamo platform 1.2.0 from a chart folder this test
// assembles from the reference data (test/e2e/k8s-chart.ts), Grove and KAI
// bundled. What it shows:
//   - `pulumi preview` works on the cluster before the platform's CRDs exist;
//   - `pulumi up` installs the release (CRDs registered, the pre-install hook
//     Job completed by kwok, the operator's Deployment and pod Running), the
//     KAI Queues, and a DynamoGraphDeployment the API server accepts with its
//     services intact;
//   - the program's own readiness wait (`dynamo-bench k8s-wait-graph`, the
//     `<name>-graph-ready` command) holds `up` until the TEST STAND-IN for the
//     operator (test/stand-ins/dgd-ready-stand-in.ts) made the graph's pods and
//     reported Ready; the benchmark Job runs after it;
//   - the headless worker-metrics Service's EndpointSlice (the controller
//     manager's, for real) lists exactly the worker pods' IPs on the named
//     `system` port, not the frontend's;
//   - destroy removes what the stack made; what stays is listed and checked.
// The failure paths are in k8s-cluster-failures.test.ts.
// The operator's validating webhook cannot be served here (no operator image):
// the stack sets its failurePolicy to Ignore, so the API server's own schema
// validation is what judges the graph.
//
// Skipped, with the reason printed, when the cluster's kubeconfig is absent,
// the cluster does not answer, the Pulumi engine is missing, or the reference
// charts are absent.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { startDgdReadyStandIn, type StandIn } from "../stand-ins/dgd-ready-stand-in";
import { benchmarkLog, startKubeletLogsStandIn, type KubeletLogsStandIn } from "../stand-ins/kubelet-logs-stand-in";
import { CHART_SKIP, assemblePlatformChart } from "./k8s-chart";
import { mockerExport, venvSkip } from "./k8s-mocker-export";
import { pulumiAvailable, REPO_ROOT, withStack } from "./helpers";
import { KUBECONFIG, KUBECTL, clusterSkip, getJson, kubectl, nodeLogsServed, runnerEnv, stackConfig, writeStackConfig } from "./k8s-cluster";

const NAME = "e2e-kwok";
const NS = "e2e-kwok";
const STACK = "k8s-cluster-e2e";
const SECRET_NAME = "E2E_API_KEY";
/** Unique per run, so finding it anywhere can only mean it leaked there. */
const SECRET_VALUE = `k8s-e2e-secret-${process.pid}-${Date.now()}`;

const avail = pulumiAvailable();
const skip = !avail.ok ? avail.reason : CHART_SKIP || clusterSkip();
if (skip) console.log(`# skipping the Kubernetes test-cluster stack e2e tests: ${skip}`);

/** A file's text from a benchmark log (the markers run-benchmark.sh prints). */
function jobLogFile(log: string, name: string): string {
    const m = new RegExp(`name=${name.replace(/\./g, "\\.")} base64 BEGIN===\n([\\s\\S]*?)\n===`).exec(log);
    return m ? Buffer.from(m[1]!.replace(/\n/g, ""), "base64").toString("utf8") : "";
}

const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
        return await fn();
    } finally {
        timings[label] = (Date.now() - t) / 1000;
    }
}

describe("Kubernetes stack on the test cluster (real API server, kwok nodes)", { skip }, () => {
    let chartRoot = "";
    let configFile = "";
    let standIn: StandIn | undefined;
    let logs: KubeletLogsStandIn | undefined;
    let work = "";
    let jobLog = "";

    before(async () => {
        chartRoot = path.dirname(assemblePlatformChart());
        if (!nodeLogsServed() && !venvSkip) {
            work = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-k8s-e2e-"));
            jobLog = await timed("mocker export", async () => benchmarkLog([{ name: "c1", files: await mockerExport(work) }]));
            logs = await startKubeletLogsStandIn([{ namespace: NS, podPrefix: `${NAME}-bench-`, text: jobLog }]);
        }
    });
    after(async () => {
        await standIn?.stop();
        await logs?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
        if (configFile) fs.rmSync(configFile, { force: true });
        if (chartRoot) fs.rmSync(chartRoot, { recursive: true, force: true });
        console.log(`# wall times (s): ${JSON.stringify(timings)}`);
    });

    test(
        "preview on the cluster, up (platform, queues, graph Ready through the stand-in, Job, results), unchanged up, destroy",
        { timeout: 1_200_000 },
        async () => {
            configFile = writeStackConfig(STACK, stackConfig({ name: NAME, namespace: NS, chart: path.join(chartRoot, "dynamo-platform") }));
            const logsServed = logs !== undefined;
            await withStack(
                REPO_ROOT,
                STACK,
                // A secretEnv entry set by the real CLI (`config set --secret --path`), value on stdin.
                { [`dynamo-bench:secretEnv.${SECRET_NAME}`]: { value: SECRET_VALUE, secret: true, path: true } },
                async (stack) => {
                    const preview = await timed("preview", () => stack.preview());
                    assert.match(preview.stdout, /nvidia\.com\/v1alpha1:DynamoGraphDeployment/);
                    assert.match(preview.stdout, /helm\.sh\/v3:Release/);

                    standIn = startDgdReadyStandIn({ kubeconfig: KUBECONFIG, namespace: NS, kubectl: KUBECTL, log: (l) => console.log(`# ${l}`) });
                    const up = await timed("up", () =>
                        stack.up().then(
                            (r) => ({ ok: true as const, r }),
                            (e: Error) => ({ ok: false as const, e }),
                        ),
                    );

                    // With the Job's log served, up must succeed: say why first when it did not.
                    if (logsServed) assert.ok(up.ok, `up failed: ${up.ok ? "" : up.e.message}`);
                    // What the release made: CRDs registered, operator Deployment with a Running pod.
                    const crds = kubectl(["get", "crd", "-o", "name"]);
                    for (const crd of ["dynamographdeployments.nvidia.com", "queues.scheduling.run.ai", "podgroups.scheduling.run.ai"]) {
                        assert.match(crds, new RegExp(crd.replace(/\./g, "\\.")), `CRD ${crd} registered by the release`);
                    }
                    const deployments = getJson(["-n", "dynamo-system", "get", "deployments"]).items as Array<Record<string, any>>;
                    assert.ok(
                        deployments.some((d) => /dynamo-operator/.test(d.metadata.name) && d.status?.readyReplicas >= 1),
                        `operator Deployment ready: ${deployments.map((d) => d.metadata.name).join(", ")}`,
                    );
                    const releases = kubectl([
                        "-n",
                        "dynamo-system",
                        "get",
                        "secrets",
                        "-l",
                        "owner=helm",
                        "-o",
                        "jsonpath={.items[*].metadata.labels.status}",
                    ]);
                    assert.equal(releases.trim(), "deployed");
                    // KAI Queues, cluster-scoped.
                    const queues = kubectl(["get", "queues.scheduling.run.ai", "-o", "name"]);
                    assert.match(queues, new RegExp(`/${NAME}-queue$`, "m"));
                    assert.match(queues, new RegExp(`/${NAME}-queue-parent$`, "m"));
                    // The graph as the API server stored it (v1alpha1, services intact) and Ready through the stand-in.
                    const graph = getJson(["-n", NS, "get", "dynamographdeployments.v1alpha1.nvidia.com", NAME]);
                    assert.deepEqual(Object.keys(graph.spec.services).sort(), ["decode", "frontend", "prefill"]);
                    assert.equal(graph.status?.state, "successful");
                    // secretEnv: in the stack's Secret on the server, read by every service through envFromSecret,
                    // and in no plain text the engine keeps.
                    const secret = getJson(["-n", NS, "get", "secret", `${NAME}-secret-env`]);
                    assert.equal(Buffer.from(String(secret.data?.[SECRET_NAME] ?? ""), "base64").toString("utf8"), SECRET_VALUE);
                    for (const [service, spec] of Object.entries(graph.spec.services as Record<string, Record<string, unknown>>)) {
                        assert.equal(spec.envFromSecret, `${NAME}-secret-env`, `${service} reads the Secret`);
                    }
                    assert.ok(!JSON.stringify(graph).includes(SECRET_VALUE), "the graph holds the Secret's name, not the value");
                    const exported = await stack.run(["stack", "export"]);
                    assert.ok(!exported.stdout.includes(SECRET_VALUE), "pulumi stack export (plain) holds no secretEnv value");
                    const pods = getJson(["-n", NS, "get", "pods", "-l", `nvidia.com/dynamo-graph-deployment-name=${NAME}`]).items as Array<
                        Record<string, any>
                    >;
                    assert.equal(pods.length, 3, "frontend, prefill and decode pods made by the stand-in");
                    assert.ok(pods.every((p) => p.status.phase === "Running" && p.spec.nodeName?.startsWith("kwok-gpu-")));
                    // Every worker's metrics: the headless Service over the graph's workers, as the controller manager's
                    // EndpointSlice controller resolves it from the pods the stand-in labelled like the operator does.
                    const workerIps = pods
                        .filter((p) => p.metadata.labels?.["nvidia.com/dynamo-component-type"] === "worker")
                        .map((p) => String(p.status.podIP))
                        .sort();
                    assert.equal(workerIps.length, 2, "a prefill and a decode pod");
                    assert.ok(
                        workerIps.every((ip) => ip !== "undefined"),
                        `worker pods have IPs: ${workerIps.join(" ")}`,
                    );
                    const workerSvc = getJson(["-n", NS, "get", "service", `${NAME}-worker-metrics`]);
                    assert.equal(workerSvc.spec.clusterIP, "None");
                    const sliceAddresses = async () => {
                        for (let i = 0; ; i++) {
                            const slices = getJson(["-n", NS, "get", "endpointslices", "-l", `kubernetes.io/service-name=${NAME}-worker-metrics`])
                                .items as Array<Record<string, any>>;
                            const found = slices
                                .flatMap((sl) => (sl.endpoints ?? []) as Array<Record<string, any>>)
                                .filter((e) => e.conditions?.ready !== false)
                                .flatMap((e) => e.addresses as string[])
                                .sort();
                            if (found.length >= workerIps.length || i >= 30) return { slices, found };
                            await new Promise((r) => setTimeout(r, 1000));
                        }
                    };
                    const { slices, found } = await sliceAddresses();
                    assert.deepEqual(found, workerIps, "the EndpointSlice lists exactly the worker pods, not the frontend");
                    const frontendIp = pods.find((p) => p.metadata.labels?.["nvidia.com/dynamo-component-type"] === "frontend")?.status.podIP;
                    console.log(`# ${NAME}-worker-metrics EndpointSlice: ${found.join(", ")} (worker pods; the frontend pod is ${frontendIp})`);
                    assert.deepEqual(
                        [...new Set(slices.flatMap((sl) => ((sl.ports ?? []) as Array<Record<string, any>>).map((pt) => `${pt.name}:${pt.port}`)))],
                        ["system:9090"],
                        "the workers' named system port",
                    );
                    // The Job's plan names that Service and expects both workers.
                    const planned = JSON.parse(getJson(["-n", NS, "get", "configmap", `${NAME}-bench-script`]).data["plan.json"]) as Record<string, any>;
                    assert.equal(planned.workerMetrics.host, `${NAME}-worker-metrics.${NS}.svc.cluster.local`);
                    assert.equal(planned.workerMetrics.expected, 2);
                    // The benchmark Job ran after the graph was Ready.
                    const job = getJson(["-n", NS, "get", "job", `${NAME}-bench`]);
                    assert.ok(job.status?.succeeded >= 1, "the Job completed under kwok");
                    assert.ok(
                        new Date(job.metadata.creationTimestamp) >= new Date(graph.status.conditions[0].lastTransitionTime),
                        "the Job was created after Ready",
                    );

                    if (logsServed) {
                        // The collector read the mocker's AIPerf export through the API server; the outputs hold its figures.
                        assert.ok(up.ok, `up failed: ${up.ok ? "" : up.e.message}`);
                        const outputs = await stack.outputs();
                        assert.equal(outputs.target, "kubernetes");
                        const phases = outputs.phases as Record<string, Record<string, any>>;
                        assert.deepEqual(Object.keys(phases), ["c1"]);
                        const exported = JSON.parse(jobLogFile(jobLog, "profile_export_aiperf.json")) as Record<string, any>;
                        assert.equal(phases.c1!.errorCount, 0);
                        assert.equal(phases.c1!.completionRate, 1);
                        for (const k of ["benchmarkDurationS", "inputSequenceLengthTokens", "itlMs", "outputSequenceLengthTokens"]) {
                            const v = phases.c1![k];
                            assert.ok(typeof v === "number" || typeof v?.avg === "number", `${k} is a number in the outputs: ${JSON.stringify(v)}`);
                        }
                        assert.ok(exported.request_throughput || exported.records, "the served export is a real AIPerf summary");
                        assert.equal(outputs.resultsStatus, "collected");
                        // From the API server's timestamps (whole seconds).
                        const t = outputs.timings as Record<string, number>;
                        assert.ok(t.readySeconds! >= 0 && t.benchmarkSeconds! >= 0, `timings from the server: ${JSON.stringify(t)}`);
                        assert.ok(
                            logs!.requests.some((r) => r.startsWith(`/containerLogs/${NS}/${NAME}-bench-`)),
                            "the API server fetched the Job's log",
                        );

                        // A second up with no change does nothing.
                        const again = await timed("unchanged up", () => stack.up());
                        assert.doesNotMatch(again.stdout, /\b(created|updated|replaced|deleted)\b/);
                        assert.match(again.stdout, /unchanged/);
                    } else {
                        // No container logs on this cluster: the results step fails, bounded, naming why.
                        assert.ok(!up.ok, "up cannot collect without container logs");
                        assert.match(up.e.message, /the Job succeeded but its log could not be read/);
                        console.log("# the cluster's kwok serves no container logs (kubeletEndpoint port 0): the results step failed as expected");
                    }

                    // Destroy: everything the stack made goes.

                    await standIn?.stop(); // the next test runs its own

                    standIn = undefined;
                    await timed("destroy", () => stack.destroy());
                    assert.equal(kubectl(["get", "ns", NS], true), "", `namespace ${NS} is gone`);
                    assert.doesNotMatch(kubectl(["get", "queues.scheduling.run.ai", "-o", "name"]), new RegExp(`/${NAME}-queue`));
                    assert.equal(kubectl(["-n", "dynamo-system", "get", "secrets", "-l", "owner=helm", "-o", "name"]).trim(), "", "no Helm release left");
                    assert.equal(kubectl(["-n", "dynamo-system", "get", "deployments", "-o", "name"]).trim(), "", "the platform's Deployments are gone");
                    // Kept by the chart's design: CRDs (helm.sh/resource-policy: keep), its post-install hook Queues,
                    // and the release namespace Helm created.
                    console.log(
                        `# left after destroy: ${kubectl(["get", "crd", "-o", "name"]).split("\n").filter(Boolean).length} CRDs, queues: ${kubectl(["get", "queues.scheduling.run.ai", "-o", "name"]).split("\n").filter(Boolean).join(" ")}`,
                    );
                },
                { env: { ...runnerEnv, KUBECONFIG }, timeoutMs: 600_000 },
            );
        },
    );
});

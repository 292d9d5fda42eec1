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
//   - a graph that never becomes Ready fails `up` within readySeconds with the
//     graph's conditions and its pods' states (one pod unschedulable: more GPUs
//     than a kwok node has);
//   - destroy removes what the stack made; what stays is listed and checked.
// The operator's validating webhook cannot be served here (no operator image):
// the stack sets its failurePolicy to Ignore, so the API server's own schema
// validation is what judges the graph.
//
// Skipped, with the reason printed, when the cluster's kubeconfig is absent,
// the cluster does not answer, the Pulumi engine is missing, or the reference
// charts are absent.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import * as os from "node:os";
import { defaultVenv } from "../../lib/paths";
import { planLocalRun, portRequests, portsFromAllocation } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { runLocalPlan } from "../../lib/local/runner";
import { localPlanInput } from "../helpers/local-input";
import { startDgdReadyStandIn, type StandIn } from "../stand-ins/dgd-ready-stand-in";
import { benchmarkLog, startKubeletLogsStandIn, type KubeletLogsStandIn } from "../stand-ins/kubelet-logs-stand-in";
import { CHART_SKIP, assemblePlatformChart } from "./k8s-chart";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const K8S_DIR = process.env.DYNAMO_BENCH_K8S_DIR || "/tmp/dynamo-bench-k8s";
const KUBECONFIG = path.join(K8S_DIR, "kubeconfig");
const NAME = "e2e-kwok";
const NS = "e2e-kwok";
const STACK = "k8s-cluster-e2e";

/** kubectl 1.34 from the cluster's env.sh, else the one on PATH. */
function kubectlBinary(): string {
    const env = path.join(K8S_DIR, "env.sh");
    const m = fs.existsSync(env) ? /export PATH=([^:\n]+):/.exec(fs.readFileSync(env, "utf8")) : null;
    const p = m ? path.join(m[1]!, "kubectl") : "";
    return p && fs.existsSync(p) ? p : "kubectl";
}
const KUBECTL = kubectlBinary();

function kubectl(args: string[], allowFailure = false): string {
    const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, "--request-timeout=10s", ...args], { encoding: "utf8", timeout: 30_000 });
    if (!allowFailure && r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr || r.error?.message}`);
    return r.stdout;
}
const getJson = (args: string[]) => JSON.parse(kubectl([...args, "-o", "json"])) as Record<string, any>;

function clusterSkip(): string | false {
    if (!fs.existsSync(KUBECONFIG)) return `no test cluster: ${KUBECONFIG} is absent (run: bash scripts/k8s/cluster-up.sh)`;
    const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, "--request-timeout=5s", "get", "--raw", "/readyz"], { encoding: "utf8", timeout: 15_000 });
    if (r.status !== 0) return `the test cluster does not answer (${(r.stderr || r.error?.message || "").trim()}); run: bash scripts/k8s/cluster-up.sh`;
    return false;
}

const avail = pulumiAvailable();
const skip = !avail.ok ? avail.reason : CHART_SKIP || clusterSkip();
if (skip) console.log(`# skipping the Kubernetes test-cluster stack e2e tests: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };

/** The stack's configuration (like stacks/Pulumi.example-k8s.yaml, small). */
function stackConfig(chart: string, over: { readySeconds?: number; decodeGpus?: number } = {}): Record<string, unknown> {
    return {
        "dynamo-bench:target": "kubernetes",
        "dynamo-bench:name": NAME,
        "dynamo-bench:model": { id: "Qwen/Qwen3-0.6B" },
        "dynamo-bench:backend": "vllm",
        "dynamo-bench:mode": "disaggregated",
        // A decode worker asking for more GPUs than a kwok node has (8) is never scheduled.
        "dynamo-bench:gpusPerNode": Math.max(8, over.decodeGpus ?? 0),
        "dynamo-bench:prefill": { replicas: 1, tensorParallel: 1 },
        "dynamo-bench:decode": { replicas: 1, tensorParallel: over.decodeGpus ?? 1 },
        "dynamo-bench:frontend": { routerMode: "kv" },
        "dynamo-bench:platform": {
            install: true,
            version: "1.2.0",
            namespace: "dynamo-system",
            timeoutSeconds: 240,
            chart: {
                chart,
                values: {
                    // Not in the assembled chart (see k8s-chart.ts), and not needed to create the graph.
                    global: { nats: { install: false }, etcd: { install: false } },
                    // No operator runs to serve its webhook; the API server's own validation judges the graph.
                    "dynamo-operator": { webhook: { failurePolicy: "Ignore" } },
                },
            },
            grove: { install: "bundled" },
            kaiScheduler: { install: "bundled" },
        },
        "dynamo-bench:scheduling": { grove: true },
        "dynamo-bench:benchmark": { tool: "aiperf", requestCount: 8, phases: [{ name: "c1", concurrency: 1, requestCount: 8 }] },
        "dynamo-bench:timeouts": { readySeconds: over.readySeconds ?? 180, benchmarkSeconds: 120 },
        "dynamo-bench:kubernetes": { namespace: NS, createNamespace: true, kubeconfig: KUBECONFIG },
    };
}

/** A file's text from a benchmark log (the markers run-benchmark.sh prints). */
function jobLogFile(log: string, name: string): string {
    const m = new RegExp(`name=${name.replace(/\./g, "\\.")} base64 BEGIN===\n([\\s\\S]*?)\n===`).exec(log);
    return m ? Buffer.from(m[1]!.replace(/\n/g, ""), "base64").toString("utf8") : "";
}

function writeStackConfig(config: Record<string, unknown>): string {
    const file = stackConfigFile(REPO_ROOT, STACK);
    fs.writeFileSync(file, stringify({ config }));
    return file;
}

/** Whether the API server can read container logs from kwok's nodes (kwok serving a kubelet endpoint). */
function nodeLogsServed(): boolean {
    const node = getJson(["get", "node", "kwok-gpu-1"]);
    return Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0) > 0;
}

const VENV = defaultVenv(process.env);
const venvSkip =
    fs.existsSync(path.join(VENV, "bin", "python")) && fs.existsSync(path.join(VENV, "bin", "aiperf"))
        ? false
        : `Python venv ${VENV} is missing (bash scripts/setup-python.sh): no mocker export to serve as the Job's log`;

/**
 * A real AIPerf export from the local mocker target (1 prefill + 1 decode,
 * the tiny offline model), phase "c1" like the stack's: the files the
 * benchmark Job would print, read back from the run folder.
 */
async function mockerExport(work: string): Promise<Record<string, string>> {
    const modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(VENV, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
    const base = localPlanInput({ runId: `k8s-e2e-${process.pid}`, runDir: path.join(work, "run"), venv: VENV, modelPath: modelDir });
    const phase = { ...base.benchmark.phases[0]!, name: "c1", concurrency: 1, requestCount: 8, warmupRequests: 0 };
    const input = {
        ...base,
        benchmark: { ...base.benchmark, phases: [phase] },
        timeouts: { readySeconds: 90, benchmarkSeconds: 120, teardownGraceSeconds: 10 },
    };
    const plan = planLocalRun(input, process.env, portsFromAllocation(await allocatePorts(portRequests(input))));
    const result = await runLocalPlan(plan, { handleSignals: false });
    const dir = result.phases[0]!.artifactDir;
    return Object.fromEntries(["profile_export_aiperf.json", "profile_export_aiperf.csv"].map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
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
            configFile = writeStackConfig(stackConfig(path.join(chartRoot, "dynamo-platform")));
            const logsServed = logs !== undefined;
            await withStack(
                REPO_ROOT,
                STACK,
                {},
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
                    const pods = getJson(["-n", NS, "get", "pods", "-l", `nvidia.com/dynamo-graph-deployment-name=${NAME}`]).items as Array<
                        Record<string, any>
                    >;
                    assert.equal(pods.length, 3, "frontend, prefill and decode pods made by the stand-in");
                    assert.ok(pods.every((p) => p.status.phase === "Running" && p.spec.nodeName?.startsWith("kwok-gpu-")));
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

    test("failure paths: a graph that never becomes Ready; an unreachable API server", { timeout: 900_000 }, async () => {
        configFile = writeStackConfig(stackConfig(path.join(chartRoot, "dynamo-platform"), { readySeconds: 25, decodeGpus: 16 }));
        await withStack(
            REPO_ROOT,
            STACK,
            {},
            async (stack) => {
                const never = startDgdReadyStandIn({ kubeconfig: KUBECONFIG, namespace: NS, kubectl: KUBECTL, neverReady: true });
                try {
                    const t = Date.now();
                    const err = await stack.up().then(
                        () => undefined,
                        (e: Error) => e,
                    );
                    timings["up, graph never Ready"] = (Date.now() - t) / 1000;
                    assert.ok(err, "up fails when the graph never becomes Ready");
                    const report = err.message.slice(err.message.indexOf("dynamo-bench k8s-wait-graph: FAILED"));
                    console.log(
                        `# graph never Ready, the failure as \`up\` reports it:\n${report
                            .split("\n")
                            .slice(0, 14)
                            .map((l) => `#   ${l}`)
                            .join("\n")}`,
                    );
                    // The program's own wait failed (not the provider's), naming the graph and the bound.
                    assert.match(err.message, /e2e-kwok-graph-ready/);
                    assert.match(
                        report,
                        /^dynamo-bench k8s-wait-graph: FAILED: graph e2e-kwok\/e2e-kwok did not become Ready within 25s \(timeouts\.readySeconds\)\n/,
                    );
                    // (Pulumi indents the command's stderr.) The graph's status as the stand-in (in the operator's place) set it: state and each condition.
                    assert.match(report, /\n\s*graph state: pending, observedGeneration 1 of generation 1\n/);
                    assert.match(report, /\n\s*condition Ready=False reason StandInNeverReady: the test stand-in never reports this graph Ready\n/);
                    assert.match(report, /\n\s*services: decode 0\/1 ready, frontend \d\/1 ready, prefill \d\/1 ready\n/);
                    // Each pod's state: two Running on kwok nodes, the 16-GPU decode pod refused by the real scheduler.
                    assert.match(report, /\n\s*graph pods \(3\):\n/);
                    assert.match(
                        report,
                        /\n\s*e2e-kwok-decode-0: Pending, not ready, Unschedulable: 0\/\d+ nodes are available: [^\n]*Insufficient nvidia\.com\/gpu/,
                    );
                    assert.match(report, /\n\s*e2e-kwok-frontend-0: Running, ready, node kwok-gpu-\d\n/);
                    assert.match(report, /\n\s*e2e-kwok-prefill-0: Running, ready, node kwok-gpu-\d\n/);
                    assert.doesNotMatch(err.message, /timed out waiting for the condition/, "not the provider's message");
                    assert.ok(Date.now() - t < 240_000, "bounded by timeouts.readySeconds");
                    assert.equal(kubectl(["-n", NS, "get", "job", `${NAME}-bench`], true), "", "no benchmark Job without a Ready graph");
                } finally {
                    await never.stop();
                }
                await stack.destroy();
            },
            { env: { ...runnerEnv, KUBECONFIG }, timeoutMs: 600_000 },
        );

        // The same stack pointed at a port nothing listens on.
        const dead = path.join(os.tmpdir(), `dynamo-bench-dead-kubeconfig-${process.pid}`);
        fs.writeFileSync(dead, fs.readFileSync(KUBECONFIG, "utf8").replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1"));
        const config = stackConfig(path.join(chartRoot, "dynamo-platform"));
        (config["dynamo-bench:kubernetes"] as Record<string, unknown>).kubeconfig = dead;
        configFile = writeStackConfig(config);
        try {
            await withStack(
                REPO_ROOT,
                STACK,
                {},
                async (stack) => {
                    const t = Date.now();
                    const err = await stack.up().then(
                        () => undefined,
                        (e: Error) => e,
                    );
                    timings["up, API server unreachable"] = (Date.now() - t) / 1000;
                    assert.ok(err, "up fails against an unreachable API server");
                    console.log(
                        `# unreachable: ${err.message
                            .split("\n")
                            .filter((l) => /error/i.test(l))
                            .slice(0, 6)
                            .join(" | ")}`,
                    );
                    assert.match(err.message, /127\.0\.0\.1:1|connection refused|unreachable/i);
                },
                { env: { ...runnerEnv, KUBECONFIG: dead }, timeoutMs: 300_000 },
            );
        } finally {
            fs.rmSync(dead, { force: true });
        }
    });
});

// The Kubernetes target's failure paths against a real API server, through the
// real Pulumi engine, on the test cluster of scripts/k8s/cluster-up.sh. Each
// `up` must fail within its bound with a message that says why:
//   - a platform chart whose pre-install hook Job can never be scheduled: the
//     release watch (`dynamo-bench k8s-wait-release`) names the hook Job and its
//     pod's scheduling failure, which Helm's "timed out waiting for the
//     condition" does not;
//   - a platform chart the API server refuses (an invalid object name);
//   - a graph that never becomes Ready: the program's own wait reports the
//     graph's conditions and each pod's state (one pod asks for more GPUs than
//     a kwok node has);
//   - a benchmark Job that fails: its log tail is in the message. The log is
//     what scripts/k8s/run-benchmark.sh really prints when the frontend never
//     lists the model (run here against a closed port), served through the API
//     server by the kubelet-logs stand-in; kwok ends the Job's pod with exit
//     code 1 in the namespace e2e-job-fails (scripts/k8s/kwok-test-stages.yaml);
//   - a destroy that cannot finish (a finalizer nobody removes, as when the
//     operator is gone): it fails within timeouts.deleteSeconds naming the
//     graph and its finalizer; once the finalizer is gone, destroy completes;
//   - an unreachable API server.
// Graphs become Ready through the test stand-in for the operator
// (test/stand-ins/dgd-ready-stand-in.ts). The stacks that need no platform
// chart use platform.install false with the graph CRD of the reference chart.
//
// Skipped, with the reason printed, when the cluster, the Pulumi engine, the
// reference charts or the Python venv are absent.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultVenv } from "../../lib/paths";
import { referencePath } from "../helpers/reference";
import { startDgdReadyStandIn } from "../stand-ins/dgd-ready-stand-in";
import { startKubeletLogsStandIn, type KubeletLogsStandIn } from "../stand-ins/kubelet-logs-stand-in";
import { CHART_SKIP } from "./k8s-chart";
import { pulumiAvailable, REPO_ROOT, withStack } from "./helpers";
import { KUBECONFIG, KUBECTL, clusterSkip, excerpt, failureOf, kubectl, nodeLogsServed, runnerEnv, stackConfig, writeStackConfig } from "./k8s-cluster";

const STACK = "k8s-cluster-failures-e2e";
const CHARTS = path.join(REPO_ROOT, "test", "fixtures", "charts");
const GRAPH_CRD = referencePath("dynamo", "helm", "full", "dynamo-platform-1.2.0", "components", "operator", "crds", "nvidia.com_dynamographdeployments.yaml");
const VENV = defaultVenv(process.env);

const avail = pulumiAvailable();
const venvSkip = fs.existsSync(path.join(VENV, "bin", "aiperf")) ? false : `Python venv ${VENV} is missing (bash scripts/setup-python.sh)`;
const skip = !avail.ok ? avail.reason : CHART_SKIP || clusterSkip() || venvSkip;
if (skip) console.log(`# skipping the Kubernetes failure-path e2e tests: ${skip}`);

const timings: Record<string, number> = {};
const stackEnv = { ...runnerEnv, KUBECONFIG };
let configFile = "";

/** Deploys a stack of `config` whose `up` must fail; returns the error after destroying what it made. */
async function failedUp(label: string, config: Record<string, unknown>, check: (error: Error) => Promise<void> | void): Promise<void> {
    configFile = writeStackConfig(STACK, config);
    await withStack(
        REPO_ROOT,
        STACK,
        {},
        async (stack) => {
            const { error, seconds } = await failureOf(() => stack.up(), `up (${label})`);
            timings[label] = seconds;
            await check(error);
            await stack.destroy();
        },
        { env: stackEnv, timeoutMs: 600_000 },
    );
}

/** What scripts/k8s/run-benchmark.sh prints when the frontend never lists the model: a real failure log of the benchmark Job. */
function benchmarkFailureLog(work: string): string {
    const plan = path.join(work, "plan.json");
    fs.writeFileSync(
        plan,
        JSON.stringify({ tool: "aiperf", modelsUrl: "http://127.0.0.1:1/v1/models", model: "Qwen/Qwen3-0.6B", modelWaitSeconds: 1, phases: [] }),
    );
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "k8s", "run-benchmark.sh")], {
        encoding: "utf8",
        env: { ...process.env, DYNAMO_BENCH_PLAN: plan, PATH: `${path.join(VENV, "bin")}:${process.env.PATH}` },
        timeout: 60_000,
    });
    assert.equal(r.status, 1, `run-benchmark.sh should fail against a closed port: ${r.stderr}`);
    return `${r.stderr}${r.stdout}`;
}

/** Polls (bounded) until the API server serves a CRD; `kubectl wait` fails while the CRD has no status yet. */
async function established(crd: string, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    const status = () => kubectl(["get", "crd", crd, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}'], true);
    while (status() !== "True") {
        assert.ok(Date.now() < deadline, `CRD ${crd} not Established within ${seconds}s`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

describe("Kubernetes failure paths on the test cluster (real API server, kwok nodes)", { skip }, () => {
    let work = "";
    let logs: KubeletLogsStandIn | undefined;
    let failureLog = "";

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-k8s-failures-"));
        // The graph CRD, as the platform chart registers it (and keeps: helm.sh/resource-policy keep).
        if (kubectl(["get", "crd", "dynamographdeployments.nvidia.com"], true) === "") kubectl(["apply", "--server-side", "-f", GRAPH_CRD]);
        await established("dynamographdeployments.nvidia.com", 30);
        failureLog = benchmarkFailureLog(work);
        if (!nodeLogsServed()) logs = await startKubeletLogsStandIn([{ namespace: "e2e-job-fails", podPrefix: "e2e-job-fails-bench-", text: failureLog }]);
    });
    after(async () => {
        await logs?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
        if (configFile) fs.rmSync(configFile, { force: true });
        // Helm keeps the namespaces it created and the hook Jobs it does not own.
        kubectl(["delete", "namespace", "e2e-hook-hangs", "e2e-chart-refused", "--ignore-not-found", "--wait=false"], true);
        console.log(`# wall times (s): ${JSON.stringify(timings)}`);
    });

    test("a platform hook Job that never completes: bounded, names the Job and its pod's state", { timeout: 600_000 }, async () => {
        const config = stackConfig({
            name: "e2e-hook",
            namespace: "e2e-hook",
            chart: path.join(CHARTS, "hook-never-completes"),
            platformNamespace: "e2e-hook-hangs",
            platformTimeoutSeconds: 20,
            groveAndKai: false,
        });
        await failedUp("up, platform hook never completes", config, (error) => {
            console.log(`# the hook that never completes, as \`up\` reports it:\n${excerpt(error.message, "dynamo-bench k8s-wait-release: FAILED")}`);
            assert.match(error.message, /dynamo-bench k8s-wait-release: FAILED: Helm release e2e-hook-hangs\/dynamo-platform failed after \d+s/);
            assert.match(
                error.message,
                /helm revision 1: failed: Release "dynamo-platform" failed: failed pre-install: .*timed out waiting for the condition\n/,
            );
            assert.match(error.message, /hook Job e2e-hook-never-completes \(pre-install\): 1 active, 0 succeeded, 0 failed; not complete/);
            assert.match(
                error.message,
                /e2e-hook-never-completes-\w+: Pending, not ready, Unschedulable: 0\/\d+ nodes are available: [^\n]*node affinity\/selector/,
            );
            assert.ok(timings["up, platform hook never completes"]! < 20 + 60, "bounded by platform.timeoutSeconds");
        });
    });

    test("a platform chart the API server refuses: one clear error, at once", { timeout: 600_000 }, async () => {
        const config = stackConfig({
            name: "e2e-refused",
            namespace: "e2e-refused",
            chart: path.join(CHARTS, "refused-by-api-server"),
            platformNamespace: "e2e-chart-refused",
            groveAndKai: false,
        });
        await failedUp("up, chart refused", config, (error) => {
            console.log(
                `# the refused chart, as \`up\` reports it: ${error.message
                    .split("\n")
                    .filter((l) => /Not_A_Valid_Name/.test(l))[0]
                    ?.trim()}`,
            );
            assert.match(error.message, /ConfigMap "Not_A_Valid_Name" is invalid: metadata\.name: Invalid value/);
            assert.ok(timings["up, chart refused"]! < 60, "fails at once, not at platform.timeoutSeconds");
        });
    });

    test("a graph that never becomes Ready: bounded by readySeconds, with its conditions and pod states", { timeout: 600_000 }, async () => {
        const never = startDgdReadyStandIn({ kubeconfig: KUBECONFIG, namespace: "e2e-never-ready", kubectl: KUBECTL, neverReady: true });
        try {
            await failedUp(
                "up, graph never Ready",
                stackConfig({ name: "e2e-never-ready", namespace: "e2e-never-ready", readySeconds: 25, decodeGpus: 16 }),
                (error) => {
                    const report = error.message.slice(error.message.indexOf("dynamo-bench k8s-wait-graph: FAILED"));
                    console.log(`# graph never Ready, as \`up\` reports it:\n${excerpt(report, "dynamo-bench")}`);
                    assert.match(error.message, /e2e-never-ready-graph-ready/, "the program's own wait failed, not the provider's");
                    assert.match(
                        report,
                        /^dynamo-bench k8s-wait-graph: FAILED: graph e2e-never-ready\/e2e-never-ready did not become Ready within 25s \(timeouts\.readySeconds\)\n/,
                    );
                    // (Pulumi indents the command's stderr.) The graph's status as the stand-in set it, then each pod.
                    assert.match(report, /\n\s*graph state: pending, observedGeneration 1 of generation 1\n/);
                    assert.match(report, /\n\s*condition Ready=False reason StandInNeverReady: the test stand-in never reports this graph Ready\n/);
                    assert.match(report, /\n\s*services: decode 0\/1 ready, frontend \d\/1 ready, prefill \d\/1 ready\n/);
                    assert.match(
                        report,
                        /\n\s*e2e-never-ready-decode-0: Pending, not ready, Unschedulable: 0\/\d+ nodes are available: [^\n]*Insufficient nvidia\.com\/gpu/,
                    );
                    assert.match(report, /\n\s*e2e-never-ready-frontend-0: Running, ready, node kwok-gpu-\d\n/);
                    assert.doesNotMatch(error.message, /timed out waiting for the condition/, "not the provider's message");
                    assert.ok(timings["up, graph never Ready"]! < 25 + 120, "bounded by timeouts.readySeconds");
                    assert.equal(kubectl(["-n", "e2e-never-ready", "get", "job", "e2e-never-ready-bench"], true), "", "no benchmark Job without a Ready graph");
                },
            );
        } finally {
            await never.stop();
        }
    });

    test("a benchmark Job that fails: its log tail in the message; a destroy held by a finalizer: bounded, names it", { timeout: 600_000 }, async () => {
        const ns = "e2e-job-fails";
        configFile = writeStackConfig(STACK, stackConfig({ name: ns, namespace: ns, deleteSeconds: 15 }));
        const standIn = startDgdReadyStandIn({ kubeconfig: KUBECONFIG, namespace: ns, kubectl: KUBECTL });
        try {
            await withStack(
                REPO_ROOT,
                STACK,
                {},
                async (stack) => {
                    const { error, seconds } = await failureOf(() => stack.up(), "up with a failing Job");
                    timings["up, Job fails"] = seconds;
                    console.log(`# the failed Job, as \`up\` reports it:\n${excerpt(error.message, "Job e2e-job-fails/e2e-job-fails-bench failed", 12)}`);
                    assert.match(error.message, /Job e2e-job-fails\/e2e-job-fails-bench failed: BackoffLimitExceeded/);
                    // The log tail as the API server served it: the script's own reason and its failure marker.
                    assert.match(error.message, /ERROR: the frontend at http:\/\/127\.0\.0\.1:1\/v1\/models did not list model 'Qwen\/Qwen3-0\.6B' within 1s/);
                    assert.match(error.message, /===DYNAMO-BENCH-FAILED reason=model-not-listed===/);
                    if (logs)
                        assert.ok(
                            logs.requests.some((r) => r.startsWith(`/containerLogs/${ns}/${ns}-bench-`)),
                            "read through the API server",
                        );

                    // The operator would remove its finalizer; nobody does here.
                    kubectl([
                        "-n",
                        ns,
                        "patch",
                        "dynamographdeployments.v1alpha1.nvidia.com",
                        ns,
                        "--type=merge",
                        "-p",
                        '{"metadata":{"finalizers":["dynamo-bench.test/held"]}}',
                    ]);
                    await standIn.stop();
                    const held = await failureOf(() => stack.destroy(), "destroy with a finalizer nobody removes");
                    timings["destroy, held by a finalizer"] = held.seconds;
                    console.log(
                        `# the held destroy: ${held.error.message
                            .split("\n")
                            .filter((l) => /finalizers might|error:/.test(l))
                            .slice(0, 4)
                            .join(" | ")}`,
                    );
                    assert.match(held.error.message, /e2e-job-fails-graph/, "names the graph");
                    assert.match(held.error.message, /finalizers might be preventing deletion \(dynamo-bench\.test\/held\)/);
                    assert.ok(held.seconds < 15 + 60, "bounded by timeouts.deleteSeconds");

                    kubectl(["-n", ns, "patch", "dynamographdeployments.v1alpha1.nvidia.com", ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
                    await stack.destroy();
                    assert.equal(kubectl(["get", "ns", ns], true), "", `namespace ${ns} is gone`);
                },
                { env: stackEnv, timeoutMs: 600_000 },
            );
        } finally {
            await standIn.stop();
        }
    });

    test("an unreachable API server: a clear error within seconds", { timeout: 300_000 }, async () => {
        const dead = path.join(work, "dead-kubeconfig");
        fs.writeFileSync(dead, fs.readFileSync(KUBECONFIG, "utf8").replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1"), {
            mode: 0o600,
        });
        const config = stackConfig({ name: "e2e-dead", namespace: "e2e-dead" });
        (config["dynamo-bench:kubernetes"] as Record<string, unknown>).kubeconfig = dead;
        configFile = writeStackConfig(STACK, config);
        await withStack(
            REPO_ROOT,
            STACK,
            {},
            async (stack) => {
                const { error, seconds } = await failureOf(() => stack.up(), "up against an unreachable API server");
                timings["up, API server unreachable"] = seconds;
                console.log(
                    `# unreachable: ${error.message
                        .split("\n")
                        .filter((l) => /error/i.test(l))
                        .slice(0, 4)
                        .join(" | ")}`,
                );
                assert.match(error.message, /127\.0\.0\.1:1|connection refused|unreachable/i);
                assert.ok(seconds < 120, "bounded");
            },
            { env: { ...runnerEnv, KUBECONFIG: dead }, timeoutMs: 300_000 },
        );
    });
});

// Every worker's server metrics on Kubernetes: the headless Service over the
// graph's worker pods (its selector checked against the labels the operator
// gives each pod, operator-pod-labels.ts), the worker label on the graph, and
// the plan that tells the Job's script what to resolve and where the URLs go.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
    buildBenchmarkJob,
    buildBenchmarkPlan,
    buildGraphDeployment,
    buildWorkerMetricsService,
    expectedWorkerPods,
    k8sNames,
    SERVER_METRICS_FLAG,
    WORKER_POD_LABEL,
    WORKER_SYSTEM_PORT,
} from "../../lib/kubernetes";
import { operatorContainerPorts, operatorPodLabels } from "../stand-ins/operator-pod-labels";
import { k8sSpec, SCENARIOS } from "./k8s-fixtures";

type Json = Record<string, any>;

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("worker-metrics Service", () => {
    for (const [name, override] of Object.entries(SCENARIOS)) {
        test(`${name}: selects every worker pod of the graph and no other pod`, () => {
            const spec = k8sSpec(override);
            const graph = buildGraphDeployment(spec) as Json;
            const svc = buildWorkerMetricsService(spec) as Json;
            const keys = Object.keys(graph.spec.services);
            const workers = keys.filter((k) => graph.spec.services[k].componentType === "worker");
            assert.ok(workers.length > 0);
            for (const key of keys) {
                const labels = operatorPodLabels(graph, key);
                assert.equal(selects(svc.spec.selector, labels), workers.includes(key), `${key}: ${JSON.stringify(labels)}`);
            }
            // Another benchmark's graph in the same namespace: none of its pods.
            const other = buildGraphDeployment(k8sSpec({ ...override, name: "other" })) as Json;
            for (const key of Object.keys(other.spec.services)) assert.equal(selects(svc.spec.selector, operatorPodLabels(other, key)), false);
        });
    }

    test("headless, Ready pods only, the workers' named system port", () => {
        const spec = k8sSpec();
        const svc = buildWorkerMetricsService(spec) as Json;
        assert.equal(svc.metadata.name, "bench-worker-metrics");
        assert.equal(svc.metadata.namespace, spec.kubernetes.namespace);
        assert.equal(svc.spec.clusterIP, "None");
        assert.equal(svc.spec.publishNotReadyAddresses, false);
        assert.deepEqual(svc.spec.ports, [{ name: "system", port: 9090, targetPort: "system", protocol: "TCP" }]);
        // The target port is a name the worker container declares (the operator's, 9090).
        const graph = buildGraphDeployment(spec) as Json;
        assert.deepEqual(
            operatorContainerPorts(graph, "decode").find((p) => p.name === svc.spec.ports[0].targetPort),
            { name: "system", containerPort: WORKER_SYSTEM_PORT.port, protocol: "TCP" },
        );
        // Not the name of a Service the operator makes (`<graph>-<service key>`).
        assert.equal(
            Object.keys(graph.spec.services)
                .map((k) => `${graph.metadata.name}-${k}`)
                .includes(svc.metadata.name),
            false,
        );
    });

    test("the label rides on the workers' extraPodMetadata, beside the CNI annotation", () => {
        const graph = buildGraphDeployment(k8sSpec(SCENARIOS["cni networks"]!)) as Json;
        assert.deepEqual(graph.spec.services.decode.extraPodMetadata.labels, { [WORKER_POD_LABEL.key]: WORKER_POD_LABEL.value });
        assert.match(graph.spec.services.decode.extraPodMetadata.annotations["k8s.v1.cni.cncf.io/networks"], /ib0/);
        assert.equal(graph.spec.services.frontend.extraPodMetadata, undefined);
    });
});

describe("worker-metrics plan", () => {
    test("the Service's name and port, every worker pod expected, the URLs before the phase's own arguments", () => {
        const spec = k8sSpec({
            prefill: { replicas: 2 },
            decode: { replicas: 3 },
            benchmark: {
                phases: [
                    { name: "c1", concurrency: 1 },
                    { name: "c8", concurrency: 8, extraArgs: ["--request-timeout-seconds", "9"] },
                ],
            },
        });
        const plan = buildBenchmarkPlan(spec);
        assert.deepEqual(plan.workerMetrics, {
            host: k8sNames("bench", spec.kubernetes.namespace).workerMetricsHost,
            port: 9090,
            path: "/metrics",
            expected: 5,
            waitSeconds: 60,
            flag: SERVER_METRICS_FLAG,
        });
        assert.equal(plan.workerMetrics!.host, `bench-worker-metrics.${spec.kubernetes.namespace}.svc.cluster.local`);
        const [c1, c8] = plan.phases;
        assert.equal(c1!.workerMetricsAt, c1!.argv.length);
        assert.equal(c8!.workerMetricsAt, c8!.argv.length - 2);
        assert.deepEqual(c8!.argv.slice(c8!.workerMetricsAt), ["--request-timeout-seconds", "9"]);
        // AIPerf scrapes the frontend by its base URL; nothing turns that off.
        for (const p of plan.phases) assert.equal(p.argv.includes("--no-server-metrics"), false);
    });

    test("the Job's pod holds no API token, so AIPerf's own pod discovery cannot add other graphs' pods", () => {
        const job = buildBenchmarkJob(k8sSpec(), { inputsDigest: "d" }) as Json;
        assert.equal(job.spec.template.spec.automountServiceAccountToken, false);
    });

    test("multinode workers: one pod per node; aggregated: the decode workers only", () => {
        assert.equal(expectedWorkerPods(k8sSpec(SCENARIOS["multinode tp16"]!)), 2 + 1);
        assert.equal(expectedWorkerPods(k8sSpec(SCENARIOS["aggregated vllm"]!)), 2);
        assert.equal(buildBenchmarkPlan(k8sSpec(SCENARIOS["multinode tp16"]!)).workerMetrics!.expected, 3);
    });

    test("benchmark.serverMetrics false: no Service, no plan, AIPerf told not to scrape", () => {
        const spec = k8sSpec({ benchmark: { serverMetrics: false } });
        const plan = buildBenchmarkPlan(spec);
        assert.equal(plan.workerMetrics, undefined);
        assert.equal(plan.phases[0]!.workerMetricsAt, undefined);
        assert.ok(plan.phases[0]!.argv.includes("--no-server-metrics"));
    });

    test("genai-perf has no --server-metrics: nothing planned", () => {
        const plan = buildBenchmarkPlan(k8sSpec({ benchmark: { tool: "genai-perf" } }));
        assert.equal(plan.workerMetrics, undefined);
        assert.equal(plan.phases[0]!.workerMetricsAt, undefined);
        assert.equal(plan.phases[0]!.argv.includes(SERVER_METRICS_FLAG), false);
    });

    test("a phase that sets --server-metrics or --no-server-metrics itself gets nothing added (AIPerf refuses a repeated flag)", () => {
        const spec = k8sSpec({
            benchmark: {
                phases: [
                    { name: "own", concurrency: 1, extraArgs: ["--server-metrics", "http://dcgm:9400/metrics"] },
                    { name: "off", concurrency: 1, extraArgs: ["--no-server-metrics"] },
                    { name: "plain", concurrency: 1 },
                ],
            },
        });
        const plan = buildBenchmarkPlan(spec);
        assert.deepEqual(
            plan.phases.map((p) => p.workerMetricsAt === undefined),
            [true, true, false],
        );
    });
});

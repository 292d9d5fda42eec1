// The resource graph of the Kubernetes target under Pulumi mocks: types,
// names, parents, providers, ordering, key inputs, and where the HF token goes.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder, type RecordedResource } from "../helpers/pulumi-mocks";
import { assertValidCustomResource, NO_CRDS, repoRoot } from "../helpers/crd-validate";
import { k8sSpec } from "./k8s-fixtures";
import type { KubernetesBenchmarkOutputs } from "../../components/kubernetes";
import { DEFAULT_DYNAMO_VERSION } from "../../lib/dynamo";

const T = {
    benchmark: "dynamo-bench:k8s:Benchmark",
    platform: "dynamo-bench:k8s:DynamoPlatform",
    queueComponent: "dynamo-bench:k8s:KaiQueue",
    graphComponent: "dynamo-bench:k8s:DynamoGraph",
    jobComponent: "dynamo-bench:k8s:BenchmarkJob",
    provider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    release: "kubernetes:helm.sh/v3:Release",
    queue: "kubernetes:scheduling.run.ai/v2:Queue",
    secret: "kubernetes:core/v1:Secret",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    graph: "kubernetes:nvidia.com/v1alpha1:DynamoGraphDeployment",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    job: "kubernetes:batch/v1:Job",
    command: "command:local:Command",
} as const;

const TOKEN = "hf_ThisIsTheTestTokenValue1234567890";
const COLLECTED = { ok: true, schema: "dynamo-bench/k8s-results@1", phases: [{ name: "main", outputs: { requestCount: 40 } }] };

let mocks: MockRecorder;
let deploy: typeof import("../../components/kubernetes").deploy;

before(async () => {
    mocks = await setupMocks({ commandStdout: () => `k8s-collect chatter\nDYNAMO_BENCH_RESULT ${JSON.stringify(COLLECTED)}\n` });
    ({ deploy } = await import("../../components/kubernetes"));
});

/** Deploys one spec on fresh records. */
async function run(override: Record<string, unknown>, hfToken?: pulumi.Input<string>): Promise<KubernetesBenchmarkOutputs> {
    mocks.reset();
    const outputs = deploy(k8sSpec(override), { hfToken }, "pulumi-command");
    await mocks.settle();
    return outputs;
}

const names = (type: string) =>
    mocks
        .ofType(type)
        .map((r) => r.name)
        .sort();
const ancestors = (r: RecordedResource): string[] => {
    const out: string[] = [];
    for (let p = mocks.parentOf(r); p; p = mocks.parentOf(p)) out.push(p.type);
    return out;
};

describe("default stack: 1.x platform with bundled Grove and KAI, disaggregated vLLM, HF token", () => {
    let outputs: KubernetesBenchmarkOutputs;
    before(async () => {
        outputs = await run({ name: "bench" }, TOKEN);
    });

    test("resources, by type and name", () => {
        assert.deepEqual(names(T.benchmark), ["bench"]);
        assert.deepEqual(names(T.provider), ["bench-provider"]);
        assert.deepEqual(names(T.namespace), ["bench-namespace"]);
        assert.deepEqual(names(T.release), ["bench-platform"]);
        assert.deepEqual(names(T.queue), ["bench-queue", "bench-queue-parent"]);
        assert.deepEqual(names(T.secret), ["bench-secret-env"]);
        assert.deepEqual(names(T.graph), ["bench-graph"]);
        assert.deepEqual(names(T.configMap), ["bench-script"]);
        assert.deepEqual(names(T.job), ["bench-job"]);
        assert.deepEqual(names(T.service), ["bench-worker-metrics"]);
        assert.deepEqual(names(T.command), ["bench-graph-ready", "bench-platform-release-baseline", "bench-platform-release-watch", "bench-results"]);
        assert.deepEqual(names(T.pvc), []);
    });

    test("release watch: k8s-wait-release beside the release (not after it), bounded beyond Helm's own timeout", () => {
        const c = mocks.one(T.command, "bench-platform-release-watch");
        assert.equal(
            c.inputs.create,
            "node bin/dynamo-bench.js k8s-wait-release --namespace dynamo-system --release dynamo-platform --timeout 960 --appear-within 60 --after-revision 0",
        );
        assert.ok(!mocks.dependsOn(c, mocks.one(T.release)), "runs while the release installs");
        // The revision before the release is read first; the release waits for it, so the watch cannot miss this install's revision.
        const baseline = mocks.one(T.command, "bench-platform-release-baseline");
        assert.equal(baseline.inputs.create, "node bin/dynamo-bench.js k8s-release-revision --namespace dynamo-system --release dynamo-platform");
        assert.ok(mocks.dependsOn(mocks.one(T.release), baseline), "the release starts after the baseline is read");
    });

    test("deletion is bounded by timeouts.deleteSeconds on every object destroy waits for", () => {
        for (const type of [T.namespace, T.queue, T.secret, T.graph, T.service, T.configMap, T.job]) {
            for (const r of mocks.ofType(type)) assert.deepEqual(r.customTimeouts, { delete: "300s" }, `${type} ${r.name}`);
        }
    });

    test("parents: each child under its component, every component under the benchmark", () => {
        const expect: Array<[string, string]> = [
            [T.release, T.platform],
            [T.queue, T.queueComponent],
            [T.secret, T.graphComponent],
            [T.graph, T.graphComponent],
            [T.service, T.graphComponent],
            [T.configMap, T.jobComponent],
            [T.job, T.jobComponent],
            [T.namespace, T.benchmark],
            [T.provider, T.benchmark],
        ];
        assert.equal(mocks.parentOf(mocks.one(T.command, "bench-graph-ready"))?.type, T.graphComponent);
        assert.equal(mocks.parentOf(mocks.one(T.command, "bench-results"))?.type, T.jobComponent);
        for (const [child, parent] of expect) {
            for (const r of mocks.ofType(child)) {
                assert.equal(mocks.parentOf(r)?.type, parent, `${r.name} is a child of ${parent}`);
                assert.equal(ancestors(r).at(-1), T.benchmark, `${r.name} sits under the benchmark component`);
            }
        }
    });

    test("every Kubernetes resource uses the stack's provider; the commands use the default one", () => {
        const provider = mocks.one(T.provider);
        for (const r of mocks.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.type} ${r.name} uses ${r.provider}`);
        }
        for (const c of mocks.ofType(T.command)) assert.equal(c.provider.includes("bench-provider"), false, c.name);
    });

    test("ordering: platform -> queues -> graph -> graph Ready wait -> Job -> results", () => {
        const release = mocks.one(T.release);
        const [parent, child] = [mocks.one(T.queue, "bench-queue-parent"), mocks.one(T.queue, "bench-queue")];
        const graph = mocks.one(T.graph);
        const job = mocks.one(T.job);
        const collect = mocks.one(T.command, "bench-results");
        const wait = mocks.one(T.command, "bench-graph-ready");
        assert.ok(mocks.dependsOn(parent, release), "queues wait for the platform (KAI CRDs)");
        assert.ok(mocks.dependsOn(child, parent), "child queue after its parent");
        assert.ok(mocks.dependsOn(graph, release), "graph after the platform");
        assert.ok(mocks.dependsOn(graph, child), "graph after its queue");
        assert.ok(mocks.dependsOn(graph, mocks.one(T.secret)), "graph after its token Secret");
        assert.ok(mocks.dependsOn(graph, mocks.one(T.namespace)), "graph after the namespace");
        assert.ok(mocks.dependsOn(wait, graph), "the wait after the graph");
        assert.ok(mocks.dependsOn(job, wait), "Job after the graph is Ready");
        assert.equal(mocks.dependsOn(wait, job), false, "the wait does not wait for the Job");
        assert.ok(mocks.dependsOn(job, mocks.one(T.configMap)), "Job after its script");
        assert.ok(mocks.dependsOn(job, mocks.one(T.service)), "Job after the worker-metrics Service its script resolves");
        assert.ok(mocks.dependsOn(collect, job), "results after the Job");
        assert.equal(mocks.dependsOn(release, graph), false, "and not the other way round");
    });

    test("platform release: the NGC chart of the default release with global.* toggles", () => {
        const r = mocks.one(T.release).inputs;
        assert.equal(r.chart, `https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-platform-${DEFAULT_DYNAMO_VERSION}.tgz`);
        assert.equal(r.name, "dynamo-platform");
        assert.equal(r.namespace, "dynamo-system");
        assert.equal(r.createNamespace, true);
        assert.equal(r.timeout, 900);
        assert.deepEqual(r.values.global.grove, { install: true, enabled: true });
        assert.deepEqual(r.values.global["kai-scheduler"], { install: true, enabled: true });
    });

    test("graph: valid against the CRD as sent to the engine; the provider does not wait on it", { skip: NO_CRDS }, () => {
        const g = mocks.one(T.graph);
        assertValidCustomResource(g.inputs);
        assert.equal(g.inputs.metadata.name, "bench");
        assert.equal(g.inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.equal(g.inputs.metadata.annotations["pulumi.com/waitFor"], undefined);
        assert.equal(g.inputs.spec.services.decode.envFromSecret, "bench-secret-env");
    });

    test("queues: valid against the KAI CRD, cluster-scoped", { skip: NO_CRDS }, () => {
        for (const q of mocks.ofType(T.queue)) {
            assertValidCustomResource(q.inputs);
            assert.equal(q.inputs.metadata.namespace, undefined);
        }
    });

    test("Job: skipAwait, script ConfigMap holds the static script verbatim", () => {
        const job = mocks.one(T.job).inputs;
        assert.equal(job.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.equal(job.spec.backoffLimit, 0);
        const cm = mocks.one(T.configMap).inputs;
        assert.equal(cm.data["run-benchmark.sh"], fs.readFileSync(path.join(repoRoot, "scripts/k8s/run-benchmark.sh"), "utf8"));
        assert.equal(cm.data["stall-watch.sh"], fs.readFileSync(path.join(repoRoot, "scripts/stall-watch.sh"), "utf8"));
        assert.equal(JSON.parse(cm.data["plan.json"]).phases[0].name, "main");
    });

    test("graph Ready wait: runs k8s-wait-graph from the repository root, bounded by readySeconds, re-run when the graph changes", () => {
        const c = mocks.one(T.command, "bench-graph-ready");
        assert.equal(path.resolve(c.inputs.dir), repoRoot);
        assert.ok(!path.isAbsolute(c.inputs.dir), c.inputs.dir);
        assert.equal(c.inputs.create, "node bin/dynamo-bench.js k8s-wait-graph --namespace dynamo-bench --graph bench --timeout 1800");
        assert.equal(c.inputs.triggers.length, 2);
        assert.match(c.inputs.triggers[0], /^[0-9a-f]{64}$/, "the graph manifest's digest");
        assert.equal(c.inputs.triggers[1], "uid-bench-graph", "the graph's uid: a replaced graph is waited for again");
        assert.deepEqual(c.customTimeouts, { create: "1920s", update: "1920s", delete: "1920s" });
        assert.equal(c.inputs.environment, undefined, "nothing secret reaches the command");
        assert.equal(c.inputs.delete, undefined, "nothing to undo on destroy");
    });

    test("results command: runs k8s-collect from the repository root, bounded, re-run when the Job is replaced", () => {
        const c = mocks.one(T.command, "bench-results");
        // Relative to the project folder (the working directory), never an absolute checkout path.
        assert.equal(path.resolve(c.inputs.dir), repoRoot);
        assert.ok(!path.isAbsolute(c.inputs.dir), c.inputs.dir);
        assert.match(
            c.inputs.create,
            /^node bin\/dynamo-bench\.js k8s-collect --namespace dynamo-bench --job bench-bench --graph bench --timeout 3900 --phases main:1 --gpus 2 --tool aiperf$/,
        );
        assert.deepEqual(c.inputs.triggers, ["uid-bench-job"]);
        assert.deepEqual(c.customTimeouts, { create: "3960s", update: "3960s", delete: "3960s" });
        assert.equal(c.inputs.environment, undefined, "nothing secret reaches the command");
    });

    test("outputs: names, URL, platform summary, engine and the collected results", async () => {
        assert.equal(outputs.target, "kubernetes");
        const details = outputs.details;
        assert.equal(details.graphName, "bench");
        assert.equal(details.frontendUrl, "http://bench-frontend.dynamo-bench.svc.cluster.local:8000");
        assert.equal(details.jobName, "bench-bench");
        assert.equal(details.platform.mode, "installed");
        assert.deepEqual(details.kaiQueues, ["bench-queue-parent", "bench-queue"]);
        assert.equal(details.envSecret, "bench-secret-env");
        assert.equal(details.engine.name, "vllm");
        assert.match(details.engine.image ?? "", /vllm-runtime:/);
        assert.equal(await promiseOf(outputs.resultsStatus), "collected");
        assert.deepEqual(await promiseOf(outputs.phases), { main: { requestCount: 40 } });
    });

    test("HF token: a secret in the Secret and nowhere else in plain text", async () => {
        const secret = mocks.one(T.secret);
        assert.ok(secret.secretPaths.includes("stringData"), `secret paths: ${secret.secretPaths}`);
        assert.equal(secret.inputs.stringData.HF_TOKEN, TOKEN);
        for (const r of mocks.resources) {
            assert.equal(JSON.stringify(r.publicInputs).includes(TOKEN), false, `${r.type} ${r.name} shows the token in plain text`);
        }
        const { phases, resultsStatus, ...rest } = outputs;
        assert.equal(JSON.stringify(rest).includes(TOKEN), false);
        assert.equal(JSON.stringify(await promiseOf(pulumi.output({ phases, resultsStatus }))).includes(TOKEN), false);
    });
});

describe("variants", () => {
    test("worker-metrics Service: the graph's workers, headless; none when server metrics are off or the tool is genai-perf", async () => {
        await run({ name: "bench" });
        const svc = mocks.one(T.service);
        assert.equal(svc.inputs.metadata.name, "bench-worker-metrics");
        assert.equal(svc.inputs.spec.clusterIP, "None");
        assert.deepEqual(svc.inputs.spec.selector, { "nvidia.com/dynamo-graph-deployment-name": "bench", "dynamo-bench.nvidia.com/role": "worker" });
        assert.equal(svc.inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
        await run({ name: "bench", benchmark: { serverMetrics: false } });
        assert.deepEqual(names(T.service), []);
        await run({ name: "bench", benchmark: { tool: "genai-perf" } });
        assert.deepEqual(names(T.service), []);
    });

    test("a plain-string token still becomes a secret", async () => {
        await run({ name: "plain" }, "hf_plain_token_value");
        assert.ok(mocks.one(T.secret).secretPaths.includes("stringData"));
        assert.equal(
            mocks.resources.some((r) => JSON.stringify(r.publicInputs).includes("hf_plain_token_value")),
            false,
        );
    });

    test("no token: no Secret, no envFromSecret, no HF_TOKEN in the Job", async () => {
        await run({ name: "public" });
        assert.deepEqual(names(T.secret), []);
        assert.equal(JSON.stringify(mocks.one(T.graph).inputs).includes("envFromSecret"), false);
        assert.equal(JSON.stringify(mocks.one(T.job).inputs).includes("HF_TOKEN"), false);
    });

    test("separate Grove and KAI: own releases first, queues after KAI", async () => {
        await run({ name: "sep", platform: { grove: { install: "separate" }, kaiScheduler: { install: "separate" } } });
        assert.deepEqual(names(T.release), ["sep-grove", "sep-kai-scheduler", "sep-platform"]);
        const kai = mocks.one(T.release, "sep-kai-scheduler");
        assert.equal(kai.inputs.namespace, "kai-scheduler");
        assert.equal(kai.inputs.version, "v0.13.4");
        const platform = mocks.one(T.release, "sep-platform");
        assert.ok(mocks.dependsOn(platform, kai) && mocks.dependsOn(platform, mocks.one(T.release, "sep-grove")));
        assert.deepEqual(platform.inputs.values.global.grove, { install: false, enabled: true });
        assert.ok(mocks.dependsOn(mocks.one(T.queue, "sep-queue-parent"), kai));
    });

    test("Grove and KAI off: graph opts out of Grove, no queue annotation, no queues", async () => {
        await run({ name: "plain-sched", platform: { grove: { install: "none" }, kaiScheduler: { install: "none" } }, scheduling: { grove: false } });
        const g = mocks.one(T.graph).inputs;
        assert.equal(g.metadata.annotations["nvidia.com/enable-grove"], "false");
        assert.equal(g.metadata.annotations["nvidia.com/kai-scheduler-queue"], undefined);
        assert.deepEqual(names(T.queue), []);
        assert.deepEqual(mocks.one(T.release).inputs.values.global, {
            grove: { install: false, enabled: false },
            "kai-scheduler": { install: false, enabled: false },
        });
    });

    test("external platform: no releases, queue and graph still created", async () => {
        const out = await run({ name: "ext", platform: { install: false } });
        assert.deepEqual(names(T.release), []);
        assert.deepEqual(names(T.platform), ["ext"]);
        assert.deepEqual(names(T.queue), ["ext-queue", "ext-queue-parent"]);
        assert.equal(out.details.platform.mode, "external");
    });

    test("aggregated: frontend and one worker service", { skip: NO_CRDS }, async () => {
        await run({ name: "agg", mode: "aggregated", prefill: { replicas: 0 } });
        const g = mocks.one(T.graph).inputs;
        assertValidCustomResource(g);
        assert.deepEqual(Object.keys(g.spec.services), ["frontend", "worker"]);
    });

    test("multinode decode", { skip: NO_CRDS }, async () => {
        await run({ name: "mn", decode: { tensorParallel: 16, nodesPerWorker: 2 } });
        const g = mocks.one(T.graph).inputs;
        assertValidCustomResource(g);
        assert.deepEqual(g.spec.services.decode.multinode, { nodeCount: 2 });
        assert.equal(g.spec.services.decode.resources.limits.gpu, "8");
    });

    test("CNI and hostNetwork reach the graph", async () => {
        await run({ name: "cni", network: { mode: "cni", cniNetworks: [{ name: "ib0", resource: "nvidia.com/rdma_ib0" }] } });
        const cni = mocks.one(T.graph).inputs.spec.services.prefill;
        assert.equal(cni.extraPodMetadata.annotations["k8s.v1.cni.cncf.io/networks"], "ib0");
        assert.deepEqual(cni.resources.requests.custom, { "nvidia.com/rdma_ib0": "1" });
        await run({ name: "hostnet", network: { mode: "hostNetwork" } });
        const host = mocks.one(T.graph).inputs.spec.services.decode;
        assert.equal(host.extraPodSpec.hostNetwork, true);
        assert.equal(host.extraPodSpec.dnsPolicy, "ClusterFirstWithHostNet");
    });

    test("LMCache's controller: a Deployment and Service next to the graph, created first, bounded, under the graph component", async () => {
        await run({ name: "lmc", kvCache: { connector: "lmcache", lmcache: { controller: { startupTimeoutSeconds: 60 } } }, timeouts: { readySeconds: 600 } });
        const deployment = mocks.one("kubernetes:apps/v1:Deployment");
        const service = mocks.one("kubernetes:core/v1:Service", "lmc-lmcache-controller");
        assert.deepEqual([deployment.name, service.name], ["lmc-lmcache-controller", "lmc-lmcache-controller"]);
        assert.equal(deployment.inputs.metadata.name, "lmc-lmcache-controller");
        assert.equal(deployment.inputs.spec.template.spec.containers[0].command[0], "lmcache_controller");
        assert.deepEqual(service.inputs.spec.selector, deployment.inputs.spec.selector.matchLabels);
        for (const r of [deployment, service]) {
            assert.deepEqual(r.customTimeouts, { create: "600s", update: "600s", delete: "300s" }, r.type);
            assert.equal(mocks.parentOf(r)?.type, T.graphComponent);
            assert.ok(mocks.dependsOn(mocks.one(T.graph), r), `the graph after the controller's ${r.type}`);
        }
        const prefill = mocks.one(T.graph).inputs.spec.services.prefill;
        const env = Object.fromEntries(prefill.envs.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(env.LMCACHE_CONTROLLER_PULL_URL, `lmc-lmcache-controller.${deployment.inputs.metadata.namespace}.svc.cluster.local:9001`);
        await run({ name: "nolmc", kvCache: { connector: "lmcache" } });
        assert.deepEqual(mocks.ofType("kubernetes:apps/v1:Deployment"), []);
        assert.deepEqual(
            mocks.ofType("kubernetes:core/v1:Service").map((r) => r.name),
            ["nolmc-worker-metrics"],
            "no controller Service, only the workers' metrics one",
        );
    });

    test("model cache created here: a PVC the graph waits for", async () => {
        await run({ name: "cache", modelCache: { pvcName: "models", create: true, size: "500Gi", storageClass: "nfs" } });
        const pvc = mocks.one(T.pvc);
        assert.equal(pvc.name, "cache-model-cache");
        assert.equal(pvc.inputs.spec.resources.requests.storage, "500Gi");
        assert.ok(mocks.dependsOn(mocks.one(T.graph), pvc));
    });

    test("no namespace creation when createNamespace is false", async () => {
        await run({ name: "nons", kubernetes: { createNamespace: false, namespace: "team" } });
        assert.deepEqual(names(T.namespace), []);
        assert.equal(mocks.one(T.graph).inputs.metadata.namespace, "team");
    });

    test("a graph change waits for Ready again and replaces the Job (new digests on the wait and the pod template)", async () => {
        const digests = () => ({
            job: mocks.one(T.job).inputs.spec.template.metadata.annotations["dynamo-bench.nvidia.com/inputs-sha256"],
            wait: mocks.one(T.command, "d1-graph-ready").inputs.triggers[0],
        });
        await run({ name: "d1" });
        const first = digests();
        await run({ name: "d1" });
        assert.deepEqual(digests(), first, "an unchanged graph runs nothing again");
        await run({ name: "d1", decode: { extraArgs: ["--max-model-len", "4096"] } });
        const second = digests();
        assert.match(first.job, /^[0-9a-f]{64}$/);
        assert.notEqual(first.job, second.job);
        assert.notEqual(first.wait, second.wait);
    });

    test("kubeconfig and context reach the wait's kubectl", async () => {
        await run({ name: "kc", kubernetes: { kubeconfig: "/home/me/.kube/gpu config", context: "gpu" } });
        assert.match(mocks.one(T.command, "kc-graph-ready").inputs.create, / --timeout 1800 --kubeconfig '\/home\/me\/\.kube\/gpu config' --context gpu$/);
    });
});

describe("render mode", () => {
    let outputs: KubernetesBenchmarkOutputs;
    before(async () => {
        outputs = await run({ name: "render", kubernetes: { renderYamlToDirectory: "rendered" } }, TOKEN);
    });

    test("provider renders to the folder; no Helm release, no command (no wait, no results), no Secret in plain-text YAML", () => {
        assert.deepEqual(mocks.one(T.provider).inputs, { renderYamlToDirectory: "rendered" });
        assert.deepEqual(names(T.release), []);
        assert.deepEqual(names(T.command), []);
        assert.deepEqual(names(T.secret), []);
        assert.equal(
            mocks.resources.some((r) => JSON.stringify(r.inputs).includes(TOKEN)),
            false,
        );
    });

    test("graph, queues and Job are still rendered", () => {
        assert.deepEqual(names(T.graph), ["render-graph"]);
        assert.deepEqual(names(T.job), ["render-job"]);
        assert.equal(names(T.queue).length, 2);
        assert.equal(mocks.one(T.graph).inputs.spec.services.decode.envFromSecret, "render-secret-env");
    });

    test("outputs say nothing ran and what to install by hand", async () => {
        assert.equal(outputs.details.renderedTo, "rendered");
        assert.match(await promiseOf(outputs.resultsStatus), /^not run: render mode.*rendered.*no results/);
        assert.deepEqual(await promiseOf(outputs.phases), {});
        assert.equal(outputs.details.platform.mode, "not-rendered");
        assert.equal(outputs.details.platform.toInstall?.[0].name, "dynamo-platform");
    });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    ADDON_NAMESPACES,
    ANNOTATIONS,
    INPUTS_DIGEST_ANNOTATION,
    buildBenchmarkJob,
    buildBenchmarkPlan,
    buildEngineConfigMap,
    buildGraphDeployment,
    buildModelCachePvc,
    buildNamespace,
    buildScriptConfigMap,
    chartRefKind,
    chartVersionValues,
    compareReleases,
    digestOf,
    frontendCommand,
    groveEnabled,
    helmInstallArgv,
    kaiQueueName,
    kaiQueues,
    k8sNames,
    platformReleases,
    providerSettings,
    resolveChart,
    toolArgv,
    workerCommand,
} from "../../lib/kubernetes";
import { ConfigError, loadSpec } from "../../config/load";
import { platformSchema } from "../../config/schema";
import { resolveScheduling } from "../../config/resolve";
import { DEFAULT_DYNAMO_VERSION } from "../../lib/dynamo/releases";
import { flag, mergeArgs } from "../../lib/argv";
import { assertValidCustomResource, NO_CRDS } from "../helpers/crd-validate";
import { k8sSpec } from "./k8s-fixtures";
import { stackFileConfig, stackFileKeys } from "../helpers/stack-file";
import { deepMerge } from "../../lib/deep-merge";

type Obj = Record<string, any>;
const services = (m: Obj): Obj => m.spec.services;
/** Value following a flag in argv. */
const after = (argv: string[], name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
};
const count = (argv: string[], name: string) => argv.filter((a) => a === name || a.startsWith(`${name}=`)).length;

describe("platform releases", () => {
    test("1.x: one dynamo-platform release from the NGC URL, Grove and KAI bundled through global.*", () => {
        const releases = platformReleases(k8sSpec().platform);
        assert.deepEqual(
            releases.map((r) => r.role),
            ["platform"],
        );
        const [p] = releases;
        assert.equal(p.chart, `https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-platform-${DEFAULT_DYNAMO_VERSION}.tgz`);
        assert.equal(p.version, undefined, "a .tgz URL pins the version itself");
        assert.equal(p.name, "dynamo-platform");
        assert.equal(p.namespace, "dynamo-system");
        assert.deepEqual(p.values.global, { grove: { install: true, enabled: true }, "kai-scheduler": { install: true, enabled: true } });
        assert.equal(p.values.grove, undefined, "1.x has no top-level grove.enabled toggle");
        assert.deepEqual(p.after, []);
    });

    test("0.x: dynamo-crds first, then dynamo-platform with <name>.enabled toggles", () => {
        const releases = platformReleases(platformSchema.parse({ version: "0.8.1" }));
        assert.deepEqual(
            releases.map((r) => r.role),
            ["crds", "platform"],
        );
        const [crds, platform] = releases;
        assert.equal(crds.name, "dynamo-crds");
        assert.equal(crds.namespace, "default");
        assert.equal(crds.chart, "https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-crds-0.8.1.tgz");
        assert.equal(platform.chart, "https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-platform-0.8.1.tgz");
        assert.deepEqual(platform.after, ["crds"]);
        assert.deepEqual(platform.values.grove, { enabled: true });
        assert.deepEqual(platform.values["kai-scheduler"], { enabled: true });
        assert.equal(platform.values.global, undefined, "0.x has no global.* toggles");
        assert.equal((platform.values as Obj).etcd.image.repository, "bitnamilegacy/etcd");
    });

    test("0.x with Grove and KAI off", () => {
        const [, platform] = platformReleases(platformSchema.parse({ version: "0.8.1", grove: { install: "none" }, kaiScheduler: { install: "none" } }));
        assert.deepEqual(platform.values.grove, { enabled: false });
        assert.deepEqual(platform.values["kai-scheduler"], { enabled: false });
    });

    test("1.x separate: own releases (KAI in kai-scheduler, Grove in grove-system), platform integration on, install off", () => {
        const releases = platformReleases(k8sSpec({ platform: { grove: { install: "separate" }, kaiScheduler: { install: "separate" } } }).platform);
        assert.deepEqual(
            releases.map((r) => r.role),
            ["grove", "kai-scheduler", "platform"],
        );
        const [grove, kai, platform] = releases;
        assert.equal(grove.namespace, ADDON_NAMESPACES.grove);
        assert.equal(grove.chart, "oci://ghcr.io/ai-dynamo/grove/grove-charts");
        assert.equal(grove.version, "v0.1.0-alpha.8");
        assert.equal(kai.namespace, "kai-scheduler");
        assert.equal(kai.chart, "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler");
        assert.equal(kai.version, "v0.13.4");
        assert.deepEqual(platform.after, ["grove", "kai-scheduler"]);
        assert.deepEqual(platform.values.global, { grove: { install: false, enabled: true }, "kai-scheduler": { install: false, enabled: true } });
    });

    test("1.x none: neither installed nor integrated", () => {
        const [platform] = platformReleases(
            k8sSpec({ platform: { grove: { install: "none" }, kaiScheduler: { install: "none" } }, scheduling: { grove: false } }).platform,
        );
        assert.deepEqual(platform.values.global, { grove: { install: false, enabled: false }, "kai-scheduler": { install: false, enabled: false } });
    });

    test("user values are deep-merged last and may override generated ones", () => {
        const [platform] = platformReleases(
            k8sSpec({ platform: { chart: { values: { global: { grove: { enabled: false } }, "dynamo-operator": { webhook: { failurePolicy: "Ignore" } } } } } })
                .platform,
        );
        assert.deepEqual((platform.values as Obj).global.grove, { install: true, enabled: false });
        assert.deepEqual((platform.values as Obj).global["kai-scheduler"], { install: true, enabled: true }, "siblings survive the merge");
        assert.equal((platform.values as Obj)["dynamo-operator"].webhook.failurePolicy, "Ignore");
    });

    test("1.5.0 on, bundled KAI with Grove: KAI leaves stale PodGroups to Grove (a Go duration)", () => {
        const staleness = (platform: Record<string, unknown>) => {
            const [p] = platformReleases(k8sSpec({ platform }).platform).slice(-1);
            return (p.values as Obj)["kai-scheduler"]?.scheduler?.args?.["default-staleness-grace-period"];
        };
        assert.equal(staleness({ version: "1.5.0" }), "-1s");
        assert.equal(staleness({ version: "1.6.1" }), "-1s");
        assert.equal(
            staleness({ version: "1.6.1", grove: { install: "separate" } }),
            "-1s",
            "the chart's guard counts Grove integration, not only a bundled Grove",
        );
        assert.equal(staleness({ version: "1.3.0" }), undefined, "charts before 1.5.0 have no guard");
        assert.equal(staleness({ version: "1.6.1", grove: { install: "none" } }), undefined, "without Grove KAI keeps its own cleanup");
        assert.equal(
            staleness({ version: "1.6.1", kaiScheduler: { install: "separate" } }),
            undefined,
            "a separate KAI release is configured by its own values",
        );
        assert.equal(
            staleness({ version: "1.3.0", chart: { chart: "oci://mirror.example/dynamo-platform", version: "1.5.0-rc1" } }),
            "-1s",
            "the chart version installed decides",
        );
    });

    test("the chart values table: rows apply from their version on, in order", () => {
        const table = [
            { since: "1.4.0", why: "a", values: () => ({ a: { x: 1 } }) },
            { since: "2.0.0", why: "b", values: () => ({ a: { y: 2 } }) },
        ];
        assert.deepEqual(chartVersionValues("1.3.9", k8sSpec().platform, table), {});
        assert.deepEqual(chartVersionValues("1.10.0", k8sSpec().platform, table), { a: { x: 1 } });
        assert.deepEqual(chartVersionValues("2.0.0", k8sSpec().platform, table), { a: { x: 1, y: 2 } });
        assert.ok(compareReleases("1.10.0", "1.9.9") > 0 && compareReleases("1.5.0-rc1", "1.5.0") === 0 && compareReleases("1.4.2", "1.5.0") < 0);
    });

    test("LeaderWorkerSet: bundled installs it through global.lws, external only turns integration on, none leaves the key out", () => {
        const global = (install: string) => (platformReleases(k8sSpec({ platform: { lws: { install } } }).platform)[0].values as Obj).global;
        assert.deepEqual(global("bundled").lws, { install: true, enabled: true });
        assert.deepEqual(global("external").lws, { install: false, enabled: true });
        assert.equal(global("none").lws, undefined);
    });

    test("not installed by this stack: no releases", () => {
        assert.deepEqual(platformReleases(k8sSpec({ platform: { install: false } }).platform), []);
    });

    test("chart sources: URL, OCI, repository (mirror) and local path", () => {
        const d = { chartName: "dynamo-platform", published: (v: string) => `https://x/dynamo-platform-${v}.tgz`, version: "1.3.0" };
        assert.deepEqual(resolveChart({}, d), { chart: "https://x/dynamo-platform-1.3.0.tgz" });
        assert.deepEqual(resolveChart({ version: "1.2.0" }, d), { chart: "https://x/dynamo-platform-1.2.0.tgz" });
        assert.deepEqual(resolveChart({ chart: "oci://registry.example/charts/dynamo-platform" }, d), {
            chart: "oci://registry.example/charts/dynamo-platform",
            version: "1.3.0",
        });
        assert.deepEqual(resolveChart({ repo: "https://mirror.example/charts" }, d), {
            chart: "dynamo-platform",
            repo: "https://mirror.example/charts",
            version: "1.3.0",
        });
        assert.deepEqual(resolveChart({ chart: "/charts/dynamo-platform-1.3.0.tgz" }, d), { chart: "/charts/dynamo-platform-1.3.0.tgz" });
        assert.deepEqual(resolveChart({ chart: "./deploy/helm/charts/platform" }, d), { chart: "./deploy/helm/charts/platform" });
        assert.deepEqual(resolveChart({ chart: "https://mirror/p.tgz", version: "9.9.9" }, d), { chart: "https://mirror/p.tgz" }, "a URL ignores a version");
        assert.equal(chartRefKind("myrepo/dynamo-platform"), "name");
        assert.equal(chartRefKind("oci://x/y"), "oci");
        assert.equal(chartRefKind("http://x/y.tgz"), "url");
        assert.equal(chartRefKind("../chart"), "path");
    });

    test("configured platform chart flows into the release", () => {
        const [p] = platformReleases(
            k8sSpec({ platform: { chart: { chart: "oci://mirror.example/dynamo/dynamo-platform", version: "1.3.0-hotfix" } } }).platform,
        );
        assert.equal(p.chart, "oci://mirror.example/dynamo/dynamo-platform");
        assert.equal(p.version, "1.3.0-hotfix");
    });

    test("deepMerge replaces arrays and scalars and keeps siblings", () => {
        assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } }), { a: { b: 1, c: [3] }, d: { e: 1 } });
    });

    test("helm command equivalent for render mode", () => {
        const [p] = platformReleases(k8sSpec().platform);
        const argv = helmInstallArgv(p, "values.yaml");
        assert.deepEqual(argv.slice(0, 5), ["helm", "upgrade", "--install", "dynamo-platform", p.chart]);
        assert.equal(after(argv, "--namespace"), "dynamo-system");
        assert.equal(after(argv, "--timeout"), "900s");
        assert.equal(count(argv, "--version"), 0);
    });
});

describe("Grove and KAI for the graph", () => {
    test("defaults: Grove on, this stack's own queue under its own parent", () => {
        const spec = k8sSpec();
        assert.equal(groveEnabled(spec), true);
        assert.equal(kaiQueueName(spec), "bench-queue");
        const queues = kaiQueues(spec);
        assert.deepEqual(
            queues.map((q) => [q.metadata.name, q.spec.parentQueue]),
            [
                ["bench-queue-parent", undefined],
                ["bench-queue", "bench-queue-parent"],
            ],
        );
        assert.deepEqual(queues[1].spec.resources.gpu, { quota: -1, limit: -1, overQuotaWeight: 1 });
    });

    test("the own queue follows the benchmark name (the stack name when unset)", () => {
        assert.equal(kaiQueueName(k8sSpec({ name: undefined }, "Team A/Run 1")), "team-a-run-1-queue");
    });

    test("KAI not installed by this stack's platform: no queue annotation, no queues", () => {
        const spec = k8sSpec({ platform: { kaiScheduler: { install: "none" } } });
        assert.equal(kaiQueueName(spec), null);
        assert.deepEqual(kaiQueues(spec), []);
    });

    test("Grove not installed by this stack's platform: graph opts out", () => {
        assert.equal(groveEnabled(k8sSpec({ platform: { grove: { install: "none" } } })), false);
        assert.equal(groveEnabled(k8sSpec({ scheduling: { grove: false } })), false);
    });

    test("a named queue is used, never created (so never deleted)", () => {
        const spec = k8sSpec({ scheduling: { kaiQueue: "team-a" } });
        assert.equal(kaiQueueName(spec), "team-a");
        assert.equal(spec.scheduling.createQueue, false);
        assert.deepEqual(kaiQueues(spec), []);
    });

    test("the own name with createQueue true is created, as with no name", () => {
        const spec = k8sSpec({ platform: { install: false }, scheduling: { kaiQueue: "bench-queue", createQueue: true } });
        assert.deepEqual(
            kaiQueues(spec).map((q) => q.metadata.name),
            ["bench-queue-parent", "bench-queue"],
        );
    });

    test("createQueue false without a name: the operator's default queue, none created", () => {
        const spec = k8sSpec({ scheduling: { createQueue: false } });
        assert.equal(kaiQueueName(spec), "dynamo");
        assert.deepEqual(kaiQueues(spec), []);
    });

    test("kaiQueue null: no annotation, none created", () => {
        assert.deepEqual(kaiQueues(k8sSpec({ scheduling: { kaiQueue: null } })), []);
        assert.equal(kaiQueueName(k8sSpec({ scheduling: { kaiQueue: null } })), null);
    });

    test("0.x bundled KAI: the chart makes dynamo-default -> dynamo, the own queue hangs under dynamo-default", () => {
        const platform = platformSchema.parse({ version: "0.8.1" });
        const own = kaiQueues({ platform, scheduling: resolveScheduling({ grove: true }, "bench") });
        assert.deepEqual(
            own.map((q) => [q.metadata.name, q.spec.parentQueue]),
            [["bench-queue", "dynamo-default"]],
        );
        assert.deepEqual(kaiQueues({ platform, scheduling: resolveScheduling({ grove: true, kaiQueue: "dynamo" }, "bench") }), []);
    });
});

describe("argv merging", () => {
    test("extra args follow as separate elements; a generated flag set again (any alias) is dropped", () => {
        const generated = [flag("--model", "a"), flag(["--tensor-parallel-size", "-tp"], 4), flag("--enforce-eager")];
        assert.deepEqual(mergeArgs(generated, ["--max-model-len", "8192"]), [
            "--model",
            "a",
            "--tensor-parallel-size",
            "4",
            "--enforce-eager",
            "--max-model-len",
            "8192",
        ]);
        assert.deepEqual(mergeArgs(generated, ["-tp", "8"]), ["--model", "a", "--enforce-eager", "-tp", "8"]);
        assert.deepEqual(mergeArgs(generated, ["--model=b"]), ["--tensor-parallel-size", "4", "--enforce-eager", "--model=b"]);
        assert.deepEqual(mergeArgs(generated, ["--prompt", "--model is not a flag here"]), [
            "--model",
            "a",
            "--tensor-parallel-size",
            "4",
            "--enforce-eager",
            "--prompt",
            "--model is not a flag here",
        ]);
    });
});

describe("worker and frontend commands on Kubernetes (from the launch model)", () => {
    test("python3 -m dynamo.<backend>; the operator's frontend port; no planes or namespace (the operator sets them)", () => {
        const spec = k8sSpec({ frontend: { routerMode: "kv" } });
        assert.deepEqual(workerCommand(spec, "decode").command, ["python3", "-m", "dynamo.vllm"]);
        const f = frontendCommand(spec);
        assert.deepEqual(f.command, ["python3", "-m", "dynamo.frontend"]);
        assert.deepEqual(f.args, ["--http-port", "8000", "--router-mode", "kv"]);
    });

    test("SGLang workers pair on the pod's fixed bootstrap port", () => {
        const spec = k8sSpec({ backend: "sglang" });
        assert.equal(after(workerCommand(spec, "prefill").args, "--disaggregation-bootstrap-port"), "12345");
    });

    test("TensorRT-LLM engine configs: one ConfigMap, mounted where the worker's --extra-engine-args points", () => {
        const spec = k8sSpec({ backend: "trtllm" });
        const cm = buildEngineConfigMap(spec)!;
        assert.deepEqual(Object.keys(cm.data as Obj).sort(), ["trtllm-decode.yaml", "trtllm-prefill.yaml"]);
        assert.match((cm.data as Obj)["trtllm-prefill.yaml"], /cache_transceiver_config:\n {2}backend: DEFAULT/);
        const prefill = services(buildGraphDeployment(spec)).prefill;
        assert.equal(after(prefill.extraPodSpec.mainContainer.args, "--extra-engine-args"), "/etc/dynamo-bench/trtllm-prefill.yaml");
        assert.deepEqual(prefill.extraPodSpec.mainContainer.volumeMounts, [{ name: "engine-config", mountPath: "/etc/dynamo-bench", readOnly: true }]);
        assert.deepEqual(prefill.extraPodSpec.volumes, [{ name: "engine-config", configMap: { name: "bench-engine-config" } }]);
        assert.equal(buildEngineConfigMap(k8sSpec({})), undefined, "vLLM needs no engine-config files");
    });
});

describe("DynamoGraphDeployment", () => {
    test("disaggregated: frontend, decode and prefill services with the operator's component types", () => {
        const m = buildGraphDeployment(k8sSpec({ decode: { tensorParallel: 4 }, prefill: { tensorParallel: 4, replicas: 2 } }));
        assert.equal(m.apiVersion, "nvidia.com/v1alpha1");
        assert.equal(m.kind, "DynamoGraphDeployment");
        assert.equal(m.metadata.name, "bench", "named after the benchmark");
        assert.equal(m.metadata.namespace, "dynamo-bench");
        const s = services(m);
        assert.deepEqual(Object.keys(s), ["frontend", "decode", "prefill"]);
        assert.equal(s.frontend.componentType, "frontend");
        assert.equal(s.decode.componentType, "worker");
        assert.equal(s.decode.subComponentType, "decode");
        assert.equal(s.prefill.subComponentType, "prefill");
        assert.equal(s.prefill.replicas, 2);
        assert.equal(s.decode.resources.limits.gpu, "4");
        assert.equal(s.decode.multinode, undefined);
        assert.equal(s.frontend.resources, undefined, "the frontend needs no GPU");
        assert.equal((m.spec as Obj).backendFramework, "vllm");
    });

    test("graph name is the benchmark name, not the namespace", () => {
        const m = buildGraphDeployment(k8sSpec({ name: "llama-disagg", kubernetes: { namespace: "shared" } }));
        assert.equal(m.metadata.name, "llama-disagg");
        assert.equal(m.metadata.namespace, "shared");
    });

    test("aggregated: one worker service, no prefill, no sub-component type", () => {
        const m = buildGraphDeployment(k8sSpec({ mode: "aggregated", prefill: { replicas: 0 } }));
        const s = services(m);
        assert.deepEqual(Object.keys(s), ["frontend", "worker"]);
        assert.equal(s.worker.subComponentType, undefined);
    });

    test("multinode: nodeCount and GPUs per node from TP x PP x DP", () => {
        const spec = k8sSpec({ decode: { tensorParallel: 8, pipelineParallel: 2, nodesPerWorker: 2 } });
        const s = services(buildGraphDeployment(spec));
        assert.deepEqual(s.decode.multinode, { nodeCount: 2 });
        assert.equal(s.decode.resources.limits.gpu, "8");
        assert.equal(after(s.decode.extraPodSpec.mainContainer.args, "--tensor-parallel-size"), "8", "TP in args is the total, per the multinode example");
        assert.equal(s.prefill.multinode, undefined);
    });

    test("annotations: the provider skips its await (the program's own wait does it), Grove on/off, KAI queue", () => {
        const on = buildGraphDeployment(k8sSpec()).metadata.annotations as Obj;
        assert.equal(on[ANNOTATIONS.pulumiSkipAwait], "true");
        assert.equal(on["pulumi.com/waitFor"], undefined);
        assert.equal(on["nvidia.com/enable-grove"], "true");
        assert.equal(on["nvidia.com/kai-scheduler-queue"], "bench-queue");
        const off = buildGraphDeployment(k8sSpec({ platform: { grove: { install: "none" }, kaiScheduler: { install: "none" } }, scheduling: { grove: false } }))
            .metadata.annotations as Obj;
        assert.equal(off["nvidia.com/enable-grove"], "false");
        assert.equal(off["nvidia.com/kai-scheduler-queue"], undefined);
    });

    test("CNI: network annotation and NIC resources on workers only", () => {
        const spec = k8sSpec({
            network: {
                mode: "cni",
                cniNetworks: [
                    { name: "ib0", namespace: "net", resource: "nvidia.com/rdma_ib0" },
                    { name: "ib1", resource: "nvidia.com/rdma_ib1", count: 2 },
                ],
            },
        });
        const s = services(buildGraphDeployment(spec));
        for (const w of [s.decode, s.prefill]) {
            assert.equal(w.extraPodMetadata.annotations["k8s.v1.cni.cncf.io/networks"], "net/ib0,ib1");
            assert.deepEqual(w.resources.requests.custom, { "nvidia.com/rdma_ib0": "1", "nvidia.com/rdma_ib1": "2" });
            assert.deepEqual(w.resources.limits.custom, { "nvidia.com/rdma_ib0": "1", "nvidia.com/rdma_ib1": "2" });
            assert.equal(w.extraPodSpec.hostNetwork, undefined);
        }
        assert.equal(s.frontend.extraPodMetadata, undefined);
    });

    test("hostNetwork: workers on the host network with ClusterFirstWithHostNet DNS", () => {
        const s = services(buildGraphDeployment(k8sSpec({ network: { mode: "hostNetwork" } })));
        for (const w of [s.decode, s.prefill]) {
            assert.equal(w.extraPodSpec.hostNetwork, true);
            assert.equal(w.extraPodSpec.dnsPolicy, "ClusterFirstWithHostNet");
            assert.equal(w.extraPodMetadata.annotations, undefined, "no CNI networks");
        }
        assert.equal(s.frontend.extraPodSpec.hostNetwork, undefined);
    });

    test("env, HF token secret, model cache, shared memory, pull secrets, node selector", () => {
        const spec = k8sSpec({
            env: { NCCL_DEBUG: "INFO" },
            decode: { env: { VLLM_LOGGING_LEVEL: "DEBUG" } },
            frontend: { env: { DYN_LOG: "debug" } },
            modelCache: { pvcName: "models", mountPath: "/cache/" },
            kubernetes: { imagePullSecrets: ["ngc"], nodeSelector: { pool: "gpu" }, sharedMemory: "64Gi" },
        });
        const m = buildGraphDeployment(spec, { envSecret: "bench-secret-env" });
        const top = m.spec as Obj;
        assert.deepEqual(top.envs, [
            { name: "NCCL_DEBUG", value: "INFO" },
            { name: "HF_HOME", value: "/cache/hf" },
        ]);
        assert.deepEqual(top.pvcs, [{ name: "models", create: false }]);
        const s = services(m);
        assert.deepEqual(s.decode.envs, [{ name: "VLLM_LOGGING_LEVEL", value: "DEBUG" }]);
        assert.equal(s.prefill.envs, undefined);
        assert.deepEqual(s.frontend.envs, [{ name: "DYN_LOG", value: "debug" }]);
        for (const svc of Object.values(s)) {
            assert.equal(svc.envFromSecret, "bench-secret-env");
            assert.deepEqual(svc.volumeMounts, [{ name: "models", mountPoint: "/cache/" }]);
            assert.deepEqual(svc.extraPodSpec.imagePullSecrets, [{ name: "ngc" }]);
            assert.deepEqual(svc.extraPodSpec.nodeSelector, { pool: "gpu" });
        }
        assert.deepEqual(s.decode.sharedMemory, { size: "64Gi" });
        assert.equal(s.frontend.sharedMemory, undefined);
    });

    test("without a token no service references a secret", () => {
        const s = services(buildGraphDeployment(k8sSpec()));
        assert.equal(
            Object.values(s).some((svc: Obj) => "envFromSecret" in svc),
            false,
        );
    });

    test("images: runtime image by default, per-role override", () => {
        const s = services(buildGraphDeployment(k8sSpec({ prefill: { image: "registry.example/vllm:patched" } })));
        assert.equal(s.frontend.extraPodSpec.mainContainer.image, `nvcr.io/nvidia/ai-dynamo/vllm-runtime:${DEFAULT_DYNAMO_VERSION}`);
        assert.equal(s.decode.extraPodSpec.mainContainer.image, `nvcr.io/nvidia/ai-dynamo/vllm-runtime:${DEFAULT_DYNAMO_VERSION}`);
        assert.equal(s.prefill.extraPodSpec.mainContainer.image, "registry.example/vllm:patched");
    });

    test("model cache PVC only when created here; skipAwait so WaitForFirstConsumer classes do not block", () => {
        assert.equal(buildModelCachePvc(k8sSpec({ modelCache: { pvcName: "models" } })), undefined);
        const pvc = buildModelCachePvc(k8sSpec({ modelCache: { pvcName: "models", create: true, size: "500Gi", storageClass: "nfs" } }))!;
        assert.equal(pvc.metadata.name, "models");
        assert.deepEqual((pvc.spec as Obj).accessModes, ["ReadWriteMany"]);
        assert.equal((pvc.spec as Obj).storageClassName, "nfs");
        assert.equal((pvc.spec as Obj).resources.requests.storage, "500Gi");
        assert.equal((pvc.metadata.annotations as Obj)["pulumi.com/skipAwait"], "true");
    });
});

describe("benchmark plan and Job", () => {
    const phased = () =>
        k8sSpec({
            benchmark: {
                inputTokens: 3000,
                outputTokens: 150,
                requestCount: 100,
                warmupRequests: 4,
                extraArgs: ["--random-seed", "7"],
                phases: [
                    { name: "c1", concurrency: 1 },
                    { name: "c64", concurrency: 64, requestCount: 640, extraArgs: ["--request-timeout-seconds", "1200"] },
                ],
            },
        });

    test("AIPerf argv per phase: URL with scheme, fixed lengths, per-phase artifact dir, extra args last", () => {
        const spec = phased();
        const plan = buildBenchmarkPlan(spec);
        assert.equal(plan.tool, "aiperf");
        assert.equal(plan.modelsUrl, "http://bench-frontend.dynamo-bench.svc.cluster.local:8000/v1/models");
        assert.equal(plan.model, "Qwen/Qwen3-0.6B");
        assert.deepEqual(
            plan.phases.map((p) => [p.name, p.artifactDir]),
            [
                ["c1", "/results/c1"],
                ["c64", "/results/c64"],
            ],
        );
        const [a1, a64] = plan.phases.map((p) => p.argv);
        assert.deepEqual(a1.slice(0, 2), ["aiperf", "profile"]);
        assert.equal(after(a1, "--url"), "http://bench-frontend.dynamo-bench.svc.cluster.local:8000");
        assert.equal(after(a1, "--concurrency"), "1");
        assert.equal(after(a64, "--concurrency"), "64");
        assert.equal(after(a64, "--request-count"), "640");
        assert.equal(after(a1, "--warmup-request-count"), "4");
        assert.equal(after(a1, "--synthetic-input-tokens-mean"), "3000");
        assert.equal(after(a1, "--output-tokens-mean"), "150");
        assert.deepEqual(
            a1.filter((_, i) => a1[i - 1] === "--extra-inputs"),
            ["max_tokens:150", "ignore_eos:true"],
        );
        assert.equal(after(a1, "--tokenizer"), "Qwen/Qwen3-0.6B");
        assert.equal(after(a64, "--artifact-dir"), "/results/c64");
        assert.equal(a1.includes("--streaming"), true);
        assert.deepEqual(a64.slice(-4), ["--random-seed", "7", "--request-timeout-seconds", "1200"]);
        assert.equal(
            a1.some((a) => a.includes(" ") && a.startsWith("--")),
            false,
            "every flag is its own element",
        );
    });

    test("genai-perf argv: host:port URL, no AIPerf-only UI flag", () => {
        const spec = k8sSpec({ benchmark: { tool: "genai-perf", streaming: false, endpointType: "completions", outputTokensStddev: 10 } });
        const argv = toolArgv(spec, spec.phases[0], "h", 8000, "/results/main");
        assert.deepEqual(argv.slice(0, 2), ["genai-perf", "profile"]);
        assert.equal(after(argv, "--url"), "h:8000");
        assert.equal(argv.includes("--ui-type"), false);
        assert.equal(argv.includes("--streaming"), false);
        assert.equal(after(argv, "--endpoint-type"), "completions");
        assert.equal(
            argv.some((a) => a.startsWith("max_tokens:")),
            false,
            "no fixed cap when output length varies",
        );
    });

    test("no phases configured: one phase named main", () => {
        assert.deepEqual(
            buildBenchmarkPlan(k8sSpec()).phases.map((p) => p.name),
            ["main"],
        );
    });

    test("Job: backoffLimit 0, deadline = benchmarkSeconds, ttl, Never, skipAwait, script from the ConfigMap", () => {
        const spec = k8sSpec({ timeouts: { benchmarkSeconds: 5400 } });
        const job = buildBenchmarkJob(spec, { inputsDigest: "abc" });
        const s = job.spec as Obj;
        assert.equal(job.apiVersion, "batch/v1");
        assert.equal(job.metadata.name, "bench-bench");
        assert.equal((job.metadata.annotations as Obj)["pulumi.com/skipAwait"], "true");
        assert.equal(s.backoffLimit, 0);
        assert.equal(s.activeDeadlineSeconds, 5400);
        assert.equal(s.ttlSecondsAfterFinished, 86400);
        assert.equal(s.template.spec.restartPolicy, "Never");
        assert.equal(s.template.metadata.annotations[INPUTS_DIGEST_ANNOTATION], "abc");
        const c = s.template.spec.containers[0];
        assert.deepEqual(c.command, ["bash", "/opt/dynamo-bench/run-benchmark.sh"]);
        assert.equal(c.image, spec.image);
        assert.deepEqual(c.env[0], { name: "DYNAMO_BENCH_PLAN", value: "/opt/dynamo-bench/plan.json" });
        assert.equal(
            c.env.some((e: Obj) => e.name === "HF_TOKEN"),
            false,
        );
        assert.deepEqual(s.template.spec.volumes[0], { name: "script", configMap: { name: "bench-bench-script", defaultMode: 0o555 } });
    });

    test("Job: HF token through secretKeyRef, benchmark image override, RWX model cache shared", () => {
        const spec = k8sSpec({ benchmark: { image: "nvcr.io/nvidia/tritonserver:25.08-py3-sdk" }, modelCache: { pvcName: "models", mountPath: "/models" } });
        const s = buildBenchmarkJob(spec, { hfTokenSecret: "bench-hf-token", inputsDigest: "x" }).spec as Obj;
        const c = s.template.spec.containers[0];
        assert.equal(c.image, "nvcr.io/nvidia/tritonserver:25.08-py3-sdk");
        assert.deepEqual(
            c.env.find((e: Obj) => e.name === "HF_TOKEN"),
            { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "bench-hf-token", key: "HF_TOKEN" } } },
        );
        assert.deepEqual(
            c.env.find((e: Obj) => e.name === "HF_HOME"),
            { name: "HF_HOME", value: "/models/hf" },
        );
        assert.deepEqual(s.template.spec.volumes[2], { name: "model-cache", persistentVolumeClaim: { claimName: "models" } });
        const rwo = buildBenchmarkJob(k8sSpec({ modelCache: { pvcName: "models", accessMode: "ReadWriteOnce" } }), { inputsDigest: "x" }).spec as Obj;
        assert.equal(rwo.template.spec.volumes.length, 2, "a ReadWriteOnce claim stays with the graph");
    });

    test("ConfigMap carries the scripts verbatim and the plan as JSON", () => {
        const spec = phased();
        const plan = buildBenchmarkPlan(spec);
        const cm = buildScriptConfigMap(spec, { "run-benchmark.sh": "#!/bin/bash\necho hi\n", "stall-watch.sh": "# rule\n" }, plan);
        assert.equal(cm.metadata.name, k8sNames("bench", "dynamo-bench").scriptConfigMap);
        assert.equal((cm.data as Obj)["run-benchmark.sh"], "#!/bin/bash\necho hi\n");
        assert.equal((cm.data as Obj)["stall-watch.sh"], "# rule\n");
        assert.deepEqual(JSON.parse((cm.data as Obj)["plan.json"]), plan);
    });

    test("digest is stable across key order and changes with content", () => {
        assert.equal(digestOf({ a: 1, b: [1, { c: 2, d: 3 }] }), digestOf({ b: [1, { d: 3, c: 2 }], a: 1 }));
        assert.notEqual(digestOf({ a: 1 }), digestOf({ a: 2 }));
    });
});

describe("cluster access", () => {
    test("provider settings: kubeconfig/context, or render mode alone", () => {
        assert.deepEqual(providerSettings(k8sSpec({ kubernetes: { kubeconfig: "/k/config", context: "prod" } }).kubernetes), {
            kubeconfig: "/k/config",
            context: "prod",
        });
        assert.deepEqual(providerSettings(k8sSpec().kubernetes), {});
        assert.deepEqual(providerSettings(k8sSpec({ kubernetes: { renderYamlToDirectory: "out/yaml" } }).kubernetes), { renderYamlToDirectory: "out/yaml" });
    });

    test("namespace only when createNamespace", () => {
        assert.equal(buildNamespace(k8sSpec())?.metadata.name, "dynamo-bench");
        assert.equal(buildNamespace(k8sSpec({ kubernetes: { createNamespace: false } })), undefined);
    });
});

describe("configuration rules of the Kubernetes target", () => {
    const violations = (override: Record<string, unknown>) => {
        try {
            k8sSpec(override);
            return [];
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.violations;
        }
    };

    test("render mode with a kubeconfig or context names both fields", () => {
        const v = violations({ kubernetes: { renderYamlToDirectory: "out", kubeconfig: "/k", context: "prod" } });
        assert.deepEqual(
            v.map((x) => x.path),
            ["kubernetes.kubeconfig", "kubernetes.context"],
        );
        assert.match(v[0].message, /render mode writes manifests/);
    });

    test("a frontend port other than the operator's Service port", () => {
        const v = violations({ frontend: { port: 9000 } });
        assert.deepEqual(
            v.map((x) => x.path),
            ["frontend.port"],
        );
        assert.match(v[0].message, /expected 8000 or unset on Kubernetes.*got 9000/);
        assert.deepEqual(violations({ frontend: { port: 8000 } }), []);
    });

    test("other targets are not held to these rules", () => {
        assert.doesNotThrow(() => k8sSpec({ target: "local", frontend: { port: 9000 } }));
    });
});

describe("stacks/Pulumi.example-k8s.yaml", () => {
    // Its own keys, and the configuration with its cluster file merged under them.
    const load = () => ({
        keys: stackFileKeys("example-k8s"),
        values: stackFileConfig("example-k8s"),
        text: fs.readFileSync(path.join(__dirname, "../../stacks/Pulumi.example-k8s.yaml"), "utf8"),
    });

    test("is valid configuration: 8-GPU nodes, vLLM TP 4 disaggregated, AIPerf 1..64, platform 1.3.0 bundled", { skip: NO_CRDS }, () => {
        const spec = loadSpec(load().values, "example-k8s");
        assert.equal(spec.target, "kubernetes");
        assert.equal(spec.gpusPerNode, 8);
        assert.equal(spec.backend, "vllm");
        assert.equal(spec.prefill?.tensorParallel, 4);
        assert.equal(spec.decode.tensorParallel, 4);
        assert.equal(spec.benchmark.tool, "aiperf");
        assert.deepEqual(
            spec.phases.map((p) => p.concurrency),
            [1, 2, 4, 8, 16, 32, 64],
        );
        assert.equal(spec.platform.version, "1.3.0");
        assert.equal(spec.platform.grove.install, "bundled");
        assert.equal(spec.platform.kaiScheduler.install, "bundled");
        assert.equal(spec.modelCache?.create, true);
        assert.equal(spec.totalWorkerGpus, 8);
        assertValidCustomResource(buildGraphDeployment(spec, { envSecret: "x" }));
    });

    test("keeps the token out of the file and shows how to set it", () => {
        const { keys, text } = load();
        assert.equal("hfToken" in keys, false);
        assert.match(text, /pulumi config set --secret hfToken/);
    });
});

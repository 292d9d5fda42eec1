import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadSpec } from "../../config/load";
import { rawFromAllConfig } from "../../config/stack-config";
import { deepMerge } from "../../lib/deep-merge";
import { DEFAULT_DYNAMO_VERSION } from "../../lib/dynamo/releases";

const base = { model: { id: "Qwen/Qwen3-0.6B" } };
const k8s = { ...base, target: "kubernetes" };

/** The minimal valid config with an override deep-merged into it. */
const withBase = (override: Record<string, unknown>, from: Record<string, unknown> = base) => deepMerge(from, override);

// Each case: a config, the field path the error must name, and a fragment of the explanation.
const invalid: Array<{ name: string; config: Record<string, unknown>; field: string; says: RegExp }> = [
    { name: "missing model", config: {}, field: "model", says: /required/ },
    { name: "empty model id", config: { model: { id: "" } }, field: "model.id", says: />=1|at least/ },
    { name: "unknown target", config: withBase({ target: "k8s" }), field: "target", says: /"kubernetes"/ },
    { name: "unknown backend", config: withBase({ backend: "tgi" }), field: "backend", says: /vllm/ },
    { name: "misspelled top-level key", config: withBase({ benchmrk: {} }), field: "benchmrk", says: /not a known setting/ },
    { name: "misspelled nested key", config: withBase({ decode: { tensorParalel: 2 } }), field: "decode.tensorParalel", says: /not a known setting/ },
    { name: "zero tensor parallel", config: withBase({ decode: { tensorParallel: 0 } }), field: "decode.tensorParallel", says: />=1/ },
    { name: "fractional replicas", config: withBase({ prefill: { replicas: 1.5 } }), field: "prefill.replicas", says: /int/ },
    { name: "negative replicas", config: withBase({ decode: { replicas: -1 } }), field: "decode.replicas", says: />=0/ },
    {
        name: "worker larger than a node",
        config: withBase({ gpusPerNode: 8, decode: { tensorParallel: 16 } }),
        field: "decode.tensorParallel",
        says: /fit one node of 8 GPUs/,
    },
    {
        name: "tp x pp larger than a node",
        config: withBase({ gpusPerNode: 8, prefill: { tensorParallel: 4, pipelineParallel: 4 } }),
        field: "prefill.tensorParallel",
        says: /16 GPUs/,
    },
    {
        name: "multinode not filling nodes",
        config: withBase({ gpusPerNode: 8, decode: { tensorParallel: 8, nodesPerWorker: 2 } }),
        field: "decode.nodesPerWorker",
        says: /all 8 GPUs of each node/,
    },
    {
        name: "multinode uneven split",
        config: withBase({ gpusPerNode: 8, decode: { tensorParallel: 6, nodesPerWorker: 4 } }),
        field: "decode.nodesPerWorker",
        says: /split evenly/,
    },
    {
        name: "multinode over node size",
        config: withBase({ gpusPerNode: 4, decode: { tensorParallel: 16, nodesPerWorker: 2 } }),
        field: "decode.nodesPerWorker",
        says: /at most 4 GPUs per node/,
    },
    {
        name: "aggregated with prefill replicas",
        config: withBase({ mode: "aggregated", prefill: { replicas: 2 } }),
        field: "prefill.replicas",
        says: /aggregated/,
    },
    { name: "disaggregated without prefill", config: withBase({ prefill: { replicas: 0 } }), field: "prefill.replicas", says: /at least 1/ },
    { name: "no decode workers", config: withBase({ decode: { replicas: 0 } }), field: "decode.replicas", says: /at least 1 decode/ },
    {
        name: "multinode without grove on kubernetes",
        config: withBase({ scheduling: { grove: false }, gpusPerNode: 4, decode: { tensorParallel: 8, nodesPerWorker: 2 } }, k8s),
        field: "decode.nodesPerWorker",
        says: /Grove/,
    },
    {
        name: "multinode with Grove not installed and no LWS",
        config: withBase({ platform: { grove: { install: "none" } }, gpusPerNode: 4, prefill: { tensorParallel: 8, nodesPerWorker: 2 } }, k8s),
        field: "prefill.nodesPerWorker",
        says: /platform.grove.install is none .*set scheduling.grove true with platform.grove.install bundled or separate, or platform.lws.install bundled or external/,
    },
    {
        name: "unsupported Dynamo version",
        config: withBase({ platform: { version: "0.8.1" } }),
        field: "platform.version",
        says: /expected a supported Dynamo release \(.*1\.6\.1.*\), got 0\.8\.1/,
    },
    {
        name: "unsupported Dynamo version on slurm",
        config: withBase({ target: "slurm", platform: { version: "9.9.9" }, slurm: { outputDir: "/shared/bench" } }),
        field: "platform.version",
        says: /supported Dynamo release/,
    },
    {
        name: "created queue named like another stack's",
        config: withBase({ name: "bench", scheduling: { kaiQueue: "team-a", createQueue: true } }, k8s),
        field: "scheduling.kaiQueue",
        says: /own queue name "bench-queue" .*got "team-a"; set scheduling.createQueue false to use the existing queue "team-a", or remove scheduling.kaiQueue/,
    },
    {
        name: "queue creation with KAI off",
        config: withBase({ scheduling: { kaiQueue: null, createQueue: true } }, k8s),
        field: "scheduling.createQueue",
        says: /kaiQueue is null/,
    },
    {
        name: "unknown LWS install mode",
        config: withBase({ platform: { lws: { install: "separate" } } }, k8s),
        field: "platform.lws.install",
        says: /external/,
    },
    { name: "frontend port out of range", config: withBase({ frontend: { port: 80 } }), field: "frontend.port", says: />=1024/ },
    { name: "unknown router mode", config: withBase({ frontend: { routerMode: "fastest" } }), field: "frontend.routerMode", says: /round-robin/ },
    { name: "extra args as one string", config: withBase({ decode: { extraArgs: "--max-model-len 8192" } }), field: "decode.extraArgs", says: /array/ },
    { name: "bad env var name", config: withBase({ decode: { env: { "BAD-NAME": "1" } } }), field: "decode.env.BAD-NAME", says: /environment variable name/ },
    { name: "zero concurrency", config: withBase({ benchmark: { concurrency: 0 } }), field: "benchmark.concurrency", says: />=1/ },
    { name: "unknown benchmark tool", config: withBase({ benchmark: { tool: "locust" } }), field: "benchmark.tool", says: /aiperf/ },
    {
        name: "duplicate phase names",
        config: withBase({ benchmark: { phases: [{ name: "c1" }, { name: "c1" }] } }),
        field: "benchmark.phases[1].name",
        says: /unique/,
    },
    {
        name: "phase name not a DNS label",
        config: withBase({ benchmark: { phases: [{ name: "Conc 1" }] } }),
        field: "benchmark.phases[0].name",
        says: /DNS-1123/,
    },
    {
        name: "phase with zero requests",
        config: withBase({ benchmark: { phases: [{ name: "c1", requestCount: 0 }] } }),
        field: "benchmark.phases[0].requestCount",
        says: />=1/,
    },
    { name: "benchmark name with capitals", config: withBase({ name: "MyBench" }), field: "name", says: /DNS-1123/ },
    { name: "cni mode without networks", config: withBase({ network: { mode: "cni" } }, k8s), field: "network.cniNetworks", says: /at least one network/ },
    {
        name: "cni networks without cni mode",
        config: withBase({ network: { cniNetworks: [{ name: "ib0" }] } }, k8s),
        field: "network.mode",
        says: /expected cni/,
    },
    {
        name: "bad NIC resource name",
        config: withBase({ network: { mode: "cni", cniNetworks: [{ name: "ib0", resource: "rdma" }] } }, k8s),
        field: "network.cniNetworks[0].resource",
        says: /extended resource/,
    },
    {
        name: "model cache created without size",
        config: withBase({ modelCache: { pvcName: "models", create: true, storageClass: "nfs" } }, k8s),
        field: "modelCache.size",
        says: /modelCache.create/,
    },
    { name: "model cache bad size", config: withBase({ modelCache: { pvcName: "models", size: "lots" } }, k8s), field: "modelCache.size", says: /quantity/ },
    {
        name: "model cache relative mount",
        config: withBase({ modelCache: { pvcName: "models", mountPath: "models" } }, k8s),
        field: "modelCache.mountPath",
        says: /absolute/,
    },
    { name: "platform version not a release", config: withBase({ platform: { version: "latest" } }, k8s), field: "platform.version", says: /release version/ },
    {
        name: "separate grove with a 0.x platform",
        config: withBase({ platform: { version: "0.8.1", grove: { install: "separate" } } }, k8s),
        field: "platform.grove.install",
        says: /0\.x/,
    },
    {
        name: "unknown addon install mode",
        config: withBase({ platform: { kaiScheduler: { install: "yes" } } }, k8s),
        field: "platform.kaiScheduler.install",
        says: /bundled/,
    },
    { name: "trtllm rehearsed locally", config: withBase({ backend: "trtllm" }), field: "backend", says: /mocker/ },
    { name: "genai-perf locally", config: withBase({ benchmark: { tool: "genai-perf" } }), field: "benchmark.tool", says: /aiperf/ },
    { name: "graph name too long for Grove", config: withBase({ name: "a".repeat(38) }, k8s), field: "name", says: /at most 37 characters with Grove/ },
    {
        name: "multinode graph name too long for Grove",
        config: withBase({ name: "a".repeat(28), gpusPerNode: 4, decode: { tensorParallel: 8, nodesPerWorker: 2 } }, k8s),
        field: "name",
        says: /at most 27 characters with Grove and multinode/,
    },
    { name: "several frontends locally", config: withBase({ frontend: { replicas: 2 } }), field: "frontend.replicas", says: /expected 1 for target local/ },
    {
        name: "render directory on local target",
        config: withBase({ kubernetes: { renderYamlToDirectory: "out" } }),
        field: "kubernetes.renderYamlToDirectory",
        says: /kubernetes only/,
    },
    { name: "zero ready timeout", config: withBase({ timeouts: { readySeconds: 0 } }), field: "timeouts.readySeconds", says: />=1/ },
    { name: "namespace too long", config: withBase({ kubernetes: { namespace: "n".repeat(50) } }, k8s), field: "kubernetes.namespace", says: /at most 40/ },
    { name: "negative mocker speedup", config: withBase({ local: { speedupRatio: -1 } }), field: "local.speedupRatio", says: />=0/ },
];

describe("invalid configurations", () => {
    test("the table covers at least 25 cases", () => assert.ok(invalid.length >= 25, `${invalid.length} cases`));

    for (const { name, config, field, says } of invalid) {
        test(`rejects ${name}`, () => {
            assert.throws(
                () => loadSpec(config, "dev"),
                (error: unknown) => {
                    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
                    const lines = error.message.split("\n").filter((line) => line.includes(`dynamo-bench:${field}:`));
                    assert.ok(lines.length > 0, `no line names dynamo-bench:${field} in:\n${error.message}`);
                    assert.match(lines.join("\n"), says);
                    return true;
                },
            );
        });
    }

    test("reports every problem at once", () => {
        const error = captureError(() => loadSpec(withBase({ backend: "tgi", decode: { tensorParallel: 0 }, benchmark: { concurrency: 0 } }), "dev"));
        assert.equal(error.violations.length, 3);
        assert.match(error.message, /^Invalid stack configuration \(3 problems\)/);
        assert.match(error.message, /nothing was deployed/);
    });
});

describe("secrets the config needs", () => {
    const ssh = withBase({ target: "slurm", slurm: { outputDir: "/shared/bench", login: { mode: "ssh", host: "login.example", user: "alice" } } });

    test("SSH login without the sshPrivateKey secret is one error naming it", () => {
        const error = captureError(() => loadSpec(ssh, "dev", "dynamo-bench", new Set()));
        assert.equal(error.violations.length, 1);
        assert.match(
            error.message,
            /dynamo-bench:sshPrivateKey: is required when slurm.login.mode is ssh \(the private key that logs in to alice@login.example\).*pulumi config set --secret sshPrivateKey/,
        );
    });

    test("with the secret set, or secrets unknown, SSH login passes", () => {
        assert.equal(loadSpec(ssh, "dev", "dynamo-bench", new Set(["sshPrivateKey"])).slurm.login.mode, "ssh");
        assert.equal(loadSpec(ssh, "dev").slurm.login.mode, "ssh");
    });

    test("a local login needs no key", () => {
        assert.equal(
            loadSpec(withBase({ target: "slurm", slurm: { outputDir: "/shared/bench" } }), "dev", "dynamo-bench", new Set()).slurm.login.mode,
            "local",
        );
    });

    test("the stack config map reports which secrets are set", () => {
        const raw = rawFromAllConfig({ "dynamo-bench:sshPrivateKey": "k", "dynamo-bench:model": "{}" }, "dynamo-bench", () => true);
        assert.deepEqual([...raw.secretsPresent], ["sshPrivateKey"]);
    });
});

describe("valid configurations", () => {
    test("defaults give a runnable local benchmark", () => {
        const spec = loadSpec(base, "Local Dev");
        assert.equal(spec.target, "local");
        assert.equal(spec.name, "local-dev");
        assert.equal(spec.servedModelName, "Qwen/Qwen3-0.6B");
        assert.equal(spec.image, `nvcr.io/nvidia/ai-dynamo/vllm-runtime:${DEFAULT_DYNAMO_VERSION}`);
        assert.deepEqual(
            spec.phases.map((p) => p.name),
            ["main"],
        );
        assert.equal(spec.totalWorkerGpus, 2);
    });

    test("phases inherit the base and override it", () => {
        const spec = loadSpec(
            withBase({
                benchmark: {
                    concurrency: 2,
                    requestCount: 100,
                    extraArgs: ["--a"],
                    phases: [
                        { name: "c1", concurrency: 1 },
                        { name: "c64", concurrency: 64, requestCount: 640, streaming: false, extraArgs: ["--b"] },
                    ],
                },
            }),
            "dev",
        );
        assert.deepEqual(
            spec.phases.map((p) => [p.name, p.concurrency, p.requestCount, p.streaming, p.extraArgs]),
            [
                ["c1", 1, 100, true, ["--a"]],
                ["c64", 64, 640, false, ["--a", "--b"]],
            ],
        );
    });

    test("GPU counts follow the parallel sizes", () => {
        const spec = loadSpec(
            withBase({ gpusPerNode: 8, prefill: { tensorParallel: 4, replicas: 2 }, decode: { tensorParallel: 8, nodesPerWorker: 2, dataParallel: 2 } }, k8s),
            "dev",
        );
        assert.equal(spec.prefill?.gpusPerWorker, 4);
        assert.equal(spec.decode.gpusPerWorker, 16);
        assert.equal(spec.decode.gpusPerNodeOfWorker, 8);
        assert.equal(spec.totalWorkerGpus, 4 * 2 + 16);
    });

    test("multinode on Kubernetes: Grove, an external platform, or LeaderWorkerSet", () => {
        const multinode = { gpusPerNode: 4, decode: { tensorParallel: 8, nodesPerWorker: 2 } };
        assert.equal(loadSpec(withBase(multinode, k8s), "dev").decode.nodesPerWorker, 2);
        assert.equal(
            loadSpec(withBase({ ...multinode, platform: { install: false } }, k8s), "dev").decode.nodesPerWorker,
            2,
            "a platform installed elsewhere is taken to have Grove",
        );
        for (const install of ["bundled", "external"]) {
            assert.equal(
                loadSpec(withBase({ ...multinode, scheduling: { grove: false }, platform: { lws: { install } } }, k8s), "dev").platform.lws.install,
                install,
            );
        }
    });

    test("KAI queue defaults: this stack's own queue, or a named existing one", () => {
        assert.deepEqual(loadSpec(withBase({ name: "bench" }, k8s), "dev").scheduling, { grove: true, kaiQueue: "bench-queue", createQueue: true });
        assert.deepEqual(loadSpec(withBase({ name: "bench", scheduling: { kaiQueue: "team-a" } }, k8s), "dev").scheduling, {
            grove: true,
            kaiQueue: "team-a",
            createQueue: false,
        });
        assert.deepEqual(
            loadSpec(withBase({ name: "bench", scheduling: { kaiQueue: "bench-queue", createQueue: true } }, k8s), "dev").scheduling.createQueue,
            true,
        );
    });

    test("aggregated mode has no prefill worker", () => {
        const spec = loadSpec(withBase({ mode: "aggregated", prefill: { replicas: 0 }, decode: { replicas: 2 } }), "dev");
        assert.equal(spec.prefill, undefined);
        assert.equal(spec.totalWorkerGpus, 2);
    });
});

describe("stack config map", () => {
    test("decodes structured values, drops other projects and keeps secrets out", () => {
        const all = {
            "dynamo-bench:model": '{"id":"Qwen/Qwen3-0.6B"}',
            "dynamo-bench:gpusPerNode": "8",
            "dynamo-bench:name": "bench-a",
            "dynamo-bench:hfToken": "hf_secret",
            "kubernetes:renderYamlToDirectory": "out",
        };
        const raw = rawFromAllConfig(all, "dynamo-bench", (key) => key === "dynamo-bench:hfToken");
        assert.deepEqual(raw.values, { model: { id: "Qwen/Qwen3-0.6B" }, gpusPerNode: 8, name: "bench-a" });
        assert.deepEqual(raw.plainSecrets, []);
    });

    test("flags a token set without --secret", () => {
        const raw = rawFromAllConfig({ "dynamo-bench:hfToken": "hf_plain" }, "dynamo-bench", () => false);
        assert.deepEqual(raw.plainSecrets, ["hfToken"]);
    });
});

function captureError(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
    }
    throw new Error("expected a ConfigError");
}

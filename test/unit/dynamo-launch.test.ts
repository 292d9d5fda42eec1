// The launch model on its own: what each backend's workers and the frontend are
// told per role and release, and that the pinned versions agree with it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readPinnedVersions } from "../../lib/pinned-versions";
import {
    DEFAULT_DYNAMO_VERSION,
    DEFAULT_KV_TRANSFER_CONFIG,
    frontendProcess,
    releaseFor,
    workerProcess,
    type LaunchContext,
    type LaunchSpec,
    type LaunchWorker,
    type WorkerRole,
} from "../../lib/dynamo";

const worker = (over: Partial<LaunchWorker> = {}): LaunchWorker => ({
    replicas: 1,
    nodesPerWorker: 1,
    tensorParallel: 1,
    pipelineParallel: 1,
    dataParallel: 1,
    extraArgs: [],
    env: {},
    ...over,
});
const spec = (over: Partial<LaunchSpec> = {}): LaunchSpec => ({
    backend: "vllm",
    model: "/models/m",
    servedName: "m",
    frontend: { routerMode: "round-robin", replicas: 1, extraArgs: [], env: {} },
    prefill: worker(),
    decode: worker(),
    env: {},
    ...over,
});
const ctx = (over: Partial<LaunchContext> = {}): LaunchContext => ({
    release: releaseFor(DEFAULT_DYNAMO_VERSION),
    engine: "real",
    python: ["python3"],
    frontend: { port: 8000 },
    speedupRatio: 1,
    configDir: "/cfg",
    ...over,
});
const instance = { ports: { bootstrap: 7000 }, rank: 0, ranks: 1 };
const args = (s: LaunchSpec, role: WorkerRole, c = ctx()) => workerProcess(s, c, role, instance).args;
const after = (argv: string[], name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
};

describe("vLLM workers", () => {
    test("prefill and decode: --disaggregation-mode and a NIXL --kv-transfer-config (a prefill worker refuses to start without one)", () => {
        for (const role of ["prefill", "decode"] as const) {
            const a = args(spec(), role);
            assert.equal(after(a, "--disaggregation-mode"), role);
            assert.equal(after(a, "--kv-transfer-config"), DEFAULT_KV_TRANSFER_CONFIG);
            assert.ok(!a.some((x) => x.startsWith("--is-")), "the --is-*-worker switches are gone from dynamo.vllm");
        }
    });

    test("aggregated: no role and no connector", () => {
        const a = args(spec({ prefill: undefined }), "aggregated");
        assert.equal(a.includes("--disaggregation-mode"), false);
        assert.equal(a.includes("--kv-transfer-config"), false);
    });

    test("a user's --kv-transfer-config or -tp replaces the generated one", () => {
        const a = args(spec({ prefill: worker({ extraArgs: ["--kv-transfer-config", '{"kv_connector":"LMCacheConnectorV1"}', "-tp", "2"] }) }), "prefill");
        assert.equal(a.filter((x) => x === "--kv-transfer-config").length, 1);
        assert.equal(after(a, "--kv-transfer-config"), '{"kv_connector":"LMCacheConnectorV1"}');
        assert.equal(a.includes("--tensor-parallel-size"), false);
    });

    test("workers sharing a node get their own NIXL side channel and KV-event port", () => {
        const p = workerProcess(spec(), ctx({ advertiseHost: "{node_host}" }), "decode", {
            ports: { bootstrap: 7000, kvEvents: 7002, nixl: 7016 },
            rank: 0,
            ranks: 1,
        });
        assert.equal(p.env.VLLM_NIXL_SIDE_CHANNEL_HOST, "{node_host}");
        assert.equal(p.env.VLLM_NIXL_SIDE_CHANNEL_PORT, "7016");
        assert.equal(p.env.DYN_VLLM_KV_EVENT_PORT, "7002");
    });
});

describe("SGLang and TensorRT-LLM workers", () => {
    test("SGLang: page size, NIXL transfer and the worker's bootstrap port; rank wiring across nodes", () => {
        const a = args(spec({ backend: "sglang" }), "prefill");
        assert.equal(after(a, "--page-size"), "16");
        assert.equal(after(a, "--disaggregation-transfer-backend"), "nixl");
        assert.equal(after(a, "--disaggregation-bootstrap-port"), "7000");
        const rank1 = workerProcess(spec({ backend: "sglang" }), ctx(), "decode", {
            ports: { bootstrap: 7032, distInit: 7003 },
            rank: 1,
            ranks: 2,
            leaderHost: "{leader_host}",
        }).args;
        assert.equal(after(rank1, "--dist-init-addr"), "{leader_host}:7003");
        assert.equal(after(rank1, "--node-rank"), "1");
    });

    test("TensorRT-LLM: an engine config per disaggregated role with cache_transceiver_config, passed with --extra-engine-args", () => {
        const p = workerProcess(spec({ backend: "trtllm", prefill: worker({ tensorParallel: 2 }) }), ctx(), "prefill", instance);
        assert.equal(after(p.args, "--extra-engine-args"), "/cfg/trtllm-prefill.yaml");
        assert.deepEqual(
            p.files.map((f) => f.name),
            ["trtllm-prefill.yaml"],
        );
        assert.match(p.files[0]!.content, /tensor_parallel_size: 2/);
        assert.match(p.files[0]!.content, /cache_transceiver_config:\n {2}backend: DEFAULT/);
        assert.deepEqual(workerProcess(spec({ backend: "trtllm", prefill: undefined }), ctx(), "aggregated", instance).files, []);
    });

    test("TensorRT-LLM decode workers of 1.2.0 register as tensorrt_llm, later ones as backend", () => {
        const s = spec({ backend: "trtllm" });
        assert.equal(workerProcess(s, ctx({ release: releaseFor("1.2.0") }), "decode", instance).component, "tensorrt_llm");
        assert.equal(workerProcess(s, ctx(), "decode", instance).component, "backend");
        assert.equal(workerProcess(s, ctx(), "prefill", instance).component, "prefill");
    });
});

describe("frontend and mocker", () => {
    test("several KV-router frontends sync their routers; one does not need to", () => {
        const kv = (replicas: number) => frontendProcess(spec({ frontend: { routerMode: "kv", replicas, extraArgs: [], env: {} } }), ctx()).args;
        assert.ok(kv(2).includes("--router-replica-sync"));
        assert.ok(!kv(1).includes("--router-replica-sync"));
    });

    test("the mocker stands in with the same role, and prefill listens on its bootstrap port", () => {
        const p = workerProcess(spec({ backend: "sglang" }), ctx({ engine: "mocker" }), "prefill", instance);
        assert.equal(p.module, "dynamo.mocker");
        assert.equal(p.gpus, 0);
        assert.equal(after(p.args, "--engine-type"), "sglang");
        assert.equal(after(p.args, "--bootstrap-ports"), "7000");
        assert.equal(after(p.args, "--disaggregation-mode"), "prefill");
    });

    test("planes and namespace reach every process through the environment", () => {
        const c = ctx({ namespace: "ns", planes: { discovery: "file", fileDir: "/run/discovery" } });
        for (const p of [frontendProcess(spec(), c), workerProcess(spec(), c, "decode", instance)]) {
            assert.equal(p.env.DYN_NAMESPACE, "ns");
            assert.equal(p.env.DYN_DISCOVERY_BACKEND, "file");
            assert.equal(p.env.DYN_FILE_KV, "/run/discovery");
        }
    });
});

describe("releases", () => {
    test("an unsupported version names the supported ones", () => {
        assert.throws(() => releaseFor("0.8.1"), /supported: 1\.2\.0, 1\.3\.0, 1\.5\.0, 1\.6\.1/);
    });

    test("the local venv installs the default release, and the engine judges the engines it pins", () => {
        const pins = readPinnedVersions();
        const release = releaseFor(DEFAULT_DYNAMO_VERSION);
        assert.equal(pins.AI_DYNAMO_VERSION, release.pythonPackage);
        assert.equal(pins.ENGINE_VLLM_VERSION, release.engines.vllm);
        assert.equal(pins.ENGINE_SGLANG_VERSION, release.engines.sglang);
    });
});

// KV-cache connectors (kvCache): what the launch model tells each role of each
// backend, how the targets ship the connector files and ports, and the rules
// that refuse a connector or setting that cannot run.
import { describe, test } from "node:test";
import { parse } from "yaml";
import assert from "node:assert/strict";
import { configProblems } from "../helpers/config-problems";
import { deepMerge } from "../../lib/deep-merge";
import {
    DEFAULT_DYNAMO_VERSION,
    releaseFor,
    workerProcess,
    portBlock,
    type LaunchContext,
    type LaunchSpec,
    type LaunchWorker,
    type WorkerRole,
} from "../../lib/dynamo";
import type { KvCacheSpec } from "../../config/kv-cache";
import { buildEngineConfigMap, buildGraphDeployment, kvbmDiskSizeLimit } from "../../lib/kubernetes/graph";
import { KVBM_DISK_MOUNT } from "../../lib/kubernetes/launch";
import { NO_CRDS, validateCustomResource } from "../helpers/crd-validate";
import { renderJob } from "../../lib/slurm/render";
import { k8sSpec } from "./k8s-fixtures";
import { BASE_SLURM_CONFIG, slurmSpec } from "./slurm-fixtures";

const worker: LaunchWorker = { replicas: 1, nodesPerWorker: 1, tensorParallel: 1, pipelineParallel: 1, dataParallel: 1, extraArgs: [], env: {} };
const spec = (backend: LaunchSpec["backend"], kvCache: KvCacheSpec, aggregated = false): LaunchSpec => ({
    backend,
    model: "/models/m",
    servedName: "m",
    frontend: { routerMode: "kv", replicas: 1, extraArgs: [], env: {} },
    ...(aggregated ? {} : { prefill: worker }),
    decode: worker,
    env: {},
    kvCache,
});
const ctx: LaunchContext = {
    release: releaseFor(DEFAULT_DYNAMO_VERSION),
    engine: "real",
    python: ["python3"],
    frontend: { port: 8000 },
    speedupRatio: 1,
    configDir: "/cfg",
};
const ports = portBlock(20000, 0);
const launch = (s: LaunchSpec, role: WorkerRole) => workerProcess(s, ctx, role, { ports, rank: 0, ranks: 1 });
const after = (argv: string[], name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
};
const transfer = (s: LaunchSpec, role: WorkerRole) => {
    const v = after(launch(s, role).args, "--kv-transfer-config");
    return v === undefined ? undefined : JSON.parse(v);
};

const NIXL = { kv_connector: "NixlConnector", kv_role: "kv_both" };
const LMCACHE = { kv_connector: "LMCacheConnectorV1", kv_role: "kv_both" };
const KVBM = { kv_connector: "DynamoConnector", kv_connector_module_path: "kvbm.vllm_integration.connector", kv_role: "kv_both" };

describe("vLLM connectors in the launch model", () => {
    test("nixl (the default): NIXL on both disaggregated roles, nothing aggregated", () => {
        const s = spec("vllm", { connector: "nixl" });
        assert.deepEqual(transfer(s, "prefill"), NIXL);
        assert.deepEqual(transfer(s, "decode"), NIXL);
        assert.equal(transfer(spec("vllm", { connector: "nixl" }, true), "aggregated"), undefined);
    });

    test("lmcache: the prefill worker pairs LMCache with NIXL (PdConnector, tier first), decode keeps NIXL, aggregated takes LMCache alone", () => {
        const kv: KvCacheSpec = { connector: "lmcache", lmcache: { config: { chunk_size: 256, local_cpu: true, max_local_cpu_size: 5 } } };
        const s = spec("vllm", kv);
        assert.deepEqual(transfer(s, "prefill"), {
            kv_connector: "PdConnector",
            kv_role: "kv_both",
            kv_connector_extra_config: { connectors: [LMCACHE, NIXL] },
            kv_connector_module_path: "kvbm.vllm_integration.connector",
        });
        assert.deepEqual(transfer(s, "decode"), NIXL);
        assert.deepEqual(transfer(spec("vllm", kv, true), "aggregated"), LMCACHE);
    });

    test("lmcache: the config is rendered as a file per role in the config folder and named by LMCACHE_CONFIG_FILE", () => {
        const p = launch(spec("vllm", { connector: "lmcache", lmcache: { config: { chunk_size: 256, remote_url: "lm://cache:65432" } } }), "prefill");
        assert.deepEqual(
            p.files.map((f) => f.name),
            ["lmcache-prefill.yaml"],
        );
        assert.deepEqual(parse(p.files[0]!.content), { chunk_size: 256, remote_url: "lm://cache:65432" });
        assert.equal(p.env.LMCACHE_CONFIG_FILE, "/cfg/lmcache-prefill.yaml");
        assert.equal(p.launchEnv.LMCACHE_CONFIG_FILE, "/cfg/lmcache-prefill.yaml");
        const decode = launch(spec("vllm", { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } }), "decode");
        assert.deepEqual(decode.files, [], "decode workers carry no cache tier");
        assert.equal(decode.env.LMCACHE_CONFIG_FILE, undefined);
    });

    test("kvbm: DynamoConnector, its tiers and the worker's own leader and metrics ports", () => {
        const kv: KvCacheSpec = {
            connector: "kvbm",
            kvbm: { cpuCacheGb: 20, diskCacheGb: 100, diskCacheDir: "/mnt/nvme/kvbm", diskOffloadFilter: false, metrics: true },
        };
        assert.deepEqual(transfer(spec("vllm", kv, true), "aggregated"), KVBM);
        assert.deepEqual(transfer(spec("vllm", kv), "prefill").kv_connector_extra_config.connectors, [KVBM, NIXL]);
        const env = launch(spec("vllm", kv), "prefill").env;
        assert.equal(env.DYN_KVBM_CPU_CACHE_GB, "20");
        assert.equal(env.DYN_KVBM_DISK_CACHE_GB, "100");
        assert.equal(env.DYN_KVBM_DISK_CACHE_DIR, "/mnt/nvme/kvbm");
        assert.equal(env.DYN_KVBM_DISABLE_DISK_OFFLOAD_FILTER, "true");
        assert.equal(env.DYN_KVBM_LEADER_ZMQ_PUB_PORT, String(ports.kvbm.pub));
        assert.equal(env.DYN_KVBM_LEADER_ZMQ_ACK_PORT, String(ports.kvbm.ack));
        assert.equal(env.DYN_KVBM_METRICS, "true");
        assert.equal(env.DYN_KVBM_METRICS_PORT, String(ports.kvbm.metrics));
        assert.equal(launch(spec("vllm", kv), "decode").env.DYN_KVBM_CPU_CACHE_GB, undefined);
    });

    test("the KVBM ports are apart from every other port of the block", () => {
        const { kvbm, ...rest } = portBlock(20000, 3);
        const others = Object.values(rest);
        for (const p of Object.values(kvbm)) assert.ok(!others.includes(p), `${p} collides`);
        assert.equal(new Set(Object.values(kvbm)).size, 3);
    });
});

describe("SGLang HiCache in the launch model", () => {
    test("the prefill worker gets the hierarchical cache flags and its storage config file; decode gets neither", () => {
        const kv: KvCacheSpec = {
            connector: "hicache",
            hicache: {
                ratio: 2,
                writePolicy: "write_through",
                storageBackend: "nixl",
                storageBackendExtraConfig: { plugin: { posix: { active: true, use_uring: "false" } } },
            },
        };
        const p = launch(spec("sglang", kv), "prefill");
        assert.ok(p.args.includes("--enable-hierarchical-cache"));
        assert.equal(after(p.args, "--hicache-ratio"), "2");
        assert.equal(after(p.args, "--hicache-write-policy"), "write_through");
        assert.equal(after(p.args, "--hicache-storage-backend"), "nixl");
        assert.equal(after(p.args, "--hicache-storage-backend-extra-config"), "@/cfg/hicache-prefill.json");
        assert.deepEqual(JSON.parse(p.files[0]!.content), { plugin: { posix: { active: true, use_uring: "false" } } });
        const d = launch(spec("sglang", kv), "decode");
        assert.ok(!d.args.some((a) => a.startsWith("--hicache") || a === "--enable-hierarchical-cache"));
        assert.equal(after(d.args, "--disaggregation-transfer-backend"), "nixl");
    });
});

describe("connectors on the targets", () => {
    const lmcache = { kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } } };

    test("Kubernetes: the LMCache config is a ConfigMap entry mounted where LMCACHE_CONFIG_FILE points", () => {
        const s = k8sSpec(lmcache);
        assert.deepEqual(Object.keys(buildEngineConfigMap(s)!.data as object), ["lmcache-prefill.yaml"]);
        const services = (buildGraphDeployment(s).spec as { services: Record<string, Record<string, any>> }).services;
        const prefill = Object.values(services).find((x) => x.subComponentType === "prefill")!;
        assert.deepEqual(prefill.envs, [{ name: "LMCACHE_CONFIG_FILE", value: "/etc/dynamo-bench/lmcache-prefill.yaml" }]);
        assert.deepEqual(prefill.extraPodSpec.mainContainer.volumeMounts, [{ name: "engine-config", mountPath: "/etc/dynamo-bench", readOnly: true }]);
    });

    test("Kubernetes: a KVBM worker gets its tier settings and named ports next to the user's env", () => {
        const s = k8sSpec({ kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 8, metrics: true } }, prefill: { env: { MY: "1" } } });
        const services = (buildGraphDeployment(s).spec as { services: Record<string, Record<string, any>> }).services;
        const prefill = Object.values(services).find((x) => x.subComponentType === "prefill")!;
        const env = Object.fromEntries(prefill.envs.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(env.DYN_KVBM_CPU_CACHE_GB, "8");
        assert.equal(env.DYN_KVBM_METRICS_PORT, "12351");
        assert.equal(env.MY, "1");
    });

    describe("Kubernetes: KVBM's disk tier is a volume of the workers that carry it", () => {
        type Svc = Record<string, any>;
        const services = (kvbm: Record<string, unknown>, over: Record<string, unknown> = {}) =>
            (buildGraphDeployment(k8sSpec({ kvCache: { connector: "kvbm", kvbm }, ...over })).spec as { services: Record<string, Svc> }).services;
        const envOf = (svc: Svc) => Object.fromEntries(((svc.envs ?? []) as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));

        test("the folder asked for: an emptyDir of the tier's size plus the margin, mounted there, on prefill only", () => {
            const s = services({ diskCacheGb: 100, diskCacheDir: "/nvme/kvbm" });
            assert.deepEqual(s.prefill!.extraPodSpec.volumes, [{ name: "kvbm-disk-cache", emptyDir: { sizeLimit: "101G" } }]);
            assert.deepEqual(s.prefill!.extraPodSpec.mainContainer.volumeMounts, [{ name: "kvbm-disk-cache", mountPath: "/nvme/kvbm" }]);
            assert.equal(envOf(s.prefill!).DYN_KVBM_DISK_CACHE_DIR, "/nvme/kvbm");
            // Decode carries no tier: no volume, no folder.
            assert.equal(s.decode!.extraPodSpec.volumes, undefined);
            assert.equal(s.decode!.extraPodSpec.mainContainer.volumeMounts, undefined);
            assert.equal(envOf(s.decode!).DYN_KVBM_DISK_CACHE_DIR, undefined);
        });

        test("no folder set: KVBM is pointed at the volume's own folder, not its default /tmp in the container", () => {
            const s = services({ cpuCacheGb: 8, diskCacheGb: 2.5 });
            assert.equal(envOf(s.prefill!).DYN_KVBM_DISK_CACHE_DIR, KVBM_DISK_MOUNT);
            assert.deepEqual(s.prefill!.extraPodSpec.mainContainer.volumeMounts, [{ name: "kvbm-disk-cache", mountPath: KVBM_DISK_MOUNT }]);
            assert.deepEqual(s.prefill!.extraPodSpec.volumes, [{ name: "kvbm-disk-cache", emptyDir: { sizeLimit: "3.5G" } }]);
            assert.equal(kvbmDiskSizeLimit(0.1), "1.1G");
        });

        test("aggregated: the one worker carries it; a CPU tier alone needs no volume", () => {
            const agg = services({ diskCacheGb: 10 }, { mode: "aggregated", prefill: { replicas: 0 } });
            assert.deepEqual(agg.worker!.extraPodSpec.volumes, [{ name: "kvbm-disk-cache", emptyDir: { sizeLimit: "11G" } }]);
            const cpu = services({ cpuCacheGb: 8 });
            assert.equal(cpu.prefill!.extraPodSpec.volumes, undefined);
            assert.equal(envOf(cpu.prefill!).DYN_KVBM_DISK_CACHE_DIR, undefined);
        });

        test("another connector's files keep their volume alone", () => {
            const lm = (
                buildGraphDeployment(k8sSpec({ kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } } })).spec as {
                    services: Record<string, Svc>;
                }
            ).services;
            assert.deepEqual(
                lm.prefill!.extraPodSpec.volumes.map((v: Svc) => v.name),
                ["engine-config"],
            );
        });

        test("the graph with the volume is valid against the DynamoGraphDeployment CRD", { skip: NO_CRDS }, () => {
            const graph = buildGraphDeployment(k8sSpec({ kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 8, diskCacheGb: 100 } } }));
            assert.deepEqual(validateCustomResource(graph), []);
        });
    });

    test("Slurm: the LMCache file is staged with the job files, and KVBM ports differ per worker process", () => {
        const job = renderJob(slurmSpec({ ...lmcache, slurm: { engine: "backend" } }));
        assert.ok(job.files.some((f) => f.name === "lmcache-prefill.yaml"));
        const kvbm = renderJob(slurmSpec({ kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 8 } }, slurm: { engine: "backend" }, prefill: { replicas: 2 } }));
        const env = kvbm.files.find((f) => f.name === "job.env")!.content;
        const pubs = [...env.matchAll(/DYN_KVBM_LEADER_ZMQ_PUB_PORT=(\d+)/g)].map((m) => m[1]);
        assert.equal(pubs.length, 2, "both prefill workers carry the tier");
        assert.equal(new Set(pubs).size, 2, `each worker its own port: ${pubs}`);
    });
});

const problems = configProblems;
const K8S = { target: "kubernetes", model: { id: "Qwen/Qwen3-0.6B" } };

describe("kvCache rules", () => {
    test("a connector the backend's worker does not take is refused, naming the ones it does", () => {
        assert.deepEqual(problems(deepMerge(K8S, { backend: "sglang", kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 1 } } })), [
            "kvCache.connector: expected a connector the sglang worker takes (nixl, hicache), got kvbm; pick one of them or change backend",
        ]);
        assert.match(
            problems(deepMerge(K8S, { kvCache: { connector: "hicache" } }))[0]!,
            /^kvCache\.connector: .*vllm worker takes \(nixl, lmcache, kvbm\), got hicache/,
        );
        assert.match(problems(deepMerge(K8S, { kvCache: { connector: "flexkv" } }))[0]!, /^kvCache\.connector: /);
    });

    test("settings of another connector are refused, not silently unused", () => {
        assert.deepEqual(problems(deepMerge(K8S, { kvCache: { connector: "lmcache", kvbm: { cpuCacheGb: 4 } } })), [
            "kvCache.kvbm: configures the kvbm connector, but kvCache.connector is lmcache; set kvCache.connector to kvbm or remove kvCache.kvbm",
        ]);
    });

    test("KVBM without a cache tier is refused", () => {
        assert.match(problems(deepMerge(K8S, { kvCache: { connector: "kvbm" } }))[0]!, /^kvCache\.kvbm: expected a cache tier/);
    });

    test("the mocker takes no connector: local and Slurm engine mocker refuse one", () => {
        const kv = { kvCache: { connector: "lmcache" } };
        assert.match(problems(deepMerge({ model: { id: "dynamo-bench/tiny-model" } }, kv))[0]!, /^kvCache\.connector: expected nixl with the mocker/);
        assert.match(problems(deepMerge(BASE_SLURM_CONFIG, kv))[0]!, /^kvCache\.connector: expected nixl with the mocker/);
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { ...kv, slurm: { engine: "backend" } })), []);
    });

    test("a user's --kv-transfer-config next to a cache-tier connector is refused", () => {
        const found = problems(deepMerge(K8S, { kvCache: { connector: "lmcache" }, prefill: { extraArgs: ["--kv-transfer-config={}"] } }));
        assert.match(found[0]!, /^prefill\.extraArgs\[0\]: expected no --kv-transfer-config with kvCache\.connector lmcache/);
    });

    test("KVBM port variables in env are refused: the plan allocates them", () => {
        const found = problems(deepMerge(K8S, { env: { DYN_KVBM_LEADER_ZMQ_PUB_PORT: "56001" }, decode: { env: { DYN_KVBM_METRICS_PORT: "6880" } } }));
        assert.deepEqual(found.map((f) => f.split(":")[0]).sort(), ["decode.env.DYN_KVBM_METRICS_PORT", "env.DYN_KVBM_LEADER_ZMQ_PUB_PORT"]);
    });

    test("Slurm: KVBM consolidator ports (publish + 1000) past the blocks must stay in range and clear of the frontend", () => {
        const kvbm = { kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 1 } }, slurm: { engine: "backend" } };
        // base 7000: the one prefill and one decode worker use 7000..7063; their consolidators bind 8004 and 8036.
        const collide = problems(deepMerge(BASE_SLURM_CONFIG, { ...kvbm, slurm: { ...kvbm.slurm, workerPortBase: 7000 }, frontend: { port: 8004 } }));
        assert.deepEqual(
            collide.map((f) => f.split(":")[0]),
            ["frontend.port"],
        );
        assert.match(collide[0]!, /KVBM event consolidator on 8004/);
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { ...kvbm, slurm: { ...kvbm.slurm, workerPortBase: 7000 }, frontend: { port: 8005 } })), []);
        const high = problems(deepMerge(BASE_SLURM_CONFIG, { ...kvbm, slurm: { ...kvbm.slurm, workerPortBase: 64800 } }));
        assert.match(high.join("\n"), /slurm\.workerPortBase: expected every KVBM worker's event consolidator port .* at most 65535, got up to 65836/);
        assert.deepEqual(
            // Server metrics off: with them (Slurm's default) every worker's system port must stay at most 32767.
            problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { engine: "backend", workerPortBase: 64800 }, benchmark: { serverMetrics: false } })),
            [],
            "without KVBM the same base is fine",
        );
    });
});

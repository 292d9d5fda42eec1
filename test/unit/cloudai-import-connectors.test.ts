// The CloudAI importer on connector, HiCache and wide-EP tests, shaped like
// CloudAI's shipped scenarios (vllm_lmcache, vllm_kvbm_slurm, sglang_hicache,
// the sglang_dsr1 backend): each CloudAI field
// becomes the kvCache / wideEp setting instead of an unmapped line, and the
// imported stack validates.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { importCloudai, type ImportedStack } from "../../lib/import/cloudai";
import type { CloudaiSources } from "../../lib/import/cloudai/read";
import { parseToml } from "../../lib/import/cloudai/toml";
import { CLOUDAI_CONNECTOR_TESTS, cloudaiHead, cloudaiWorker } from "../helpers/cloudai-connector-tests";

const SCENARIO = `name = "s"\n[[Tests]]\nid = "one"\ntest_name = "t"\n`;
const K8S = `name = "k"\nscheduler = "kubernetes"\ndefault_namespace = "ns"\n`;

/** `system` null: no --system, a local rehearsal. */
function importOne(test: string, system: string | null = K8S): ImportedStack {
    const src: CloudaiSources = {
        scenario: { file: "scenario.toml", doc: parseToml(SCENARIO, "scenario.toml") },
        tests: [{ file: "t.toml", doc: parseToml(test, "t.toml") }],
        ...(system ? { system: { file: "system.toml", doc: parseToml(system, "system.toml") } } : {}),
    };
    return importCloudai(src)[0]!;
}
const outcome = (s: ImportedStack, field: string) => s.report.lines.filter((l) => l.field === field).map((l) => l.outcome);
const validates = (s: ImportedStack) => assert.ok(s.report.validation.ok, JSON.stringify(s.report.validation));

const worker = cloudaiWorker;
const MULTI_LMCACHE = `kv-transfer-config = '{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"}'`;
const head = cloudaiHead;

describe("KV-cache connectors from CloudAI", () => {
    test("vllm_lmcache: LMCache in the prefill worker's kv-transfer-config, the lmcache table as its config file", () => {
        const s = importOne(CLOUDAI_CONNECTOR_TESTS.vllm_lmcache!);
        const kv = s.config.kvCache as Record<string, any>;
        assert.equal(kv.connector, "lmcache");
        // The keys naming the controller are the plan's; {storage_cache_dir} is filled; {frontend_ip} (an lmcache_server dynamo-bench does not start) is left out.
        assert.deepEqual(kv.lmcache.config, { chunk_size: 256, local_cpu: true, max_local_cpu_size: 20, local_disk: "file:///mnt/vast/lmcache/cache/" });
        assert.deepEqual(kv.lmcache.controller, { port: 9000, pullPort: 8300, replyPort: 8400, extraArgs: ["--lmcache-worker-timeout", "600"] });
        assert.deepEqual(outcome(s, "cmd_args.dynamo.prefill_worker.args.kv_transfer_config"), ["mapped"]);
        assert.deepEqual(outcome(s, "cmd_args.lmcache"), ["mapped"]);
        assert.deepEqual(outcome(s, "cmd_args.lmcache_controller"), ["mapped", "mapped"]);
        assert.ok(!s.report.lines.some((l) => /not available/.test(l.note)), "the controller is available");
        const connector = s.report.lines.filter((l) => l.field === "(connector)");
        for (const key of ["enable_controller", "controller_pull_url", "controller_reply_url", "lmcache_worker_ports"])
            assert.ok(
                connector.some((l) => l.outcome === "adjusted" && l.note.startsWith(`cmd_args.lmcache.${key}: set by dynamo-bench`)),
                key,
            );
        assert.ok(connector.some((l) => l.outcome === "not mapped" && /remote_url .*left out.*\{frontend_ip\}/.test(l.note)));
        assert.ok(!JSON.stringify(s.config).match(/\{(frontend_node|frontend_ip|results_dir|storage_cache_dir)\}/), "no CloudAI placeholder reaches the stack");
        assert.equal((s.config.prefill as Record<string, unknown> | undefined)?.extraArgs, undefined, "no --kv-transfer-config of its own");
        assert.equal((s.config.env as Record<string, unknown> | undefined)?.LMCACHE_CONFIG_FILE, undefined);
        validates(s);
    });

    test("the reference vllm.toml: a controller cmd but no LMCache worker is reported, not started", () => {
        const text = `${head("vllm")}${worker("prefill", "vllm", "")}${worker("decode", "vllm", "")}
[cmd_args.lmcache_controller]
cmd = "lmcache_controller --host 0.0.0.0 --port 9000 --monitor-port 9001"
`;
        const s = importOne(text);
        assert.equal(s.config.kvCache, undefined);
        assert.ok(
            s.report.lines.some(
                (l) =>
                    l.field === "(connector)" &&
                    l.outcome === "not mapped" &&
                    /cmd_args.lmcache_controller: CloudAI starts it .* no worker uses LMCache/.test(l.note),
            ),
        );
        validates(s);
    });

    test("lmcache_controller flags: --monitor-port (deprecated, pull only), another program, an unknown flag; no cmd keys stay placeholders", () => {
        const text = `${head("vllm")}${worker("prefill", "vllm", MULTI_LMCACHE)}${worker("decode", "vllm", "")}
[cmd_args.lmcache]
chunk_size = 256
controller_pull_url = "{frontend_node}:9001"
[cmd_args.lmcache_controller]
cmd = "python3 -m lmcache.v1.api_server --host 127.0.0.1 --port=9100 --monitor-port 9101 --health-check-interval 30"
`;
        const s = importOne(text);
        const kv = s.config.kvCache as Record<string, any>;
        assert.deepEqual(kv.lmcache.controller, {
            command: ["python3", "-m", "lmcache.v1.api_server"],
            port: 9100,
            pullPort: 9101,
            extraArgs: ["--health-check-interval", "30"],
        });
        assert.deepEqual(kv.lmcache.config, { chunk_size: 256 });
        const notes = s.report.lines.filter((l) => l.field === "cmd_args.lmcache_controller").map((l) => `${l.outcome}: ${l.note}`);
        assert.ok(
            notes.some((n) => /^adjusted: --host 127.0.0.1: dynamo-bench binds the controller to 0.0.0.0/.test(n)),
            notes.join("\n"),
        );
        assert.ok(
            notes.some((n) => /^adjusted: --monitor-port 9101: LMCache's deprecated form opens no reply socket/.test(n)),
            notes.join("\n"),
        );
        validates(s);
    });

    test("without a controller cmd, a file naming {frontend_node} as its controller is left out and says why", () => {
        const text = `${head("vllm")}${worker("prefill", "vllm", MULTI_LMCACHE)}${worker("decode", "vllm", "")}
[cmd_args.lmcache]
chunk_size = 256
enable_controller = true
controller_pull_url = "{frontend_node}:8300"
`;
        const s = importOne(text);
        const kv = s.config.kvCache as Record<string, any>;
        assert.deepEqual(kv.lmcache, { config: { chunk_size: 256 } }, "enable_controller goes with the address it needs");
        assert.ok(
            s.report.lines.some((l) => l.outcome === "not mapped" && /controller_pull_url .*left out, it names a controller CloudAI would start/.test(l.note)),
        );
        validates(s);
    });

    test('vllm_kvbm_slurm: connector = "kvbm nixl" and DYN_KVBM_* become kvCache.kvbm; storage_cache_dir holds the disk tier; the leader ports are allocated', () => {
        const s2 = importOne(CLOUDAI_CONNECTOR_TESTS.vllm_kvbm!);
        assert.equal((s2.config.kvCache as Record<string, unknown>).connector, "kvbm");
        assert.deepEqual((s2.config.kvCache as Record<string, unknown>).kvbm, {
            cpuCacheGb: 20,
            diskCacheGb: 100,
            metrics: true,
            diskCacheDir: "/mnt/vast/kvbm/cache",
        });
        assert.deepEqual(outcome(s2, "cmd_args.dynamo.prefill_worker.args.connector"), ["mapped"]);
        assert.deepEqual(outcome(s2, "cmd_args.dynamo.decode_worker.args.connector"), ["used"]);
        assert.deepEqual(outcome(s2, "extra_env_vars.DYN_KVBM_LEADER_ZMQ_PUB_PORT"), ["not mapped"]);
        assert.equal((s2.config.env as Record<string, unknown> | undefined)?.DYN_KVBM_CPU_CACHE_GB, undefined, "a setting, not a raw variable");
        assert.ok(!JSON.stringify(s2.config).includes("--connector"), "dynamo.vllm 1.6.1 refuses --connector");
        validates(s2);
    });

    test("sglang_hicache: --enable-hierarchical-cache and hicache-* args, the hicache table as the storage backend's file", () => {
        const s = importOne(CLOUDAI_CONNECTOR_TESTS.sglang_hicache!);
        assert.deepEqual(s.config.kvCache, {
            connector: "hicache",
            hicache: { ratio: 2, storageBackend: "nixl", storageBackendExtraConfig: { plugin: { posix: { active: true, use_uring: "false" } } } },
        });
        assert.deepEqual(outcome(s, "cmd_args.hicache"), ["mapped"]);
        validates(s);
    });

    test("a connector table no worker uses is reported, not written (the stack would be refused)", () => {
        const s = importOne(`${head("vllm")}${worker("prefill", "vllm", "")}${worker("decode", "vllm", "")}\n[cmd_args.lmcache]\nchunk_size = 256\n`);
        assert.equal(s.config.kvCache, undefined);
        assert.ok(s.report.lines.some((l) => l.field === "(connector)" && l.outcome === "not mapped" && /no worker uses LMCache/.test(l.note)));
        validates(s);
    });

    test("a local rehearsal keeps no connector: the mocker has none, and the report says so", () => {
        const s = importOne(`${head("vllm")}${worker("prefill", "vllm", 'connector = "kvbm"')}${worker("decode", "vllm", "")}`, null);
        assert.equal(s.config.kvCache, undefined);
        assert.deepEqual(outcome(s, "cmd_args.dynamo.prefill_worker.args.connector"), ["not mapped"]);
        validates(s);
    });
});

describe("sglang_dsr1 becomes wide expert parallelism", () => {
    test("one worker per role across its nodes, every GPU an attention group and an expert rank; the deepep.json is reported", () => {
        const s = importOne(CLOUDAI_CONNECTOR_TESTS.sglang_dsr1!);
        assert.equal(s.config.backend, "sglang");
        for (const role of ["prefill", "decode"] as const) {
            const w = s.config[role] as Record<string, unknown>;
            assert.deepEqual(
                { replicas: w.replicas, nodesPerWorker: w.nodesPerWorker, tensorParallel: w.tensorParallel, dataParallel: w.dataParallel, wideEp: w.wideEp },
                { replicas: 1, nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { a2aBackend: "deepep" } },
            );
        }
        assert.ok(s.report.lines.some((l) => l.field === "(wide EP)" && l.outcome === "not mapped" && /deepep\.json/.test(l.note)));
        validates(s);
    });
});

describe("start-up commands from CloudAI", () => {
    const SLURM = `name = "c"\nscheduler = "slurm"\ndefault_partition = "p"\noutput_path = "/shared/results"\ngpus_per_node = 8\n[[partitions]]\nname = "p"\n`;
    const withSetup = `${head("vllm").replace('workloads = "aiperf.sh"', 'workloads = "aiperf.sh"\nstartup_cmd = "nvidia-smi -L"')}
[cmd_args.dynamo.prefill_worker]
num-nodes = 1
[cmd_args.dynamo.decode_worker]
num-nodes = 1
`.replace('model = "m"', 'model = "m"\nnode_setup_cmd = "/usr/local/ucx/bin/ucx_info -d | grep Transport | sort -u;"');

    test("Slurm: startup_cmd then node_setup_cmd, in CloudAI's order, as setup.commands", () => {
        const s = importOne(withSetup, SLURM);
        assert.deepEqual((s.config.setup as Record<string, unknown>).commands, ["nvidia-smi -L", "/usr/local/ucx/bin/ucx_info -d | grep Transport | sort -u;"]);
        assert.deepEqual(outcome(s, "cmd_args.dynamo.node_setup_cmd"), ["mapped"]);
        assert.deepEqual(outcome(s, "cmd_args.startup_cmd"), ["mapped"]);
    });

    test("Kubernetes: CloudAI ignores both there, so they are not carried; a local rehearsal runs none", () => {
        const k = importOne(withSetup);
        assert.equal(k.config.setup, undefined);
        assert.deepEqual(outcome(k, "cmd_args.dynamo.node_setup_cmd"), ["ignored by CloudAI"]);
        const l = importOne(withSetup, null);
        assert.equal(l.config.setup, undefined);
        assert.deepEqual(outcome(l, "cmd_args.startup_cmd"), ["not mapped"]);
        validates(l);
    });
});

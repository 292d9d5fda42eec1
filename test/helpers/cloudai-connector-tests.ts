// CloudAI AIDynamo test definitions shaped like CloudAI's connector and wide-EP
// scenarios (vllm_lmcache, vllm_kvbm_slurm, sglang_hicache, the sglang_dsr1
// backend), which the reference copies do not
// include: for the import tests and the engine judges of their imported stacks.

export const cloudaiWorker = (role: "prefill" | "decode", backend: string, args: string) => `
[cmd_args.dynamo.${role}_worker]
num-nodes = 1
cmd = "python3 -m dynamo.${backend}"
[cmd_args.dynamo.${role}_worker.args]
tensor-parallel-size = 1
${args}`;

export const cloudaiHead = (backend: string) => `
name = "t"
test_template_name = "AIDynamo"
[cmd_args]
docker_image_url = "nvcr.io/nvidia/ai-dynamo/${backend.startsWith("sglang") ? "sglang" : "vllm"}-runtime:1.6.1"
workloads = "aiperf.sh"
[cmd_args.dynamo]
backend = "${backend}"
model = "m"
`;

const MULTI = `kv-transfer-config = '{"kv_connector":"MultiConnector","kv_role":"kv_both","kv_connector_extra_config":{"connectors":[{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"},{"kv_connector":"NixlConnector","kv_role":"kv_both"}]}}'`;
const NIXL = `kv-transfer-config = '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'`;

/** One test definition per connector scenario, by name. */
export const CLOUDAI_CONNECTOR_TESTS: Record<string, string> = {
    vllm_lmcache: `${cloudaiHead("vllm").replace('workloads = "aiperf.sh"', 'workloads = "aiperf.sh"\nstorage_cache_dir = "/mnt/vast"')}${cloudaiWorker("prefill", "vllm", MULTI)}${cloudaiWorker("decode", "vllm", NIXL)}
[cmd_args.lmcache]
chunk_size = 256
local_cpu = true
max_local_cpu_size = 20
enable_controller = true
controller_pull_url = "{frontend_node}:8300"
controller_reply_url = "{frontend_node}:8400"
lmcache_worker_ports = [8500]
local_disk = "file://{storage_cache_dir}/"
remote_url = "lm://{frontend_ip}:65432"
[cmd_args.lmcache_controller]
cmd = """lmcache_controller --host 0.0.0.0 --port 9000 --monitor-ports '{"pull":8300,"reply":8400}' --lmcache-worker-timeout 600"""
[extra_env_vars]
LMCACHE_CONFIG_FILE = "/cloudai_run_results/lmcache-config.yaml"
`,
    vllm_kvbm: `${cloudaiHead("vllm").replace('workloads = "aiperf.sh"', 'workloads = "aiperf.sh"\nstorage_cache_dir = "/mnt/vast"')}${cloudaiWorker("prefill", "vllm", 'connector = "kvbm nixl"')}${cloudaiWorker("decode", "vllm", 'connector = "nixl"')}
[extra_env_vars]
DYN_KVBM_CPU_CACHE_GB = "20"
DYN_KVBM_DISK_CACHE_GB = "100"
DYN_KVBM_LEADER_ZMQ_PUB_PORT = "56001"
DYN_KVBM_METRICS = "true"
`,
    sglang_hicache: `${cloudaiHead("sglang")}${cloudaiWorker("prefill", "sglang", 'enable-hierarchical-cache = true\nhicache-ratio = 2\nhicache-storage-backend = "nixl"')}${cloudaiWorker("decode", "sglang", 'hicache-storage-backend = "nixl"')}
[cmd_args.hicache.plugin.posix]
active = true
use_uring = "false"
`,
    sglang_dsr1: `${cloudaiHead("sglang_dsr1")}
[cmd_args.dynamo.prefill_worker]
num-nodes = 2
cmd = "python3 -m dynamo.sglang"
[cmd_args.dynamo.decode_worker]
num-nodes = 2
cmd = "python3 -m dynamo.sglang"
`,
};

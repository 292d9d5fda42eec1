// dynamo.vllm: the vLLM worker. Disaggregated workers move KV through a vLLM
// KV connector (NIXL unless kvCache names a cache tier, lib/dynamo/workers/kv-cache.ts).
import { flag, type Flag } from "../../argv";
import { roleFlags } from "./role-flags";
import { vllmCacheTier, vllmKvTransferConfig } from "./kv-cache";
import type { WorkerInput, WorkerLaunch } from "./common";

/** NIXL for both roles (kv_both): what Dynamo's disaggregated launch scripts use; `--kv-transfer-config` in extraArgs replaces it. */
export const DEFAULT_KV_TRANSFER_CONFIG = JSON.stringify({ kv_connector: "NixlConnector", kv_role: "kv_both" });

export function vllmWorker(input: WorkerInput): WorkerLaunch {
    const { ctx, role, shape, instance } = input;
    const kvTransfer = vllmKvTransferConfig(input.kvCache, role);
    const tier = vllmCacheTier(input.kvCache, role, instance.ports, ctx.configDir, ctx.lmcacheControllerHost);
    const flags: Flag[] = [
        flag("--model", input.model),
        flag("--served-model-name", input.servedName),
        flag(["--tensor-parallel-size", "-tp"], shape.tensorParallel),
        ...(shape.pipelineParallel > 1 ? [flag(["--pipeline-parallel-size", "-pp"], shape.pipelineParallel)] : []),
        ...(shape.dataParallel > 1 ? [flag(["--data-parallel-size", "-dp"], shape.dataParallel)] : []),
        ...roleFlags(role),
        ...(kvTransfer ? [flag("--kv-transfer-config", JSON.stringify(kvTransfer))] : []),
    ];
    const env: Record<string, string> = {};
    // Where several workers share a node (Slurm, local), each needs its own NIXL side channel and KV-event port.
    if (ctx.advertiseHost !== undefined && instance.ports.nixl !== undefined) {
        env.VLLM_NIXL_SIDE_CHANNEL_HOST = ctx.advertiseHost;
        env.VLLM_NIXL_SIDE_CHANNEL_PORT = String(instance.ports.nixl);
    }
    if (instance.ports.kvEvents !== undefined) env.DYN_VLLM_KV_EVENT_PORT = String(instance.ports.kvEvents);
    return { flags, env: { ...env, ...tier.env }, files: tier.files };
}

// dynamo.sglang: the SGLang worker. Disaggregated workers pair through a
// bootstrap port and move KV pages over NIXL; HiCache and wide expert
// parallelism come from kvCache and the role's wideEp.
import { flag, type Flag } from "../../argv";
import { sglangCacheTier } from "./kv-cache";
import { DP_ALIASES, TP_ALIASES, wideEpFlags } from "./sglang-wide-ep";
import type { WorkerInput, WorkerLaunch } from "./common";

export function sglangWorker(input: WorkerInput): WorkerLaunch {
    const { ctx, role, shape, instance } = input;
    const tier = sglangCacheTier(input.kvCache, role, ctx.configDir);
    const pp: Flag[] = shape.pipelineParallel > 1 ? [flag(["--pp-size", "--pipeline-parallel-size"], shape.pipelineParallel)] : [];
    const parallel: Flag[] = shape.wideEp
        ? [...wideEpFlags(shape, shape.wideEp), ...pp]
        : [flag(TP_ALIASES, shape.tensorParallel), ...pp, ...(shape.dataParallel > 1 ? [flag(DP_ALIASES, shape.dataParallel)] : [])];
    const flags: Flag[] = [
        flag(["--model-path", "--model"], input.model),
        flag("--served-model-name", input.servedName),
        ...parallel,
        // The frontend tokenizes; the engine receives token ids.
        flag("--skip-tokenizer-init"),
        ...(role === "aggregated"
            ? []
            : [
                  flag("--page-size", ctx.release.sglang.pageSize),
                  flag("--disaggregation-mode", role),
                  flag("--disaggregation-transfer-backend", "nixl"),
                  flag("--disaggregation-bootstrap-port", instance.ports.bootstrap),
                  flag("--host", "0.0.0.0"),
              ]),
        ...tier.flags,
        ...(instance.ranks > 1 ? multinodeFlags(input) : []),
    ];
    return { flags, env: tier.env, files: tier.files };
}

/** A worker across nodes: every rank dials rank 0's dist-init port. */
function multinodeFlags({ instance }: WorkerInput): Flag[] {
    if (instance.leaderHost === undefined || instance.ports.distInit === undefined) return [];
    return [
        flag("--dist-init-addr", `${instance.leaderHost}:${instance.ports.distInit}`),
        flag("--nnodes", instance.ranks),
        flag("--node-rank", instance.rank),
    ];
}

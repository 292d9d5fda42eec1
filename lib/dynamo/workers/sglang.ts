// dynamo.sglang: the SGLang worker. Disaggregated workers pair through a
// bootstrap port and move KV pages over NIXL.
import { flag, type Flag } from "../../argv";
import type { WorkerInput, WorkerLaunch } from "./common";

export function sglangWorker(input: WorkerInput): WorkerLaunch {
    const { ctx, role, shape, instance } = input;
    const flags: Flag[] = [
        flag(["--model-path", "--model"], input.model),
        flag("--served-model-name", input.servedName),
        flag(["--tp", "--tp-size", "--tensor-parallel-size"], shape.tensorParallel),
        ...(shape.pipelineParallel > 1 ? [flag(["--pp-size", "--pipeline-parallel-size"], shape.pipelineParallel)] : []),
        ...(shape.dataParallel > 1 ? [flag(["--dp-size", "--dp", "--data-parallel-size"], shape.dataParallel)] : []),
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
        ...(instance.ranks > 1 ? multinodeFlags(input) : []),
    ];
    return { flags, env: {}, files: [] };
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

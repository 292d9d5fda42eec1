// dynamo.mocker: the GPU-free stand-in for a vLLM or SGLang worker, used by the
// local target and by Slurm's `engine: mocker` rehearsals.
import { flag, type Flag } from "../../argv";
import { roleFlags } from "./role-flags";
import type { WorkerInput, WorkerLaunch } from "./common";

export function mockerWorker(input: WorkerInput, engineType: "vllm" | "sglang"): WorkerLaunch {
    const { ctx, role, shape, instance } = input;
    const flags: Flag[] = [
        flag("--model-path", input.model),
        flag("--model-name", input.servedName),
        ...roleFlags(role, "agg"),
        // Prefill workers listen on their bootstrap port; decode workers learn it through discovery.
        ...(role === "prefill" ? [flag("--bootstrap-ports", instance.ports.bootstrap)] : []),
        flag("--engine-type", engineType),
        flag("--speedup-ratio", ctx.speedupRatio),
        ...(shape.dataParallel > 1 ? [flag("--data-parallel-size", shape.dataParallel)] : []),
    ];
    return { flags, env: {}, files: [] };
}

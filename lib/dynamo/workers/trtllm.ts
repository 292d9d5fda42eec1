// dynamo.trtllm: the TensorRT-LLM worker. Disaggregated workers need an engine
// config with cache_transceiver_config, which dynamo.trtllm does not set
// itself; the launch model generates it and the target ships it as a file.
import { stringify } from "yaml";
import * as path from "node:path";
import { flag, type Flag } from "../../argv";
import type { WorkerInput, WorkerLaunch } from "./common";

/** Engine config of one role, following the release's disaggregated examples. */
export function trtllmEngineConfig(input: WorkerInput): Record<string, unknown> {
    const { role, shape } = input;
    return {
        tensor_parallel_size: shape.tensorParallel,
        pipeline_parallel_size: shape.pipelineParallel,
        backend: "pytorch",
        // Prefill runs one step per request; overlap scheduling only helps decode.
        ...(role === "prefill" ? { disable_overlap_scheduler: true } : {}),
        ...(role === "aggregated" ? {} : { cache_transceiver_config: { backend: "DEFAULT" } }),
    };
}

export function trtllmWorker(input: WorkerInput): WorkerLaunch {
    const { ctx, role, shape } = input;
    const disaggregated = role !== "aggregated";
    const fileName = `trtllm-${role}.yaml`;
    const flags: Flag[] = [
        flag(["--model", "--model-path"], input.model),
        flag("--served-model-name", input.servedName),
        flag("--tensor-parallel-size", shape.tensorParallel),
        ...(shape.pipelineParallel > 1 ? [flag("--pipeline-parallel-size", shape.pipelineParallel)] : []),
        ...(disaggregated ? [flag(ctx.release.trtllm.engineConfigFlag, path.posix.join(ctx.configDir, fileName)), flag("--disaggregation-mode", role)] : []),
    ];
    const files = disaggregated ? [{ name: fileName, content: stringify(trtllmEngineConfig(input)) }] : [];
    return { flags, env: {}, files };
}

// dynamo.mocker: the GPU-free stand-in for a vLLM or SGLang worker, used by the
// local target and by Slurm's `engine: mocker` rehearsals.
import { flag, type Flag } from "../../argv";
import type { MockerSpec } from "../../../config/mocker";
import type { WorkerRole } from "../types";
import { roleFlags } from "./role-flags";
import type { WorkerInput, WorkerLaunch } from "./common";

export function mockerWorker(input: WorkerInput, engineType: "vllm" | "sglang"): WorkerLaunch {
    const { ctx, role, shape, instance } = input;
    const flags: Flag[] = [
        flag("--model-path", input.model),
        flag("--model-name", input.servedName),
        ...roleFlags(role, "agg"),
        // Prefill workers listen on their bootstrap port; decode workers learn it through discovery.
        ...(role === "prefill" && ctx.mocker?.handoff !== false ? [flag("--bootstrap-ports", instance.ports.bootstrap)] : []),
        flag("--engine-type", engineType),
        flag("--speedup-ratio", ctx.speedupRatio),
        ...(shape.dataParallel > 1 ? [flag("--data-parallel-size", shape.dataParallel)] : []),
        ...(ctx.mocker ? engineKnobFlags(ctx.mocker, role) : []),
    ];
    return { flags, env: {}, files: [] };
}

/** On and off spellings of one setting: either given by the user replaces the generated one. */
const PREFIX_CACHING = ["--enable-prefix-caching", "--no-enable-prefix-caching"];

/** The engine knobs that are set, as the mocker's own flags (checked against `python -m dynamo.mocker --help` of 1.6.1). */
export function engineKnobFlags(knobs: MockerSpec, role: WorkerRole): Flag[] {
    const maxNumSeqs = role === "prefill" ? knobs.maxNumSeqs.prefill : knobs.maxNumSeqs.decode;
    return [
        ...(knobs.blockSize !== undefined ? [flag("--block-size", knobs.blockSize)] : []),
        ...(knobs.numGpuBlocks !== undefined ? [flag("--num-gpu-blocks-override", knobs.numGpuBlocks)] : []),
        ...(knobs.prefixCaching === undefined ? [] : [flag(knobs.prefixCaching ? PREFIX_CACHING : [...PREFIX_CACHING].reverse())]),
        // Only a handoff between prefill and decode has a transfer to simulate.
        ...(knobs.kvTransferBandwidthGBps !== undefined && role !== "aggregated" ? [flag("--kv-transfer-bandwidth", knobs.kvTransferBandwidthGBps)] : []),
        ...(maxNumSeqs !== undefined ? [flag("--max-num-seqs", maxNumSeqs)] : []),
    ];
}

// SGLang wide expert parallelism (config/wide-ep.ts), as Dynamo's DeepSeek-R1
// wide-EP examples start dynamo.sglang: the whole worker is one tensor-parallel
// world (--tp-size = every GPU across its nodes), attention runs in
// --dp-size groups (--enable-dp-attention) and the experts are spread over
// --ep-size GPUs through an all-to-all backend (--moe-a2a-backend deepep).
// Flag names and choices are SGLang 0.5.21's ServerArgs.
import { flag, type Flag } from "../../argv";
import type { WideEpSpec } from "../../../config/wide-ep";
import type { WorkerShape } from "./common";

export const TP_ALIASES = ["--tp", "--tp-size", "--tensor-parallel-size"];
export const DP_ALIASES = ["--dp-size", "--dp", "--data-parallel-size"];

/** GPUs of the worker's tensor-parallel world: attention groups x GPUs per group. */
export function wideEpWorld(shape: Pick<WorkerShape, "tensorParallel" | "dataParallel">): number {
    return shape.tensorParallel * shape.dataParallel;
}

/** The parallel flags of a wide-EP worker, in place of the plain --tp/--dp. */
export function wideEpFlags(shape: WorkerShape, wideEp: WideEpSpec): Flag[] {
    const world = wideEpWorld(shape);
    const ep = wideEp.expertParallel ?? world;
    return [
        flag(TP_ALIASES, world),
        ...(shape.dataParallel > 1 ? [flag(DP_ALIASES, shape.dataParallel), flag("--enable-dp-attention")] : []),
        flag("--ep-size", ep),
        // SGLang requires ep-size x moe-dp-size = tp-size: experts fewer than the world are replicated in groups.
        ...(ep < world ? [flag("--moe-dp-size", world / ep)] : []),
        flag("--moe-a2a-backend", wideEp.a2aBackend),
        ...(wideEp.deepepMode !== undefined ? [flag("--deepep-mode", wideEp.deepepMode)] : []),
        ...(wideEp.deepepConfig !== undefined ? [flag("--deepep-config", wideEp.deepepConfig)] : []),
        ...(wideEp.dpLmHead ? [flag("--enable-dp-lm-head")] : []),
        ...(wideEp.moeDenseTp !== undefined ? [flag("--moe-dense-tp-size", wideEp.moeDenseTp)] : []),
        ...(wideEp.redundantExperts !== undefined ? [flag("--ep-num-redundant-experts", wideEp.redundantExperts)] : []),
    ];
}

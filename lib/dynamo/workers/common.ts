// What every worker builder takes: the model, the worker's shape and its place
// in the graph. One input type, so the backends differ only in their flags.
import type { Flag } from "../../argv";
import type { KvCacheSpec } from "../../../config/kv-cache";
import type { WideEpSpec } from "../../../config/wide-ep";
import type { Backend, LaunchContext, WorkerInstance, WorkerRole, GeneratedFile } from "../types";

export interface WorkerShape {
    tensorParallel: number;
    pipelineParallel: number;
    dataParallel: number;
    wideEp?: WideEpSpec;
}

export interface WorkerInput {
    ctx: LaunchContext;
    role: WorkerRole;
    /** Model folder or HuggingFace id, as the process on its node sees it. */
    model: string;
    servedName: string;
    shape: WorkerShape;
    instance: WorkerInstance;
    kvCache?: KvCacheSpec;
}

/** Flags a backend generates for one worker, env it needs, and files it reads at start-up. */
export interface WorkerLaunch {
    flags: Flag[];
    env: Record<string, string>;
    files: GeneratedFile[];
}

/** Discovery components the workers register under, per role (the default endpoints of every backend). */
export const WORKER_COMPONENTS: Record<WorkerRole, string> = { prefill: "prefill", decode: "backend", aggregated: "backend" };

/** The component a worker registers under, where a release's backend differs from the rule. */
export function workerComponent(ctx: Pick<LaunchContext, "engine" | "release">, backend: Backend, role: WorkerRole): string {
    if (ctx.engine === "real" && backend === "trtllm" && role !== "prefill") return ctx.release.trtllmDecodeComponent;
    return WORKER_COMPONENTS[role];
}

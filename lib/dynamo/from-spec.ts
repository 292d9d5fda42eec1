// The launch model's view of a resolved BenchmarkSpec: the one mapping, shared
// by every target that starts from a spec.
import type { BenchmarkSpec, ResolvedWorker } from "../../config/resolve";
import type { LaunchSpec, LaunchWorker } from "./launch";

const launchWorker = (w: ResolvedWorker): LaunchWorker => ({
    replicas: w.replicas,
    nodesPerWorker: w.nodesPerWorker,
    tensorParallel: w.tensorParallel,
    pipelineParallel: w.pipelineParallel,
    dataParallel: w.dataParallel,
    extraArgs: w.extraArgs,
    env: w.env,
    ...(w.wideEp ? { wideEp: w.wideEp } : {}),
});

/** `model`: the model as the processes see it, where the target resolves `model.id` (a local folder, a mount). */
export function launchSpecOf(spec: BenchmarkSpec, model: string = spec.model.id): LaunchSpec {
    return {
        backend: spec.backend,
        model,
        servedName: spec.servedModelName,
        frontend: { routerMode: spec.frontend.routerMode, replicas: spec.frontend.replicas, extraArgs: spec.frontend.extraArgs, env: spec.frontend.env },
        ...(spec.prefill ? { prefill: launchWorker(spec.prefill) } : {}),
        decode: launchWorker(spec.decode),
        env: spec.env,
        kvCache: spec.kvCache,
    };
}

// Cross-field rules of every target: what a single field's schema cannot see.
// Each rule names the field to fix, what was expected and what was given.
import type { ParsedSpec, WorkerSpec } from "../schema";
import { DEFAULT_DYNAMO_VERSION, SUPPORTED_DYNAMO_VERSIONS, findRelease } from "../../lib/dynamo/releases";
import type { RuleViolation } from "./violation";

export function checkCommonRules(spec: ParsedSpec): RuleViolation[] {
    const violations: RuleViolation[] = [];
    const fail = (path: string, message: string) => violations.push({ path, message });

    // The version picks the chart, the runtime image and every engine flag, so it matters on every target.
    if (!findRelease(spec.platform.version)) {
        fail(
            "platform.version",
            `expected a supported Dynamo release (${SUPPORTED_DYNAMO_VERSIONS.join(", ")}), got ${spec.platform.version}; it picks the platform chart, the runtime image and the engine flags. Set one of them, or leave platform.version unset for ${DEFAULT_DYNAMO_VERSION}`,
        );
    }

    if (spec.mode === "aggregated" && spec.prefill.replicas > 0) {
        fail(
            "prefill.replicas",
            `expected 0 in aggregated mode (decode workers serve prefill too), got ${spec.prefill.replicas}; set prefill.replicas to 0 or mode to disaggregated`,
        );
    }
    if (spec.mode === "disaggregated" && spec.prefill.replicas === 0) {
        fail("prefill.replicas", "expected at least 1 in disaggregated mode, got 0; set mode: aggregated to run without prefill workers");
    }
    if (spec.decode.replicas === 0) {
        fail("decode.replicas", "expected at least 1 decode worker, got 0");
    }

    for (const role of ["prefill", "decode"] as const) {
        if (role === "prefill" && spec.mode === "aggregated") continue;
        checkWorkerFits(role, spec[role], spec.gpusPerNode, fail);
    }

    const seen = new Set<string>();
    spec.benchmark.phases.forEach((phase, i) => {
        if (seen.has(phase.name)) fail(`benchmark.phases[${i}].name`, `expected a unique phase name, got "${phase.name}" twice`);
        seen.add(phase.name);
    });

    if (spec.network.mode === "cni" && spec.network.cniNetworks.length === 0) {
        fail("network.cniNetworks", "expected at least one network when network.mode is cni, got none");
    }
    if (spec.network.mode !== "cni" && spec.network.cniNetworks.length > 0) {
        fail("network.mode", `expected cni when network.cniNetworks is set, got ${spec.network.mode}`);
    }

    const cache = spec.modelCache;
    if (cache?.create && (!cache.size || !cache.storageClass)) {
        fail(
            cache.size ? "modelCache.storageClass" : "modelCache.size",
            "expected a value when modelCache.create is true (the PVC is created with it), got none",
        );
    }

    if (spec.target === "local" && spec.backend === "trtllm") {
        // The mocker imitates vLLM and SGLang schedulers only.
        fail("backend", "expected vllm or sglang for target local (the mocker has no TensorRT-LLM scheduler model), got trtllm");
    }
    if (spec.target === "local" && spec.frontend.replicas > 1) {
        fail("frontend.replicas", `expected 1 for target local (one frontend serves the local run), got ${spec.frontend.replicas}`);
    }
    if (spec.target === "local" && spec.benchmark.tool !== "aiperf") {
        fail("benchmark.tool", `expected aiperf for target local (the project's environment installs AIPerf only), got ${spec.benchmark.tool}`);
    }

    const platformMajor = Number(spec.platform.version.split(".")[0]);
    if (platformMajor === 0) {
        for (const addon of ["grove", "kaiScheduler"] as const) {
            if (spec.platform[addon].install === "separate" && spec.platform.install) {
                // 0.x charts bundle both; a second release would fight over the same CRDs.
                fail(`platform.${addon}.install`, `expected none or bundled with a 0.x platform (${spec.platform.version}), got separate`);
            }
        }
    }
    if (spec.kubernetes.renderYamlToDirectory && spec.target !== "kubernetes") {
        fail("kubernetes.renderYamlToDirectory", `applies to target kubernetes only, got target ${spec.target}`);
    }
    return violations;
}

/** GPUs one worker needs in total: every parallel dimension multiplies. */
export function gpusPerWorker(worker: WorkerSpec): number {
    return worker.tensorParallel * worker.pipelineParallel * worker.dataParallel;
}

function checkWorkerFits(role: string, worker: WorkerSpec, gpusPerNode: number, fail: (path: string, message: string) => void) {
    const total = gpusPerWorker(worker);
    const shape = `tensorParallel ${worker.tensorParallel} x pipelineParallel ${worker.pipelineParallel} x dataParallel ${worker.dataParallel} = ${total} GPUs`;
    if (worker.nodesPerWorker === 1) {
        if (total > gpusPerNode) {
            fail(
                `${role}.tensorParallel`,
                `expected the worker to fit one node of ${gpusPerNode} GPUs (gpusPerNode), got ${shape}; lower the parallel sizes or set ${role}.nodesPerWorker`,
            );
        }
        return;
    }
    if (total % worker.nodesPerWorker !== 0) {
        fail(
            `${role}.nodesPerWorker`,
            `expected ${shape} to split evenly over ${worker.nodesPerWorker} nodes, got a remainder of ${total % worker.nodesPerWorker}`,
        );
        return;
    }
    const perNode = total / worker.nodesPerWorker;
    if (perNode > gpusPerNode) {
        fail(`${role}.nodesPerWorker`, `expected at most ${gpusPerNode} GPUs per node, got ${perNode} (${shape} over ${worker.nodesPerWorker} nodes)`);
    } else if (perNode !== gpusPerNode) {
        // A multinode worker fills whole nodes: the GPU count across nodes must equal the parallel size.
        fail(
            `${role}.nodesPerWorker`,
            `expected a multinode worker to use all ${gpusPerNode} GPUs of each node (nodesPerWorker x gpusPerNode = ${worker.nodesPerWorker * gpusPerNode}), got ${shape}`,
        );
    }
}

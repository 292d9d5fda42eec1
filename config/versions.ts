// Versions of what dynamo-bench drives by default, kept in one place.
// Python tools are pinned in scripts/versions.env (read by the set-up scripts).
import { DEFAULT_DYNAMO_VERSION } from "../lib/dynamo/releases";

export const DEFAULT_VERSIONS = {
    /** Dynamo platform chart and, unless `image` is set, the runtime image tag: the launch model's default release. */
    dynamoPlatform: DEFAULT_DYNAMO_VERSION,
    /** Grove chart when installed as its own release (matches the 1.3.0 platform's bundled Grove). */
    grove: "v0.1.0-alpha.8",
    /** KAI scheduler chart when installed as its own release (the 1.3.0 platform pins v0.13.4). */
    kaiScheduler: "v0.13.4",
} as const;

export const CHART_SOURCES = {
    /** NGC publishes each platform release as a .tgz at this pattern. */
    dynamoPlatform: (version: string) => `https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-platform-${version}.tgz`,
    dynamoCrds: (version: string) => `https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/dynamo-crds-${version}.tgz`,
    grove: "oci://ghcr.io/ai-dynamo/grove/grove-charts",
    kaiScheduler: "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler",
} as const;

export const RUNTIME_IMAGES = {
    vllm: "nvcr.io/nvidia/ai-dynamo/vllm-runtime",
    sglang: "nvcr.io/nvidia/ai-dynamo/sglang-runtime",
    trtllm: "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime",
} as const;

// What each supported Dynamo release accepts, as data: the one table every
// target reads through the launch model. A release missing here is refused at
// preview (config rule `platform.version`), naming the ones that are here.
//
// Sources: each release's `ai-dynamo` wheel from PyPI (dynamo/<backend>/args.py,
// backend_args.py and the extras' pins in its METADATA).

export interface DynamoRelease {
    /** Release version: Helm chart version and runtime image tag. */
    version: string;
    /** The `ai-dynamo` package of the release on PyPI (some releases exist there only as a .post build). */
    pythonPackage: string;
    /** Engine package versions the release's `ai-dynamo[<backend>]` extras pin. */
    engines: { vllm: string; sglang: string; trtllm: string };
    /** Discovery component the TensorRT-LLM decode (or aggregated) worker registers under. */
    trtllmDecodeComponent: string;
    sglang: {
        /** Page size of the release's disaggregated examples; Dynamo takes it as its KV block size. */
        pageSize: number;
    };
    trtllm: {
        /** Flag that names the engine config file (cache_transceiver_config for disaggregation). */
        engineConfigFlag: string;
    };
    frontend: {
        /** Flag that makes KV-router replicas share their state. */
        routerReplicaSyncFlag: string;
    };
}

// Common to every supported release, checked in each release's wheel: workers take
// `--disaggregation-mode prefill|decode` (the `--is-*-worker` switches are deprecated
// in 1.2-1.3 and gone from dynamo.vllm in 1.5); a vLLM prefill worker refuses to start
// without `--kv-transfer-config` (there is no default connector); dynamo.trtllm never
// sets cache_transceiver_config itself; prefill workers register as `prefill`.
const common = {
    sglang: { pageSize: 16 },
    trtllm: { engineConfigFlag: "--extra-engine-args" },
    frontend: { routerReplicaSyncFlag: "--router-replica-sync" },
} as const;

const RELEASES: readonly DynamoRelease[] = [
    {
        version: "1.2.0",
        pythonPackage: "1.2.0.post1",
        engines: { vllm: "0.20.1", sglang: "0.5.11", trtllm: "1.3.0rc14" },
        trtllmDecodeComponent: "tensorrt_llm",
        ...common,
    },
    {
        version: "1.3.0",
        pythonPackage: "1.3.0.post1",
        engines: { vllm: "0.23.0", sglang: "0.5.14", trtllm: "1.3.0rc19" },
        trtllmDecodeComponent: "backend",
        ...common,
    },
    {
        version: "1.5.0",
        pythonPackage: "1.5.0",
        engines: { vllm: "0.28.0", sglang: "0.5.18", trtllm: "1.3.0rc25" },
        trtllmDecodeComponent: "backend",
        ...common,
    },
    {
        version: "1.6.1",
        pythonPackage: "1.6.1",
        engines: { vllm: "0.31.0", sglang: "0.5.21", trtllm: "1.3.0rc29" },
        trtllmDecodeComponent: "backend",
        ...common,
    },
];

/** The release every default names: platform chart, runtime image tag and the local `ai-dynamo`. */
export const DEFAULT_DYNAMO_VERSION = "1.6.1";

export const SUPPORTED_DYNAMO_VERSIONS: readonly string[] = RELEASES.map((r) => r.version);

/** The release's profile, or undefined when the version is not supported. */
export function findRelease(version: string): DynamoRelease | undefined {
    return RELEASES.find((r) => r.version === version);
}

/** The release's profile; throws for an unsupported version (config rules report it earlier, naming the field). */
export function releaseFor(version: string): DynamoRelease {
    const release = findRelease(version);
    if (!release) throw new Error(`Dynamo ${version} is not supported; supported: ${SUPPORTED_DYNAMO_VERSIONS.join(", ")}`);
    return release;
}

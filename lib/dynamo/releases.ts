// What each supported Dynamo release accepts, as data: the one table every
// target reads through the launch model. A release missing here is refused at
// preview (config rule `platform.version`), naming the ones that are here.
//
// Sources: the installed `ai-dynamo` sources (dynamo/<backend>/args.py and
// backend_args.py) for the newest release, and the release's own example
// graphs and chart in the reference data for older ones.

/** How a worker is told its disaggregation role. */
export type RoleFlagStyle =
    /** `--disaggregation-mode prefill|decode` (aggregated: no flag). */
    | "disaggregation-mode"
    /** `--is-prefill-worker` / `--is-decode-worker` switches (releases before the mode flag). */
    | "is-worker-switches";

export interface DynamoRelease {
    /** Release version: Helm chart version, runtime image tag and `ai-dynamo` version at once. */
    version: string;
    /** Engine package versions the release's `ai-dynamo[<backend>]` extra pins. */
    engines: { vllm: string; sglang: string; trtllm: string };
    vllm: {
        roleFlags: RoleFlagStyle;
        /** A prefill worker refuses to start without an explicit --kv-transfer-config. */
        prefillNeedsKvTransferConfig: boolean;
    };
    sglang: {
        /** Page size the release's disaggregated examples use (KV transfer works in pages). */
        pageSize: number;
    };
    trtllm: {
        /** Disaggregated workers need an engine config (cache_transceiver_config) passed with this flag. */
        engineConfigFlag: string;
    };
    mocker: {
        roleFlags: RoleFlagStyle;
    };
    frontend: {
        /** Flag that makes KV-router replicas share their state, or undefined when the release has none. */
        routerReplicaSyncFlag: string | undefined;
    };
}

const RELEASES: readonly DynamoRelease[] = [
    {
        version: "1.6.1",
        engines: { vllm: "0.31.0", sglang: "0.5.21", trtllm: "1.3.0rc29" },
        vllm: { roleFlags: "disaggregation-mode", prefillNeedsKvTransferConfig: true },
        sglang: { pageSize: 16 },
        trtllm: { engineConfigFlag: "--extra-engine-args" },
        mocker: { roleFlags: "disaggregation-mode" },
        frontend: { routerReplicaSyncFlag: "--router-replica-sync" },
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

// Which settings a cluster file may hold: what every benchmark on one cluster
// shares (its hardware, its scheduler and its access), never what describes
// one benchmark. A whitelist rather than "anything": a cluster file is shared
// by many stacks, so a per-benchmark value there (a model, a replica count, a
// load phase) would silently change every stack that names it, and a review of
// one benchmark's pull request would not show it.
import { SECRET_KEY_NAMES } from "./secrets";
import { benchmarkSpecSchema, kubernetesSchema } from "./schema";
import { slurmSectionSchema } from "./slurm";
import type { RuleViolation } from "./rules";

/** A whole section (`true`), or the listed keys of it. */
type Allowed = true | readonly string[];

/** The cluster-level settings; every other key is the stack's. docs/clusters.md explains each choice. */
export const CLUSTER_SETTINGS: Readonly<Record<string, Allowed>> = {
    /** What kind of cluster it is; a stack may still set `target: local` to rehearse. */
    target: true,
    gpusPerNode: true,
    /** Default runtime images come from the cluster's mirror. */
    imageRegistry: true,
    /** Environment every Dynamo process gets on this cluster (NCCL and UCX interfaces, proxies). */
    env: true,
    /** The platform install (chart, version, Grove, KAI, LeaderWorkerSet) is one per cluster. */
    platform: true,
    scheduling: true,
    network: true,
    /** A model cache volume the cluster's benchmarks share. */
    modelCache: true,
    kubernetes: ["kubeconfig", "context", "namespace", "createNamespace", "imagePullSecrets", "sharedMemory", "nodeSelector"],
    slurm: [
        "partition",
        "account",
        "qos",
        "gpuRequest",
        "exclusive",
        "container",
        "sbatchArgs",
        "srunArgs",
        "outputDir",
        "login",
        "discovery",
        "python",
        "workerPortBase",
        "maxPendingSeconds",
        "pollSeconds",
        "stopGraceSeconds",
        "timeLimitWarningSeconds",
    ],
};

/** Keys of the sections whose cluster-level keys are listed, as the schema knows them. */
const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
    kubernetes: Object.keys(kubernetesSchema.shape),
    slurm: Object.keys(slurmSectionSchema.shape),
};
const TOP_KEYS: readonly string[] = Object.keys(benchmarkSpecSchema.shape);

/** Cluster-level settings as dotted names, for messages and the docs. */
export function clusterSettingNames(): string[] {
    return Object.entries(CLUSTER_SETTINGS).flatMap(([key, allowed]) => (allowed === true ? [key] : allowed.map((k) => `${key}.${k}`)));
}

/**
 * The keys of a cluster file that do not belong there: secrets, per-benchmark
 * settings and unknown names. Values are left to the schema, which checks the
 * merged configuration; the caller names the file in every message.
 */
export function checkClusterKeys(values: Record<string, unknown>): RuleViolation[] {
    const violations: RuleViolation[] = [];
    for (const [key, value] of Object.entries(values)) {
        const allowed = CLUSTER_SETTINGS[key];
        if (allowed === undefined) violations.push({ path: key, message: whyNot(key, TOP_KEYS) });
        else if (allowed !== true && isRecord(value)) {
            for (const sub of Object.keys(value)) {
                if (!allowed.includes(sub)) violations.push({ path: `${key}.${sub}`, message: whyNot(sub, SECTION_KEYS[key] ?? [], key) });
            }
        }
    }
    return violations;
}

function whyNot(key: string, known: readonly string[], section?: string): string {
    const full = section ? `${section}.${key}` : key;
    if (!section && SECRET_KEY_NAMES.includes(key)) {
        return (
            `is a secret and must never sit in a cluster file (it is committed in plain text and shared by every stack that names it); ` +
            `remove it, rotate the value that was written here, and set it per stack with \`pulumi config set --secret ${key} <value>\``
        );
    }
    if (!section && key === "cluster") return "cluster files cannot name another cluster file; put the settings in this one";
    if (!section && key.includes(":"))
        return `is not a known setting: a cluster file holds settings without the project prefix (gpusPerNode: 8, not dynamo-bench:gpusPerNode: 8)`;
    if (!known.includes(key)) return "is not a known setting; check its spelling against the README's configuration reference";
    return (
        `is a per-benchmark setting, not a cluster one: set it in the stack file (dynamo-bench:${full}). ` +
        `A cluster file holds only ${clusterSettingNames().join(", ")}`
    );
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

// The DynamoGraphDeployment (nvidia.com/v1alpha1, served by every 0.x-1.3
// operator) for a BenchmarkSpec: a frontend plus decode (and, disaggregated,
// prefill) workers with a clean argv per backend.
import type { BenchmarkSpec, ResolvedWorker } from "../../config/resolve";
import { HF_TOKEN_ENV } from "../../config/secrets";
import type { WorkerRole } from "../dynamo";
import { boundedSetupArgv } from "../dynamo/setup";
import { carriesCacheTier } from "../dynamo/workers/kv-cache";
import { ENGINE_CONFIG_MOUNT, k8sFrontendProcess, k8sKvCache, k8sWorkerProcess } from "./launch";
import { SERVICE_KEYS, WORKER_POD_LABEL, k8sNames } from "./names";
import { groveEnabled, kaiQueueName } from "./scheduling";

export type { WorkerRole };

export const GRAPH_API_VERSION = "nvidia.com/v1alpha1";
export const GRAPH_KIND = "DynamoGraphDeployment";

export const ANNOTATIONS = {
    enableGrove: "nvidia.com/enable-grove",
    kaiQueue: "nvidia.com/kai-scheduler-queue",
    cniNetworks: "k8s.v1.cni.cncf.io/networks",
    /**
     * The provider does not wait on the graph: the program's own wait
     * (`dynamo-bench k8s-wait-graph`, lib/kubernetes/graph-wait.ts) does, and
     * says why when the graph never becomes Ready.
     */
    pulumiSkipAwait: "pulumi.com/skipAwait",
} as const;

/** Folder inside the model cache where HuggingFace keeps downloads. */
export const HF_HOME_SUBDIR = "hf";

export interface ContainerCommand {
    command: string[];
    args: string[];
    workingDir?: string;
}

/** A worker pod's container command, from the launch model. */
export function workerCommand(spec: BenchmarkSpec, role: WorkerRole): ContainerCommand {
    const p = k8sWorkerProcess(spec, role);
    return { command: p.program, args: p.args };
}

export function frontendCommand(spec: BenchmarkSpec): ContainerCommand {
    const p = k8sFrontendProcess(spec);
    return { command: p.program, args: p.args };
}

export interface EnvVar {
    name: string;
    value: string;
}

export const toEnvList = (env: Record<string, string>): EnvVar[] => Object.entries(env).map(([name, value]) => ({ name, value }));

/** HF_HOME inside the model cache, when one is mounted. */
export function hfHome(spec: Pick<BenchmarkSpec, "modelCache">): string | undefined {
    return spec.modelCache ? `${spec.modelCache.mountPath.replace(/\/+$/, "")}/${HF_HOME_SUBDIR}` : undefined;
}

export interface GraphOptions {
    /**
     * The Secret every service reads its secret environment from (envFromSecret: each key becomes a variable),
     * when hfToken or secretEnv is set: HF_TOKEN and the secretEnv entries (envSecretMetadata).
     */
    envSecret?: string;
}

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> };

/** The benchmark's labels on everything it creates. */
export function commonLabels(spec: Pick<BenchmarkSpec, "name">): Record<string, string> {
    return { "app.kubernetes.io/name": "dynamo-bench", "app.kubernetes.io/instance": spec.name };
}

export function graphAnnotations(spec: BenchmarkSpec): Record<string, string> {
    const queue = kaiQueueName(spec);
    return {
        [ANNOTATIONS.pulumiSkipAwait]: "true",
        [ANNOTATIONS.enableGrove]: String(groveEnabled(spec)),
        ...(queue ? { [ANNOTATIONS.kaiQueue]: queue } : {}),
    };
}

/** `ns/name` list Multus reads from a pod annotation. */
export function cniNetworksAnnotation(spec: Pick<BenchmarkSpec, "network">): string {
    return spec.network.cniNetworks.map((n) => (n.namespace ? `${n.namespace}/${n.name}` : n.name)).join(",");
}

/** NIC extended resources the CNI networks need, per worker pod. */
export function nicResources(spec: Pick<BenchmarkSpec, "network">): Record<string, string> {
    const out: Record<string, number> = {};
    for (const n of spec.network.cniNetworks) {
        if (n.resource) out[n.resource] = (out[n.resource] ?? 0) + n.count;
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, String(v)]));
}

function podSpecCommon(spec: BenchmarkSpec): Record<string, unknown> {
    const k = spec.kubernetes;
    return {
        ...(k.imagePullSecrets.length > 0 ? { imagePullSecrets: k.imagePullSecrets.map((name) => ({ name })) } : {}),
        ...(Object.keys(k.nodeSelector).length > 0 ? { nodeSelector: k.nodeSelector } : {}),
    };
}

function volumeMounts(spec: BenchmarkSpec): Record<string, unknown> {
    return spec.modelCache ? { volumeMounts: [{ name: spec.modelCache.pvcName, mountPoint: spec.modelCache.mountPath }] } : {};
}

function secretRef(opts: GraphOptions): Record<string, unknown> {
    return opts.envSecret ? { envFromSecret: opts.envSecret } : {};
}

function frontendService(spec: BenchmarkSpec, opts: GraphOptions): Record<string, unknown> {
    const cmd = frontendCommand(spec);
    return {
        componentType: "frontend",
        replicas: spec.frontend.replicas,
        ...secretRef(opts),
        ...(Object.keys(spec.frontend.env).length > 0 ? { envs: toEnvList(spec.frontend.env) } : {}),
        ...volumeMounts(spec),
        extraPodSpec: {
            ...podSpecCommon(spec),
            ...setupInitContainers(spec, spec.image),
            mainContainer: { image: spec.image, command: cmd.command, args: cmd.args },
        },
    };
}

/** Every file the graph's workers read at start-up (TensorRT-LLM engine configs), by file name. */
export function engineConfigFiles(spec: BenchmarkSpec): Record<string, string> {
    const roles: WorkerRole[] = spec.prefill ? ["prefill", "decode"] : ["aggregated"];
    return Object.fromEntries(roles.flatMap((role) => k8sWorkerProcess(spec, role).files.map((f) => [f.name, f.content])));
}

/** The ConfigMap the engine-config files come from, when the graph has any. */
export function buildEngineConfigMap(spec: BenchmarkSpec): Manifest | undefined {
    const data = engineConfigFiles(spec);
    if (Object.keys(data).length === 0) return undefined;
    const name = k8sNames(spec.name, spec.kubernetes.namespace).engineConfigMap;
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: spec.kubernetes.namespace, labels: commonLabels(spec) }, data };
}

/** The start-up commands (setup) as an init container of a graph pod: it runs to completion, bounded, before the main container. */
function setupInitContainers(spec: BenchmarkSpec, image: string): { initContainers?: unknown[] } {
    const command = boundedSetupArgv(spec.setup);
    if (!command) return {};
    const env = toEnvList(spec.env);
    return { initContainers: [{ name: "setup", image, command, ...(env.length > 0 ? { env } : {}) }] };
}

/** Volume and mount of the engine-config ConfigMap in a worker pod that reads one. */
function engineConfigVolume(spec: BenchmarkSpec, hasFiles: boolean): { volumes?: unknown[]; volumeMounts?: unknown[] } {
    if (!hasFiles) return {};
    const name = "engine-config";
    return {
        volumes: [{ name, configMap: { name: k8sNames(spec.name, spec.kubernetes.namespace).engineConfigMap } }],
        volumeMounts: [{ name, mountPath: ENGINE_CONFIG_MOUNT, readOnly: true }],
    };
}

/** Room on top of the disk tier's size before the kubelet evicts the pod: the files' and the filesystem's own rounding. */
export const KVBM_DISK_MARGIN_GB = 1;

/** The emptyDir's size limit: KVBM keeps at most diskCacheGb x 10^9 bytes of blocks (its GB is decimal, as Kubernetes' G), plus the margin. */
export function kvbmDiskSizeLimit(diskCacheGb: number): string {
    return `${Number((diskCacheGb + KVBM_DISK_MARGIN_GB).toFixed(3))}G`;
}

/**
 * KVBM's disk tier as a volume of the worker pods that carry the cache tier,
 * mounted at its folder (DYN_KVBM_DISK_CACHE_DIR): without one, KVBM writes
 * its blocks into the container's writable layer. An emptyDir on the node's
 * disk (not memory-backed: the disk tier is meant to be larger than memory),
 * bounded by the tier's size; it lives as long as the pod, like the cache.
 */
export function kvbmDiskVolume(spec: Pick<BenchmarkSpec, "kvCache">, role: WorkerRole): { volumes?: unknown[]; volumeMounts?: unknown[] } {
    const kv = k8sKvCache(spec);
    const kvbm = kv?.kvbm;
    if (kv?.connector !== "kvbm" || kvbm?.diskCacheGb === undefined || kvbm.diskCacheDir === undefined || !carriesCacheTier(role)) return {};
    const name = "kvbm-disk-cache";
    return {
        volumes: [{ name, emptyDir: { sizeLimit: kvbmDiskSizeLimit(kvbm.diskCacheGb) } }],
        volumeMounts: [{ name, mountPath: kvbm.diskCacheDir }],
    };
}

function workerService(spec: BenchmarkSpec, role: WorkerRole, worker: ResolvedWorker, opts: GraphOptions): Record<string, unknown> {
    const launched = k8sWorkerProcess(spec, role);
    const cmd = { command: launched.program, args: launched.args };
    const config = engineConfigVolume(spec, launched.files.length > 0);
    const disk = kvbmDiskVolume(spec, role);
    const files = {
        volumes: [...(config.volumes ?? []), ...(disk.volumes ?? [])],
        volumeMounts: [...(config.volumeMounts ?? []), ...(disk.volumeMounts ?? [])],
    };
    // The operator sets namespace and planes; what the launch itself adds (connector settings, their ports) goes with the user's env.
    const env = { ...launched.launchEnv, ...worker.env };
    const nics = nicResources(spec);
    const hasNics = Object.keys(nics).length > 0;
    const network = spec.network.mode;
    return {
        componentType: "worker",
        ...(role === "aggregated" ? {} : { subComponentType: role }),
        replicas: worker.replicas,
        ...(worker.nodesPerWorker > 1 ? { multinode: { nodeCount: worker.nodesPerWorker } } : {}),
        ...secretRef(opts),
        ...(Object.keys(env).length > 0 ? { envs: toEnvList(env) } : {}),
        ...volumeMounts(spec),
        sharedMemory: { size: spec.kubernetes.sharedMemory },
        resources: {
            limits: { gpu: String(worker.gpusPerNodeOfWorker), ...(hasNics ? { custom: nics } : {}) },
            ...(hasNics ? { requests: { custom: nics } } : {}),
        },
        extraPodMetadata: {
            // The worker-metrics Service (worker-metrics.ts) selects the graph's workers by this label.
            labels: { [WORKER_POD_LABEL.key]: WORKER_POD_LABEL.value },
            ...(network === "cni" ? { annotations: { [ANNOTATIONS.cniNetworks]: cniNetworksAnnotation(spec) } } : {}),
        },
        extraPodSpec: {
            ...podSpecCommon(spec),
            ...(network === "hostNetwork" ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
            ...(files.volumes.length > 0 ? { volumes: files.volumes } : {}),
            ...setupInitContainers(spec, worker.image),
            mainContainer: {
                image: worker.image,
                command: cmd.command,
                args: cmd.args,
                ...(files.volumeMounts.length > 0 ? { volumeMounts: files.volumeMounts } : {}),
            },
        },
    };
}

/** The graph, named after the benchmark (never after the namespace, so several graphs can share one). */
export function buildGraphDeployment(spec: BenchmarkSpec, opts: GraphOptions = {}): Manifest {
    const names = k8sNames(spec.name, spec.kubernetes.namespace);
    const home = hfHome(spec);
    const envs = toEnvList({ ...spec.env, ...(home ? { HF_HOME: home } : {}) });
    const services: Record<string, unknown> = { [SERVICE_KEYS.frontend]: frontendService(spec, opts) };
    if (spec.prefill) {
        services[SERVICE_KEYS.decode] = workerService(spec, "decode", spec.decode, opts);
        services[SERVICE_KEYS.prefill] = workerService(spec, "prefill", spec.prefill, opts);
    } else {
        services[SERVICE_KEYS.aggregated] = workerService(spec, "aggregated", spec.decode, opts);
    }
    return {
        apiVersion: GRAPH_API_VERSION,
        kind: GRAPH_KIND,
        metadata: {
            name: names.graph,
            namespace: spec.kubernetes.namespace,
            labels: commonLabels(spec),
            annotations: graphAnnotations(spec),
        },
        spec: {
            backendFramework: spec.backend,
            ...(envs.length > 0 ? { envs } : {}),
            ...(spec.modelCache ? { pvcs: [{ name: spec.modelCache.pvcName, create: false }] } : {}),
            services,
        },
    };
}

/** The model-cache PVC, when this stack creates it (otherwise an existing claim is mounted). */
export function buildModelCachePvc(spec: BenchmarkSpec): Manifest | undefined {
    const cache = spec.modelCache;
    if (!cache?.create) return undefined;
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            name: cache.pvcName,
            namespace: spec.kubernetes.namespace,
            labels: commonLabels(spec),
            // WaitForFirstConsumer classes bind only once a pod uses the claim, which is after the graph exists.
            annotations: { [ANNOTATIONS.pulumiSkipAwait]: "true" },
        },
        spec: {
            accessModes: [cache.accessMode],
            ...(cache.storageClass ? { storageClassName: cache.storageClass } : {}),
            resources: { requests: { storage: cache.size } },
        },
    };
}

/** The secret environment's Secret without its data: the component adds HF_TOKEN and the secretEnv entries as a Pulumi secret. */
export function envSecretMetadata(spec: BenchmarkSpec): { name: string; namespace: string; labels: Record<string, string> } {
    return { name: k8sNames(spec.name, spec.kubernetes.namespace).envSecret, namespace: spec.kubernetes.namespace, labels: commonLabels(spec) };
}

export const HF_TOKEN_KEY = HF_TOKEN_ENV;

/** The Secret's data: HF_TOKEN (when set) and every secretEnv entry; the config rules keep the names apart. */
export function envSecretData(hfToken: string | undefined, secretEnv: Record<string, string> | undefined): Record<string, string> {
    return { ...(secretEnv ?? {}), ...(hfToken ? { [HF_TOKEN_KEY]: hfToken } : {}) };
}

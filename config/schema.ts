// The one configuration model shared by every target. Stack config is parsed
// into a BenchmarkSpec here and nowhere else; components receive typed values.
import { z } from "zod";
import { DEFAULT_VERSIONS } from "./versions";
import { gatesSchema, goodputSchema } from "./gates";
import { mockerSchema } from "./mocker";
import { betweenPhasesSchema } from "./between-phases";
import { accuracySchema } from "./accuracy";
import { kvCacheSchema } from "./kv-cache";
import { wideEpSchema } from "./wide-ep";
import { setupSchema } from "./setup";

/** DNS-1123 label: what Kubernetes accepts for names derived from it. */
const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a DNS-1123 label (lowercase letters, digits and '-')")
    .max(40, "expected at most 40 characters, so derived resource names stay under 63");

const positiveInt = z.number().int().min(1);
const argv = z.array(z.string()).default([]);
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"), z.string()).default({});
/**
 * A container image reference: one word. It is the fallback of every more specific image
 * (a worker's, the benchmark Job's, Slurm pyxis' --container-image, which splits on commas),
 * so the one rule holds wherever it lands.
 */
export const imageRef = z
    .string()
    .min(1)
    .regex(/^[^\s,\0]+$/, "expected an image reference such as nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.6.1, without spaces or commas");
/**
 * Kubernetes label keys and values (what nodeSelector matches): an optional DNS-subdomain
 * prefix and '/', then a name of at most 63 letters, digits, '-', '_' or '.'; the API server
 * refuses anything else when the pods are created, long after preview.
 */
const labelName = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const labelKey = z
    .string()
    .regex(
        new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${labelName}$`),
        "expected a label key such as nvidia.com/gpu.product (optional DNS prefix and '/', then at most 63 letters, digits, '-', '_', '.')",
    )
    .refine((k) => !k.includes("/") || k.indexOf("/") <= 253, "expected a label key prefix of at most 253 characters");
const labelValue = z.string().regex(new RegExp(`^(${labelName})?$`), "expected a label value (at most 63 letters, digits, '-', '_', '.')");
/** Seconds a timer can wait: Node.js timers hold at most 2^31-1 ms (24.8 days) and fire at once beyond. */
const timeoutSeconds = positiveInt.max(2_147_483, "expected at most 2147483 seconds (24.8 days, the longest wait a timer holds)");

/** Kubernetes quantity such as "16Gi" or "500m". */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?([EPTGMK]i?|[mkMGTPE])?$/, "expected a Kubernetes quantity such as 16Gi");

export const targets = ["local", "kubernetes", "slurm"] as const;
export const backends = ["vllm", "sglang", "trtllm"] as const;
export const routerModes = ["round-robin", "random", "power-of-two", "kv", "direct", "least-loaded"] as const;

export const modelSchema = z.strictObject({
    /** A HuggingFace id ("Qwen/Qwen3-0.6B") or an absolute path to a local model folder. */
    id: z.string().min(1),
    /** Name clients send as `model`; defaults to the id. */
    servedName: z.string().min(1).optional(),
});

/**
 * Upper bounds on counts of processes, nodes and GPUs: far above any cluster's, low enough
 * that a typo (replicas: 2000000000) is named here instead of every target planning that many
 * processes until the program runs out of memory.
 */
const MAX_COUNT = 4096;
const count = (min: number) => z.number().int().min(min).max(MAX_COUNT);

export const workerSchema = z.strictObject({
    replicas: count(0).default(1),
    /** Nodes one worker spans (multinode tensor/pipeline parallelism). */
    nodesPerWorker: count(1).default(1),
    tensorParallel: count(1).default(1),
    pipelineParallel: count(1).default(1),
    dataParallel: count(1).default(1),
    /** Extra engine arguments, one argv element each ("--max-model-len", "8192"). */
    extraArgs: argv,
    env: envMap,
    /** Overrides the runtime image for this role. */
    image: imageRef.optional(),
    /** SGLang wide expert parallelism with data-parallel attention (config/wide-ep.ts). */
    wideEp: wideEpSchema.optional(),
});

export const frontendSchema = z.strictObject({
    routerMode: z.enum(routerModes).default("round-robin"),
    /** HTTP port. Kubernetes and Slurm default to 8000; local picks a free port unless set. */
    port: z.number().int().min(1024).max(65535).optional(),
    replicas: count(1).default(1),
    extraArgs: argv,
    env: envMap,
});

const chartSourceSchema = z.strictObject({
    /** Chart reference: an https .tgz URL, an oci:// reference, a chart name in `repo`, or a local path. */
    chart: z.string().min(1).optional(),
    repo: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    values: z.record(z.string(), z.unknown()).default({}),
});

/** How Grove or KAI get onto the cluster: not at all, through the platform chart, or as their own release. */
const addonSchema = z.strictObject({
    install: z.enum(["none", "bundled", "separate"]).default("bundled"),
    source: chartSourceSchema.prefault({}),
});

export const platformSchema = z.strictObject({
    /** false: use a platform another stack (or a human) installed. */
    install: z.boolean().default(true),
    version: z
        .string()
        .regex(/^[0-9]+\.[0-9]+\.[0-9]+([.-][0-9A-Za-z.]+)?$/, `expected a release version such as ${DEFAULT_VERSIONS.dynamoPlatform}`)
        .default(DEFAULT_VERSIONS.dynamoPlatform),
    namespace: dnsLabel.default("dynamo-system"),
    releaseName: dnsLabel.default("dynamo-platform"),
    chart: chartSourceSchema.prefault({}),
    /** Only for 0.x, which ships the CRDs as a chart of their own. */
    crdsChart: chartSourceSchema.prefault({}),
    grove: addonSchema.prefault({}),
    kaiScheduler: addonSchema.prefault({}),
    /**
     * LeaderWorkerSet, the operator's other way to run multinode workers (used when
     * the graph does not use Grove): bundled by the 1.x platform chart (`global.lws.install`),
     * already on the cluster (`external`: `global.lws.enabled`), or not used.
     */
    lws: z.strictObject({ install: z.enum(["none", "bundled", "external"]).default("none") }).prefault({}),
    timeoutSeconds: positiveInt.default(900),
});

export const schedulingSchema = z.strictObject({
    /** Graph pods through Grove (gang scheduling, multinode). */
    grove: z.boolean().default(true),
    /**
     * KAI queue for the graph. Unset: this stack creates "<name>-queue" (and its parent
     * "<name>-queue-parent") and deletes them on destroy. A name: an existing queue,
     * used as is. null: no KAI annotation.
     */
    kaiQueue: dnsLabel.nullable().optional(),
    /**
     * Create the queue in this stack. Default: true without kaiQueue, false with one.
     * A created queue must carry this stack's own name ("<name>-queue"); false without
     * kaiQueue uses the operator's default queue "dynamo".
     */
    createQueue: z.boolean().optional(),
});

export const networkSchema = z.strictObject({
    mode: z.enum(["pod", "hostNetwork", "cni"]).default("pod"),
    /** CNI networks (NetworkAttachmentDefinitions) attached to worker pods, with the NIC resource each needs. */
    cniNetworks: z
        .array(
            z.strictObject({
                name: dnsLabel,
                namespace: dnsLabel.optional(),
                /** Extended resource of the NIC, e.g. nvidia.com/rdma_ib0. */
                resource: z
                    .string()
                    .regex(/^[a-z0-9.-]+\/[A-Za-z0-9_.-]+$/, "expected an extended resource name such as nvidia.com/rdma_ib0")
                    .optional(),
                count: positiveInt.default(1),
            }),
        )
        .default([]),
});

export const modelCacheSchema = z.strictObject({
    pvcName: dnsLabel,
    /** Create the PVC with the graph (needs size and storageClass), or use an existing one. */
    create: z.boolean().default(false),
    size: quantity.optional(),
    storageClass: z.string().min(1).optional(),
    accessMode: z.enum(["ReadWriteMany", "ReadWriteOnce", "ReadOnlyMany"]).default("ReadWriteMany"),
    mountPath: z.string().regex(/^\//, "expected an absolute path").default("/models"),
});

/** Requests per second; fractions allowed (0.5 = one request every 2 s). */
const requestRate = z.number().positive();

const phaseOverrides = {
    concurrency: positiveInt.optional(),
    /** Open-loop load: the client sends this many requests per second instead of holding a concurrency. */
    requestRate: requestRate.optional(),
    requestCount: positiveInt.optional(),
    warmupRequests: z.number().int().min(0).optional(),
    inputTokens: positiveInt.optional(),
    outputTokens: positiveInt.optional(),
    /** Streamed responses (a time to first token) or whole ones; CloudAI's phases switch it per phase. */
    streaming: z.boolean().optional(),
    extraArgs: z.array(z.string()).optional(),
};

export const phaseSchema = z.strictObject({
    name: dnsLabel,
    /** Score the model with AIPerf's accuracy mode in this phase (config/accuracy.ts). */
    accuracy: accuracySchema.optional(),
    ...phaseOverrides,
});

export const benchmarkSchema = z.strictObject({
    tool: z.enum(["aiperf", "genai-perf"]).default("aiperf"),
    /** Image of the benchmark Job on Kubernetes; the runtime image carries AIPerf by default. */
    image: imageRef.optional(),
    endpointType: z.enum(["chat", "completions"]).default("chat"),
    streaming: z.boolean().default(true),
    inputTokens: positiveInt.default(128),
    inputTokensStddev: z.number().min(0).default(0),
    outputTokens: positiveInt.default(64),
    outputTokensStddev: z.number().min(0).default(0),
    /** A list runs one load phase per value, named c<value> (docs/sweeps.md). */
    concurrency: z.union([positiveInt, z.array(positiveInt).min(1)]).default(1),
    /** Requests per second instead of a concurrency; a list runs one phase per value, named r<value>. */
    requestRate: z.union([requestRate, z.array(requestRate).min(1)]).optional(),
    requestCount: positiveInt.default(40),
    warmupRequests: z.number().int().min(0).default(0),
    /**
     * AIPerf's scraping of the frontend's Prometheus metrics during each phase.
     * "auto": off on the local target (it costs start-up and export time and
     * skews TTFT on a small machine), on for clusters (lib/benchmark/load-argv.ts).
     */
    serverMetrics: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    /** Runs of every phase; the outputs give their mean and spread, and a regression must exceed the spread (docs/gates.md). */
    repeats: positiveInt.default(1),
    /** Per-request limits (ms) for the client's goodput (config/gates.ts). */
    goodput: goodputSchema.optional(),
    extraArgs: argv,
    /** Named runs that override the base values above; none means one run named "main". */
    phases: z.array(phaseSchema).default([]),
    /** A command and a health check between phases (config/between-phases.ts). */
    betweenPhases: betweenPhasesSchema.prefault({}),
});

export const timeoutsSchema = z.strictObject({
    /** From submit until every worker serves the model. */
    readySeconds: timeoutSeconds.default(1800),
    /** All benchmark phases together. */
    benchmarkSeconds: timeoutSeconds.default(3600),
    /**
     * A phase with requests in flight and none completed for this long is
     * stopped and reported as stalled (a hung worker), instead of waiting out
     * benchmarkSeconds. Must be below benchmarkSeconds. Unset: derived from the
     * load (config/stall.ts), within 60-1800 s.
     */
    stallSeconds: timeoutSeconds.optional(),
    /**
     * Kubernetes: how long `pulumi destroy` waits for each object to be gone (a
     * finalizer nobody removes, a namespace whose contents cannot go) before it
     * fails naming the object; the provider's own default is 10 minutes.
     */
    deleteSeconds: timeoutSeconds.default(300),
});

export const kubernetesSchema = z.strictObject({
    namespace: dnsLabel.default("dynamo-bench"),
    createNamespace: z.boolean().default(true),
    /** Path of a kubeconfig; the ambient one when unset. */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    /** Write manifests to this folder instead of applying them (review, or offline runs). */
    renderYamlToDirectory: z.string().min(1).optional(),
    imagePullSecrets: z.array(dnsLabel).default([]),
    sharedMemory: quantity.default("16Gi"),
    /** Node labels every graph and Job pod must match. */
    nodeSelector: z.record(labelKey, labelValue).default({}),
});

export const localSchema = z.strictObject({
    /** Python virtual environment with ai-dynamo and aiperf; the project's own when unset. */
    venv: z.string().min(1).optional(),
    /** Mocker speedup: 1 simulates real timing, larger is faster, 0 removes simulated delay. */
    speedupRatio: z.number().min(0).default(10),
    /** Folder for logs and exports of each run; a folder under the project's cache when unset. */
    runDir: z.string().min(1).optional(),
    /** The mocker's engine knobs (config/mocker.ts). */
    mocker: mockerSchema.prefault({}),
});

import { slurmSchema } from "./slurm";

export const benchmarkSpecSchema = z.strictObject({
    target: z.enum(targets).default("local"),
    /** Benchmark name; graph, Job and Slurm job names derive from it. Defaults to the stack name. */
    name: dnsLabel.optional(),
    model: modelSchema,
    backend: z.enum(backends).default("vllm"),
    /** Runtime image of frontend and workers; defaults to nvcr.io/nvidia/ai-dynamo/<backend>-runtime:<platform.version>. */
    image: imageRef.optional(),
    /** Registry (and path) the default runtime images come from instead of nvcr.io/nvidia/ai-dynamo: a mirror the cluster pulls from. */
    imageRegistry: z
        .string()
        .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, "expected a registry and path such as registry.example.org/ai-dynamo, without a trailing '/'")
        .optional(),
    gpusPerNode: count(1).default(8),
    frontend: frontendSchema.prefault({}),
    /** Aggregated: decode workers serve prefill too, and prefill must have no replicas. */
    mode: z.enum(["disaggregated", "aggregated"]).default("disaggregated"),
    prefill: workerSchema.prefault({}),
    decode: workerSchema.prefault({}),
    env: envMap,
    /** KV-cache connector and its settings (config/kv-cache.ts). */
    kvCache: kvCacheSchema.prefault({}),
    /** Start-up commands before any Dynamo process (config/setup.ts). */
    setup: setupSchema.prefault({}),
    platform: platformSchema.prefault({}),
    scheduling: schedulingSchema.prefault({}),
    network: networkSchema.prefault({}),
    modelCache: modelCacheSchema.optional(),
    benchmark: benchmarkSchema.prefault({}),
    timeouts: timeoutsSchema.prefault({}),
    kubernetes: kubernetesSchema.prefault({}),
    local: localSchema.prefault({}),
    slurm: slurmSchema,
    /** Validity, SLO and regression gates on the figures (docs/gates.md); judged after the run, not part of what runs. */
    gates: gatesSchema.prefault({}),
});

export type BenchmarkSpecInput = z.input<typeof benchmarkSpecSchema>;
export type ParsedSpec = z.output<typeof benchmarkSpecSchema>;
export type WorkerSpec = z.output<typeof workerSchema>;
export type FrontendSpec = z.output<typeof frontendSchema>;
export type PlatformSpec = z.output<typeof platformSchema>;
export type SchedulingSpec = z.output<typeof schedulingSchema>;
export type NetworkSpec = z.output<typeof networkSchema>;
export type ModelCacheSpec = z.output<typeof modelCacheSchema>;
export type BenchmarkToolSpec = z.output<typeof benchmarkSchema>;
export type PhaseSpec = z.output<typeof phaseSchema>;
export type KubernetesSpec = z.output<typeof kubernetesSchema>;
export type LocalSpec = z.output<typeof localSchema>;
export type Target = (typeof targets)[number];
export type Backend = (typeof backends)[number];

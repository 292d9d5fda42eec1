// The benchmark Job: a static script (scripts/k8s/run-benchmark.sh) mounted
// from a ConfigMap, driven by a JSON plan whose phases carry complete argv
// arrays. Nothing here builds shell text.
import { createHash } from "node:crypto";
import { betweenPhasesEnv, betweenPhasesGapEnv } from "../benchmark/between-phases";
import { loadArgv, serverMetricsOn } from "../benchmark/load-argv";
import { oneTokenProbe } from "../benchmark/probe";
import type { BenchmarkSpec, ResolvedPhase } from "../../config/resolve";
import { ANNOTATIONS, HF_TOKEN_KEY, commonLabels, hfHome, type Manifest } from "./graph";
import { FRONTEND_SERVICE_PORT, k8sNames } from "./names";
import { progressMetricsOf } from "../dynamo/progress-metrics";
import { scrapeIntervalSeconds } from "../watchdog/stall";
import { workerMetricsInsertAt, workerMetricsPlan, type WorkerMetricsPlan } from "./worker-metrics";

export const SCRIPT_FILE = "run-benchmark.sh";
export const PLAN_FILE = "plan.json";
export const SCRIPT_MOUNT = "/opt/dynamo-bench";
export const RESULTS_DIR = "/results";
/** Finished Jobs stay a day, so logs can be collected (again) before Kubernetes deletes them. */
export const JOB_TTL_SECONDS = 86400;
/** Pod-template annotation with a digest of everything the run depends on; a change replaces the Job. */
export const INPUTS_DIGEST_ANNOTATION = "dynamo-bench.nvidia.com/inputs-sha256";

export interface PhasePlan {
    name: string;
    artifactDir: string;
    argv: string[];
    /** Index in argv where `workerMetrics.flag URL...` goes once the workers are resolved; absent: nothing added. */
    workerMetricsAt?: number;
}

/** benchmark.betweenPhases as the Job runs it: after phase i (but the last) gaps[i]'s command, then the probe. */
export interface BetweenPhasesPlan {
    /** One per gap; an empty argv when there is no command (the health check alone). */
    gaps: Array<{ argv: string[]; env: string[] }>;
    healthCheck: boolean;
    timeoutSeconds: number;
    probeUrl: string;
    /** JSON text of the one-token request. */
    probeBody: string;
}

export interface BenchmarkPlan {
    tool: "aiperf" | "genai-perf";
    modelsUrl: string;
    model: string;
    modelWaitSeconds: number;
    /** The stall watchdog (scripts/stall-watch.sh): the frontend's counters, its bound and scrape interval. */
    stall: { seconds: number; pollSeconds: number; metricsUrl: string; completedMetric: string; startedMetric: string };
    phases: PhasePlan[];
    betweenPhases: BetweenPhasesPlan;
    /** Every worker's system-port metrics for AIPerf (worker-metrics.ts); absent when server metrics are off or the tool is genai-perf. */
    workerMetrics?: WorkerMetricsPlan;
}

type ToolInputs = Pick<BenchmarkSpec, "benchmark" | "model" | "servedModelName" | "timeouts">;

/** One run of the benchmark tool for one phase, as argv. */
export function toolArgv(spec: ToolInputs, phase: ResolvedPhase, host: string, port: number, artifactDir: string): string[] {
    return loadArgv({
        tool: spec.benchmark.tool,
        servedModelName: spec.servedModelName,
        url: `http://${host}:${port}`,
        endpointType: spec.benchmark.endpointType,
        phase,
        tokenizer: spec.model.id,
        artifactDir,
        requestTimeoutSeconds: spec.timeouts.benchmarkSeconds,
        serverMetrics: serverMetricsOn(spec.benchmark.serverMetrics, "kubernetes"),
    });
}

export function buildBenchmarkPlan(spec: BenchmarkSpec): BenchmarkPlan {
    const host = k8sNames(spec.name, spec.kubernetes.namespace).frontendHost;
    const port = FRONTEND_SERVICE_PORT;
    const metrics = progressMetricsOf(spec);
    const workerMetrics = workerMetricsPlan(spec);
    return {
        tool: spec.benchmark.tool,
        modelsUrl: `http://${host}:${port}/v1/models`,
        model: spec.servedModelName,
        // The graph is Ready before the Job starts; workers still need to register the model.
        modelWaitSeconds: Math.min(spec.timeouts.readySeconds, spec.timeouts.benchmarkSeconds, 900),
        stall: {
            seconds: spec.timeouts.stallSeconds,
            pollSeconds: scrapeIntervalSeconds(spec.timeouts.stallSeconds),
            metricsUrl: `http://${host}:${port}${metrics.path}`,
            completedMetric: metrics.completed,
            startedMetric: metrics.started,
        },
        phases: spec.phases.map((phase) => {
            const artifactDir = `${RESULTS_DIR}/${phase.name}`;
            const argv = toolArgv(spec, phase, host, port, artifactDir);
            const at = workerMetrics ? workerMetricsInsertAt(argv, phase) : undefined;
            return { name: phase.name, artifactDir, argv, ...(at === undefined ? {} : { workerMetricsAt: at }) };
        }),
        betweenPhases: betweenPhasesPlan(spec, `http://${host}:${port}`),
        ...(workerMetrics ? { workerMetrics } : {}),
    };
}

/** The command gets what it gets on every target (lib/benchmark/between-phases.ts); the results folder is the run folder. */
function betweenPhasesPlan(spec: BenchmarkSpec, frontendUrl: string): BetweenPhasesPlan {
    const b = spec.benchmark.betweenPhases;
    const probe = oneTokenProbe(spec.benchmark.endpointType, spec.servedModelName);
    const place = betweenPhasesEnv({ frontendUrl, runDir: RESULTS_DIR });
    const items = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return {
        gaps: spec.phases.slice(0, -1).map((phase, i) => ({
            argv: b.command ?? [],
            env: b.command ? items({ ...place, ...betweenPhasesGapEnv(phase.name, spec.phases[i + 1]!.name) }) : [],
        })),
        healthCheck: b.healthCheck,
        timeoutSeconds: b.timeoutSeconds,
        probeUrl: `${frontendUrl}${probe.path}`,
        probeBody: JSON.stringify(probe.body),
    };
}

/** The ConfigMap mounted at SCRIPT_MOUNT: the scripts (SCRIPT_FILE and what it sources) and the plan. */
export function buildScriptConfigMap(spec: BenchmarkSpec, scripts: Record<string, string>, plan: BenchmarkPlan): Manifest {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: k8sNames(spec.name, spec.kubernetes.namespace).scriptConfigMap, namespace: spec.kubernetes.namespace, labels: commonLabels(spec) },
        data: { ...scripts, [PLAN_FILE]: `${JSON.stringify(plan, null, 2)}\n` },
    };
}

/** Stable digest of JSON data (object keys sorted). */
export function digestOf(value: unknown): string {
    const canonical = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(canonical)
            : v && typeof v === "object"
              ? Object.fromEntries(
                    Object.keys(v as object)
                        .sort()
                        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
                )
              : v;
    return createHash("sha256")
        .update(JSON.stringify(canonical(value)))
        .digest("hex");
}

export interface JobOptions {
    /** Secret with key HF_TOKEN (tokenizer downloads of gated models). */
    hfTokenSecret?: string;
    /** Digest of the graph, plan and script: any change re-runs the benchmark. */
    inputsDigest: string;
}

/** The model cache is shared with the Job only when many pods may mount it at once. */
export function jobMountsModelCache(spec: Pick<BenchmarkSpec, "modelCache">): boolean {
    return spec.modelCache?.accessMode === "ReadWriteMany";
}

export function buildBenchmarkJob(spec: BenchmarkSpec, opts: JobOptions): Manifest {
    const names = k8sNames(spec.name, spec.kubernetes.namespace);
    const k = spec.kubernetes;
    const cache = jobMountsModelCache(spec) ? spec.modelCache : undefined;
    const home = cache ? hfHome(spec) : undefined;
    const labels = { ...commonLabels(spec), "app.kubernetes.io/component": "benchmark" };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
            name: names.job,
            namespace: k.namespace,
            labels,
            // `pulumi up` does not wait on the Job; the results command polls it with its own bound.
            annotations: { [ANNOTATIONS.pulumiSkipAwait]: "true" },
        },
        spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: spec.timeouts.benchmarkSeconds,
            ttlSecondsAfterFinished: JOB_TTL_SECONDS,
            template: {
                metadata: { labels, annotations: { [INPUTS_DIGEST_ANNOTATION]: opts.inputsDigest } },
                spec: {
                    restartPolicy: "Never",
                    // No API token in the pod: AIPerf (0.13) lists the namespace's pods itself when it has one and
                    // scrapes every Dynamo pod it finds, another benchmark's graph too; the plan names this graph's.
                    automountServiceAccountToken: false,
                    ...(k.imagePullSecrets.length > 0 ? { imagePullSecrets: k.imagePullSecrets.map((name) => ({ name })) } : {}),
                    ...(Object.keys(k.nodeSelector).length > 0 ? { nodeSelector: k.nodeSelector } : {}),
                    containers: [
                        {
                            name: "benchmark",
                            image: spec.benchmark.image ?? spec.image,
                            command: ["bash", `${SCRIPT_MOUNT}/${SCRIPT_FILE}`],
                            env: [
                                { name: "DYNAMO_BENCH_PLAN", value: `${SCRIPT_MOUNT}/${PLAN_FILE}` },
                                { name: "PYTHONUNBUFFERED", value: "1" },
                                ...(home ? [{ name: "HF_HOME", value: home }] : []),
                                ...(opts.hfTokenSecret
                                    ? [{ name: HF_TOKEN_KEY, valueFrom: { secretKeyRef: { name: opts.hfTokenSecret, key: HF_TOKEN_KEY } } }]
                                    : []),
                            ],
                            resources: { requests: { cpu: "4", memory: "8Gi" }, limits: { cpu: "8", memory: "16Gi" } },
                            securityContext: { allowPrivilegeEscalation: false },
                            volumeMounts: [
                                { name: "script", mountPath: SCRIPT_MOUNT, readOnly: true },
                                { name: "results", mountPath: RESULTS_DIR },
                                ...(cache ? [{ name: "model-cache", mountPath: cache.mountPath }] : []),
                            ],
                        },
                    ],
                    volumes: [
                        { name: "script", configMap: { name: names.scriptConfigMap, defaultMode: 0o555 } },
                        { name: "results", emptyDir: {} },
                        ...(cache ? [{ name: "model-cache", persistentVolumeClaim: { claimName: cache.pvcName } }] : []),
                    ],
                },
            },
        },
    };
}

// The whole Kubernetes benchmark: provider, namespace, platform, KAI queues,
// graph and benchmark Job, ordered platform -> queues -> graph -> graph Ready
// (the program's own wait) -> Job -> results.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import {
    FRONTEND_SERVICE_PORT,
    buildNamespace,
    frontendBaseUrl,
    isRenderMode,
    kaiQueues,
    k8sNames,
    providerSettings,
    type GraphLifetime,
} from "../../lib/kubernetes";
import { clusterEngine, definedOnly, specOutputs, type EngineInfo } from "../../lib/outputs";
import type { BenchmarkOutputs, Secrets } from "../target";
import { BenchmarkJob, type JobResults } from "./benchmark-job";
import { DynamoGraph, graphSupport } from "./graph";
import { PointRun } from "./point-run";
import { deleteBound } from "./delete-bound";
import { KaiQueue } from "./kai-queue";
import { DynamoPlatform, type PlatformOutputs } from "./platform";

export interface KubernetesBenchmarkArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token, a Pulumi secret; omit for public models. */
    hfToken?: pulumi.Input<string>;
    /** secretEnv entries for the graph's services (never the Job), a Pulumi secret. */
    secretEnv?: pulumi.Input<Record<string, string>>;
    /** How the results command runs (components/exec); @pulumi/command by default. */
    runner?: CommandRunner;
    /** In a sweep: the provider, namespace and platform every point shares (sweep.ts); the point creates none of its own. */
    shared?: SharedCluster;
    /**
     * In a sweep: run the point as one command that applies its graph and deletes
     * it once the results are in (point-run.ts), so the next point finds the GPUs
     * free. Not in render mode, where nothing runs.
     */
    freeGpus?: boolean;
}

/** What the points of a Kubernetes sweep share (components/kubernetes/sweep.ts). */
export interface SharedCluster {
    provider: k8s.Provider;
    /** The namespace and the platform, when the stack makes them: every point's objects come after. */
    ready: pulumi.Resource[];
    platform: PlatformOutputs;
}

/** What only the Kubernetes target has: its `details` output (no secret appears in it). */
export interface KubernetesDetails {
    namespace: string;
    graphName: string;
    /** In-cluster URL of the graph's frontend. */
    frontendUrl: string;
    jobName: string;
    platform: PlatformOutputs;
    /** A sweep point run by k8s-run-point: when its graph was created (API server) and seen gone with its pods. */
    graphLifetime?: pulumi.Output<GraphLifetime | undefined>;
    /** KAI Queues this stack created (cluster-scoped). */
    kaiQueues: string[];
    /** Secret the graph's services read HF_TOKEN and secretEnv from (the Job: HF_TOKEN only); in render mode it must be created by hand. */
    envSecret?: string;
    /** Folder the manifests were written to, in render mode. */
    renderedTo?: string;
    engine: EngineInfo;
}

export type KubernetesBenchmarkOutputs = BenchmarkOutputs<KubernetesDetails>;

export class KubernetesBenchmark extends pulumi.ComponentResource {
    public readonly outputs: KubernetesBenchmarkOutputs;

    constructor(name: string, args: KubernetesBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:Benchmark", name, {}, opts);
        const { spec } = args;
        const renderMode = isRenderMode(spec.kubernetes);
        const cluster = args.shared ?? sharedCluster(name, spec, args.runner, this);
        const childOpts: ChildOpts = { parent: this, providers: [cluster.provider] };
        const queues = kaiQueues(spec);
        const queue = queues.length > 0 ? new KaiQueue(name, { queues, spec }, { ...childOpts, dependsOn: cluster.ready }) : undefined;
        const before = [...cluster.ready, ...(queue ? [queue] : [])];
        const run = args.freeGpus && !renderMode ? this.pointRun(name, args, childOpts, before) : this.graphAndJob(name, args, childOpts, before);

        this.outputs = {
            ...specOutputs(spec),
            phases: run.results.apply((r) => r.phases),
            timings: run.results.apply((r) => r.timings),
            resultsStatus: run.results.apply((r) => r.resultsStatus),
            details: definedOnly({
                namespace: spec.kubernetes.namespace,
                graphName: k8sNames(spec.name, spec.kubernetes.namespace).graph,
                frontendUrl: frontendBaseUrl(spec.name, spec.kubernetes.namespace, FRONTEND_SERVICE_PORT),
                jobName: k8sNames(spec.name, spec.kubernetes.namespace).job,
                platform: cluster.platform,
                graphLifetime: run.graphLifetime,
                kaiQueues: queue?.queueNames ?? [],
                envSecret: run.envSecretName,
                renderedTo: renderMode ? spec.kubernetes.renderYamlToDirectory : undefined,
                engine: clusterEngine(spec),
            }),
        };
        this.registerOutputs({ ...this.outputs });
    }

    /** The graph and the benchmark Job as resources of their own (a single benchmark, render mode, or sweep.keepGraphs). */
    private graphAndJob(name: string, args: KubernetesBenchmarkArgs, childOpts: ChildOpts, before: pulumi.Resource[]): RunParts {
        const { spec } = args;
        const renderMode = isRenderMode(spec.kubernetes);
        const graph = new DynamoGraph(
            name,
            { spec, hfToken: args.hfToken, secretEnv: args.secretEnv, renderMode, runner: args.runner },
            { ...childOpts, dependsOn: before },
        );
        const job = new BenchmarkJob(
            name,
            { spec, hfTokenSecretName: graph.hasHfToken ? graph.envSecretName : undefined, graphManifest: graph.manifest, renderMode, runner: args.runner },
            // The Job starts once the graph is Ready (its readiness wait succeeded; render mode: once it is written).
            // The worker-metrics Service too: the Job's script resolves its name before the first phase.
            { ...childOpts, dependsOn: [graph, graph.ready, ...(graph.workerMetricsService ? [graph.workerMetricsService] : [])] },
        );
        return { results: job.results, envSecretName: graph.envSecretName };
    }

    /** A sweep point whose graph is applied, measured and deleted by one command (point-run.ts). */
    private pointRun(name: string, args: KubernetesBenchmarkArgs, childOpts: ChildOpts, before: pulumi.Resource[]): RunParts {
        // The secret-environment Secret and the rest go into the namespace: after it, like everything of the point.
        const support = graphSupport(
            name,
            args.spec,
            { hfToken: args.hfToken, secretEnv: args.secretEnv, renderMode: false },
            { parent: this, provider: childOpts.providers[0], dependsOn: before },
        );
        const run = new PointRun(
            name,
            { spec: args.spec, envSecretName: support.envSecretName, hasHfToken: support.hasHfToken, runner: args.runner },
            { ...childOpts, dependsOn: [...before, ...support.resources] },
        );
        return { results: run.results, envSecretName: support.envSecretName, graphLifetime: run.results.apply((r) => r.graph) };
    }
}

type ChildOpts = { parent: pulumi.Resource; providers: [k8s.Provider] };

interface RunParts {
    results: pulumi.Output<JobResults>;
    envSecretName?: string;
    graphLifetime?: pulumi.Output<GraphLifetime | undefined>;
}

/** A single benchmark's own provider, namespace (when createNamespace) and platform. */
export function sharedCluster(name: string, spec: BenchmarkSpec, runner: CommandRunner | undefined, parent: pulumi.Resource): SharedCluster {
    const provider = new k8s.Provider(`${name}-provider`, providerSettings(spec.kubernetes), { parent });
    const nsManifest = buildNamespace(spec);
    const namespace = nsManifest
        ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: nsManifest.metadata }, { parent, provider, ...deleteBound(spec) })
        : undefined;
    const cluster = { kubeconfig: spec.kubernetes.kubeconfig, context: spec.kubernetes.context };
    const renderMode = isRenderMode(spec.kubernetes);
    const platform = new DynamoPlatform(name, { platform: spec.platform, renderMode, cluster, runner }, { parent, providers: [provider] });
    return { provider, ready: [platform, ...(namespace ? [namespace] : [])], platform: platform.outputs };
}

/** The Kubernetes target's entry in the target contract (components/target.ts). */
export function deploy(spec: BenchmarkSpec, secrets: Secrets, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions): KubernetesBenchmarkOutputs {
    return new KubernetesBenchmark(spec.name, { spec, hfToken: secrets.hfToken, secretEnv: secrets.secretEnv, runner }, opts).outputs;
}

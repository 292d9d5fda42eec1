// The whole Kubernetes benchmark: provider, namespace, platform, KAI queues,
// graph and benchmark Job, ordered platform -> queues -> graph -> graph Ready
// (the program's own wait) -> Job -> results.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import { buildNamespace, isRenderMode, kaiQueues, k8sNames, providerSettings } from "../../lib/kubernetes";
import { clusterEngine, definedOnly, specOutputs, type EngineInfo } from "../../lib/outputs";
import type { BenchmarkOutputs, Secrets } from "../target";
import { BenchmarkJob } from "./benchmark-job";
import { DynamoGraph } from "./graph";
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
}

/** What only the Kubernetes target has: its `details` output (no secret appears in it). */
export interface KubernetesDetails {
    namespace: string;
    graphName: string;
    /** In-cluster URL of the graph's frontend. */
    frontendUrl: string;
    jobName: string;
    platform: PlatformOutputs;
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
        const provider = new k8s.Provider(`${name}-provider`, providerSettings(spec.kubernetes), { parent: this });
        const childOpts = { parent: this, providers: [provider] };

        const nsManifest = buildNamespace(spec);
        const namespace = nsManifest
            ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: nsManifest.metadata }, { parent: this, provider, ...deleteBound(spec) })
            : undefined;

        const cluster = { kubeconfig: spec.kubernetes.kubeconfig, context: spec.kubernetes.context };
        const platform = new DynamoPlatform(name, { platform: spec.platform, renderMode, cluster, runner: args.runner }, childOpts);
        const queues = kaiQueues(spec);
        const queue = queues.length > 0 ? new KaiQueue(name, { queues, spec }, { ...childOpts, dependsOn: [platform] }) : undefined;

        const graph = new DynamoGraph(
            name,
            { spec, hfToken: args.hfToken, secretEnv: args.secretEnv, renderMode, runner: args.runner },
            { ...childOpts, dependsOn: [platform, ...(queue ? [queue] : []), ...(namespace ? [namespace] : [])] },
        );
        const job = new BenchmarkJob(
            name,
            { spec, hfTokenSecretName: graph.hasHfToken ? graph.envSecretName : undefined, graphManifest: graph.manifest, renderMode, runner: args.runner },
            // The Job starts once the graph is Ready (its readiness wait succeeded; render mode: once it is written).
            { ...childOpts, dependsOn: [graph, graph.ready] },
        );

        this.outputs = {
            ...specOutputs(spec),
            phases: job.results.apply((r) => r.phases),
            timings: job.results.apply((r) => r.timings),
            resultsStatus: job.results.apply((r) => r.resultsStatus),
            details: definedOnly({
                namespace: spec.kubernetes.namespace,
                graphName: graph.graphName,
                frontendUrl: graph.frontendUrl,
                jobName: k8sNames(spec.name, spec.kubernetes.namespace).job,
                platform: platform.outputs,
                kaiQueues: queue?.queueNames ?? [],
                envSecret: graph.envSecretName,
                renderedTo: renderMode ? spec.kubernetes.renderYamlToDirectory : undefined,
                engine: clusterEngine(spec),
            }),
        };
        this.registerOutputs({ ...this.outputs });
    }
}

/** The Kubernetes target's entry in the target contract (components/target.ts). */
export function deploy(spec: BenchmarkSpec, secrets: Secrets, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions): KubernetesBenchmarkOutputs {
    return new KubernetesBenchmark(spec.name, { spec, hfToken: secrets.hfToken, secretEnv: secrets.secretEnv, runner }, opts).outputs;
}

// The whole Kubernetes benchmark: provider, namespace, platform, KAI queues,
// graph and benchmark Job, ordered platform -> queues -> graph -> Job -> results.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import { buildNamespace, isRenderMode, kaiQueues, k8sNames, providerSettings } from "../../lib/kubernetes";
import { BenchmarkJob, type ResultsOutput } from "./benchmark-job";
import { DynamoGraph } from "./graph";
import { KaiQueue } from "./kai-queue";
import { DynamoPlatform, type PlatformOutputs } from "./platform";

export interface KubernetesBenchmarkArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token, a Pulumi secret; omit for public models. */
    hfToken?: pulumi.Input<string>;
    /** How the results command runs (components/exec); @pulumi/command by default. */
    runner?: CommandRunner;
}

/** Stack outputs of the Kubernetes target (no secret appears in them). */
export interface KubernetesBenchmarkOutputs {
    target: "kubernetes";
    namespace: string;
    graphName: string;
    /** In-cluster URL of the graph's frontend. */
    frontendUrl: string;
    jobName: string;
    platform: PlatformOutputs;
    /** KAI Queues this stack created (cluster-scoped). */
    kaiQueues: string[];
    /** Secret the graph and Job read HF_TOKEN from; in render mode it must be created by hand. */
    hfTokenSecret?: string;
    /** Folder the manifests were written to, in render mode. */
    renderedTo?: string;
    results: pulumi.Output<ResultsOutput>;
}

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
            ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: nsManifest.metadata }, { parent: this, provider })
            : undefined;

        const platform = new DynamoPlatform(name, { platform: spec.platform, renderMode }, childOpts);
        const queues = kaiQueues(spec);
        const queue = queues.length > 0 ? new KaiQueue(name, { queues }, { ...childOpts, dependsOn: [platform] }) : undefined;

        const graph = new DynamoGraph(
            name,
            { spec, hfToken: args.hfToken, renderMode },
            { ...childOpts, dependsOn: [platform, ...(queue ? [queue] : []), ...(namespace ? [namespace] : [])] },
        );
        const job = new BenchmarkJob(
            name,
            { spec, hfTokenSecretName: graph.hfTokenSecretName, graphManifest: graph.manifest, renderMode, runner: args.runner },
            // The Job starts once the graph is Ready (the graph resource waits for it).
            { ...childOpts, dependsOn: [graph] },
        );

        this.outputs = {
            target: "kubernetes",
            namespace: spec.kubernetes.namespace,
            graphName: graph.graphName,
            frontendUrl: graph.frontendUrl,
            jobName: k8sNames(spec.name, spec.kubernetes.namespace).job,
            platform: platform.outputs,
            kaiQueues: queue?.queueNames ?? [],
            ...(graph.hfTokenSecretName ? { hfTokenSecret: graph.hfTokenSecretName } : {}),
            ...(renderMode ? { renderedTo: spec.kubernetes.renderYamlToDirectory } : {}),
            results: job.results,
        };
        this.registerOutputs({ ...this.outputs });
    }
}

/**
 * Deploys one benchmark on Kubernetes. `index.ts` calls this for target
 * kubernetes and exports the returned object as stack outputs.
 */
export function deployKubernetesBenchmark(
    spec: BenchmarkSpec,
    hfToken?: pulumi.Input<string>,
    opts?: pulumi.ComponentResourceOptions,
    runner?: CommandRunner,
): KubernetesBenchmarkOutputs {
    return new KubernetesBenchmark(spec.name, { spec, hfToken, runner }, opts).outputs;
}

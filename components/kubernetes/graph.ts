// The DynamoGraphDeployment with its optional secret-environment Secret and
// model-cache PVC, the headless Service over its workers' metrics, and the
// local command that waits (bounded) until it is Ready.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { shellCommand, type CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import {
    buildEngineConfigMap,
    buildGraphDeployment,
    buildLmcacheController,
    buildModelCachePvc,
    buildWorkerMetricsService,
    digestOf,
    frontendBaseUrl,
    envSecretData,
    envSecretMetadata,
    waitGraphArgv,
    FRONTEND_SERVICE_PORT,
    type Manifest,
} from "../../lib/kubernetes";
import { CLI_ENTRY, repoDirFrom } from "../../lib/paths";
import { deleteBound } from "./delete-bound";
import { shJoin } from "../../lib/shell-quote";

export interface DynamoGraphArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token (a Pulumi secret). */
    hfToken?: pulumi.Input<string>;
    /** secretEnv entries (a Pulumi secret). With hfToken, they make the Secret every service reads (envFromSecret); none: no Secret. */
    secretEnv?: pulumi.Input<Record<string, string>>;
    /** Render mode writes secrets in plain text, so the Secret is not created there (it must exist). */
    renderMode: boolean;
    /** How the readiness wait runs (components/exec); @pulumi/command by default. */
    runner?: CommandRunner;
}

/** Time the wait command gets beyond readySeconds: the failure report (kubectl reads of the graph, pods and logs). */
export const READY_WAIT_SLACK_SECONDS = 120;

/**
 * What the graph's pods read besides the graph: the secret-environment Secret
 * (HF_TOKEN and secretEnv; not in render mode, where it would be written in
 * plain text), the model-cache claim and the engine config files. Shared by
 * DynamoGraph and a sweep point's run (point-run.ts), which applies the graph itself.
 */
export function graphSupport(
    name: string,
    spec: BenchmarkSpec,
    args: Pick<DynamoGraphArgs, "hfToken" | "secretEnv" | "renderMode">,
    opts: pulumi.CustomResourceOptions,
): { envSecretName?: string; hasHfToken: boolean; resources: pulumi.Resource[] } {
    const resources: pulumi.Resource[] = [];
    let envSecretName: string | undefined;
    if (args.hfToken !== undefined || args.secretEnv !== undefined) {
        const meta = envSecretMetadata(spec);
        envSecretName = meta.name;
        if (!args.renderMode) {
            // Built inside one secret Output: no value of it exists outside a secret.
            const stringData = pulumi.secret(
                pulumi.all([args.hfToken, args.secretEnv]).apply(([token, env]) => envSecretData(token, env as Record<string, string> | undefined)),
            );
            resources.push(new k8s.core.v1.Secret(`${name}-secret-env`, { metadata: meta, type: "Opaque", stringData }, { ...opts, ...deleteBound(spec) }));
        }
    }
    const pvc = buildModelCachePvc(spec);
    if (pvc) {
        resources.push(
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-model-cache`,
                { metadata: pvc.metadata, spec: pvc.spec as k8s.types.input.core.v1.PersistentVolumeClaimSpec },
                { ...opts, ...deleteBound(spec) },
            ),
        );
    }
    const engineConfig = buildEngineConfigMap(spec);
    if (engineConfig) {
        const data = engineConfig.data as Record<string, string>;
        resources.push(new k8s.core.v1.ConfigMap(`${name}-engine-config`, { metadata: engineConfig.metadata, data }, { ...opts, ...deleteBound(spec) }));
    }
    const controller = buildLmcacheController(spec);
    if (controller) {
        // The provider waits (bounded by readySeconds) until the controller's pod is ready and behind its Service: the workers find it listening.
        const bounds = {
            customTimeouts: { ...deleteBound(spec).customTimeouts, create: `${spec.timeouts.readySeconds}s`, update: `${spec.timeouts.readySeconds}s` },
        };
        resources.push(
            new k8s.apps.v1.Deployment(
                `${name}-lmcache-controller`,
                { metadata: controller.deployment.metadata, spec: controller.deployment.spec as k8s.types.input.apps.v1.DeploymentSpec },
                { ...opts, ...bounds },
            ),
            new k8s.core.v1.Service(
                `${name}-lmcache-controller`,
                { metadata: controller.service.metadata, spec: controller.service.spec as k8s.types.input.core.v1.ServiceSpec },
                { ...opts, ...bounds },
            ),
        );
    }
    return { envSecretName, hasHfToken: args.hfToken !== undefined, resources };
}

export class DynamoGraph extends pulumi.ComponentResource {
    public readonly graph: k8s.apiextensions.CustomResource;
    public readonly graphName: string;
    /** In-cluster URL of the frontend. */
    public readonly frontendUrl: string;
    /** Secret every service reads its secret environment from (HF_TOKEN, secretEnv), when either is configured. */
    public readonly envSecretName?: string;
    /** The Secret holds HF_TOKEN: the benchmark Job reads that key (and no other) from it. */
    public readonly hasHfToken: boolean;
    /** The generated graph as data (the digest of a benchmark run includes it). */
    public readonly manifest: Manifest;
    /**
     * What a step that needs a Ready graph depends on: the readiness wait
     * (`<name>-graph-ready`), or the graph itself in render mode (nothing waits there).
     */
    public readonly ready: pulumi.Resource;
    /** The headless Service over the graph's worker pods the benchmark Job scrapes (worker-metrics.ts), when server metrics are on. */
    public readonly workerMetricsService?: k8s.core.v1.Service;

    constructor(name: string, args: DynamoGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:DynamoGraph", name, {}, opts);
        const { spec } = args;
        const support = graphSupport(name, spec, args, { parent: this });
        const dependsOn = support.resources;
        this.envSecretName = support.envSecretName;
        this.hasHfToken = support.hasHfToken;

        this.manifest = buildGraphDeployment(spec, { envSecret: this.envSecretName });
        // pulumi.com/skipAwait (in the manifest): the provider returns once the API server has the graph;
        // the wait below holds the benchmark until the graph is Ready.
        this.graph = new k8s.apiextensions.CustomResource(
            `${name}-graph`,
            { apiVersion: this.manifest.apiVersion, kind: this.manifest.kind, metadata: this.manifest.metadata, spec: this.manifest.spec },
            { parent: this, dependsOn, ...deleteBound(spec) },
        );
        this.graphName = String(this.manifest.metadata.name);
        const svc = buildWorkerMetricsService(spec);
        if (svc) {
            this.workerMetricsService = new k8s.core.v1.Service(
                `${name}-worker-metrics`,
                { metadata: svc.metadata, spec: svc.spec as k8s.types.input.core.v1.ServiceSpec },
                // A headless Service has no load balancer to wait for; its endpoints follow the pods.
                { parent: this, ...deleteBound(spec) },
            );
        }

        if (args.renderMode) {
            this.ready = this.graph;
        } else {
            const argv = waitGraphArgv({
                namespace: spec.kubernetes.namespace,
                graph: this.graphName,
                timeoutSeconds: spec.timeouts.readySeconds,
                kubeconfig: spec.kubernetes.kubeconfig,
                context: spec.kubernetes.context,
            });
            this.ready = shellCommand(
                args.runner ?? "pulumi-command",
                `${name}-graph-ready`,
                {
                    create: shJoin(["node", CLI_ENTRY, ...argv]),
                    // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
                    dir: repoDirFrom(process.cwd()),
                    // A changed graph (new digest) or a replaced one (new uid) is waited for again.
                    triggers: [digestOf(this.manifest), this.graph.metadata.uid],
                    streamStderr: true,
                    timeoutSeconds: spec.timeouts.readySeconds + READY_WAIT_SLACK_SECONDS,
                },
                { parent: this, dependsOn: [this.graph] },
            ).resource;
        }
        this.frontendUrl = frontendBaseUrl(spec.name, spec.kubernetes.namespace, FRONTEND_SERVICE_PORT);
        this.registerOutputs({ graphName: this.graphName, frontendUrl: this.frontendUrl });
    }
}

// The DynamoGraphDeployment with its optional HF token Secret and model-cache PVC.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";
import {
    HF_TOKEN_KEY,
    buildEngineConfigMap,
    buildGraphDeployment,
    buildModelCachePvc,
    frontendBaseUrl,
    hfTokenSecretMetadata,
    FRONTEND_SERVICE_PORT,
    type Manifest,
} from "../../lib/kubernetes";

export interface DynamoGraphArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token (a Pulumi secret); a Secret is created only when it is set. */
    hfToken?: pulumi.Input<string>;
    /** Render mode writes secrets in plain text, so the Secret is not created there (it must exist). */
    renderMode: boolean;
}

export class DynamoGraph extends pulumi.ComponentResource {
    public readonly graph: k8s.apiextensions.CustomResource;
    public readonly graphName: string;
    /** In-cluster URL of the frontend. */
    public readonly frontendUrl: string;
    /** Secret the pods read HF_TOKEN from, when a token is configured. */
    public readonly hfTokenSecretName?: string;
    /** The generated graph as data (the digest of a benchmark run includes it). */
    public readonly manifest: Manifest;

    constructor(name: string, args: DynamoGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:DynamoGraph", name, {}, opts);
        const { spec } = args;
        const dependsOn: pulumi.Resource[] = [];

        if (args.hfToken !== undefined) {
            const meta = hfTokenSecretMetadata(spec);
            this.hfTokenSecretName = meta.name;
            if (!args.renderMode) {
                dependsOn.push(
                    new k8s.core.v1.Secret(
                        `${name}-hf-token`,
                        { metadata: meta, type: "Opaque", stringData: { [HF_TOKEN_KEY]: pulumi.secret(args.hfToken) } },
                        { parent: this },
                    ),
                );
            }
        }

        const pvc = buildModelCachePvc(spec);
        if (pvc) {
            dependsOn.push(
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-model-cache`,
                    { metadata: pvc.metadata, spec: pvc.spec as k8s.types.input.core.v1.PersistentVolumeClaimSpec },
                    { parent: this },
                ),
            );
        }

        const engineConfig = buildEngineConfigMap(spec);
        if (engineConfig) {
            const data = engineConfig.data as Record<string, string>;
            dependsOn.push(new k8s.core.v1.ConfigMap(`${name}-engine-config`, { metadata: engineConfig.metadata, data }, { parent: this }));
        }

        this.manifest = buildGraphDeployment(spec, { hfTokenSecret: this.hfTokenSecretName });
        const ready = `${spec.timeouts.readySeconds}s`;
        this.graph = new k8s.apiextensions.CustomResource(
            `${name}-graph`,
            { apiVersion: this.manifest.apiVersion, kind: this.manifest.kind, metadata: this.manifest.metadata, spec: this.manifest.spec },
            // pulumi.com/waitFor (in the manifest) makes `up` wait for Ready, bounded by these timeouts.
            { parent: this, dependsOn, customTimeouts: { create: ready, update: ready } },
        );
        this.graphName = String(this.manifest.metadata.name);
        this.frontendUrl = frontendBaseUrl(spec.name, spec.kubernetes.namespace, FRONTEND_SERVICE_PORT);
        this.registerOutputs({ graphName: this.graphName, frontendUrl: this.frontendUrl });
    }
}

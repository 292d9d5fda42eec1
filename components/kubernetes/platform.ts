// The Dynamo platform: one helm.v3.Release per chart (a real Helm release, so
// the 1.x pre-install hook that applies the CRDs runs), in dependency order.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/schema";
import { platformReleases, type HelmReleaseSpec } from "../../lib/kubernetes";

export interface DynamoPlatformArgs {
    platform: PlatformSpec;
    /** Render mode: Helm releases cannot be rendered (pulumi-kubernetes#1716), so none is created. */
    renderMode: boolean;
}

/** What the stack outputs say of each release: its spec without the values. */
export type ReleaseSummary = Pick<HelmReleaseSpec, "role" | "name" | "namespace" | "chart" | "version" | "repo">;

export interface PlatformOutputs {
    /** "installed" by this stack, "external" (platform.install false) or "not-rendered" (render mode). */
    mode: "installed" | "external" | "not-rendered";
    releases: ReleaseSummary[];
    /** In render mode: the releases with their values, to install by hand with `helm upgrade --install`. */
    toInstall?: HelmReleaseSpec[];
}

export const summarizeRelease = ({ role, name, namespace, chart, version, repo }: HelmReleaseSpec): ReleaseSummary => ({
    role,
    name,
    namespace,
    chart,
    ...(version ? { version } : {}),
    ...(repo ? { repo } : {}),
});

export class DynamoPlatform extends pulumi.ComponentResource {
    public readonly releases: Record<string, k8s.helm.v3.Release>;
    public readonly outputs: PlatformOutputs;

    constructor(name: string, args: DynamoPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:DynamoPlatform", name, {}, opts);
        const specs = platformReleases(args.platform);
        this.releases = {};
        if (!args.platform.install) {
            this.outputs = { mode: "external", releases: [] };
        } else if (args.renderMode) {
            this.outputs = { mode: "not-rendered", releases: specs.map(summarizeRelease), toInstall: specs };
        } else {
            for (const r of specs) {
                this.releases[r.role] = new k8s.helm.v3.Release(
                    `${name}-${r.role}`,
                    {
                        name: r.name,
                        namespace: r.namespace,
                        createNamespace: true,
                        chart: r.chart,
                        version: r.version,
                        repositoryOpts: r.repo ? { repo: r.repo } : undefined,
                        values: r.values,
                        timeout: r.timeoutSeconds,
                    },
                    { parent: this, dependsOn: r.after.map((role) => this.releases[role]) },
                );
            }
            this.outputs = { mode: "installed", releases: specs.map(summarizeRelease) };
        }
        this.registerOutputs({ releases: this.outputs.releases, mode: this.outputs.mode });
    }
}

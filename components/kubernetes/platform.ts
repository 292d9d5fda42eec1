// The Dynamo platform: one helm.v3.Release per chart (a real Helm release, so
// the 1.x pre-install hook that applies the CRDs runs), in dependency order,
// each with a watch beside it that explains a failed install.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/schema";
import {
    digestOf,
    parseRevisionLine,
    platformReleases,
    releaseRevisionArgv,
    waitReleaseArgv,
    type HelmReleaseSpec,
    type KubectlTarget,
} from "../../lib/kubernetes";
import { CLI_ENTRY, repoDirFrom } from "../../lib/paths";
import { shJoin } from "../../lib/shell-quote";
import { shellCommand, type CommandRunner } from "../exec";

export interface DynamoPlatformArgs {
    platform: PlatformSpec;
    /** Render mode: Helm releases cannot be rendered (pulumi-kubernetes#1716), so none is created. */
    renderMode: boolean;
    /** The cluster the release watches read (kubeconfig and context of the stack). */
    cluster: Omit<KubectlTarget, "namespace">;
    /** How the release watches run (components/exec); @pulumi/command by default. */
    runner?: CommandRunner;
}

/** Time the release watch gets beyond Helm's own timeout: Helm marks the revision failed at its timeout, the watch reads it and reports. */
export const RELEASE_WATCH_SLACK_SECONDS = 60;
/** Reading the release's revisions before it starts: one kubectl call. */
export const RELEASE_BASELINE_TIMEOUT_SECONDS = 120;
/** How long a new revision may take to appear (chart loaded, CRDs applied) before the watch leaves the release's own error to speak. */
export const RELEASE_APPEAR_SECONDS = 60;

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
                const after = r.after.map((role) => this.releases[role]);
                const baseline = this.watchRelease(name, r, args, after);
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
                    { parent: this, dependsOn: [...after, baseline] },
                );
            }
            this.outputs = { mode: "installed", releases: specs.map(summarizeRelease) };
        }
        this.registerOutputs({ releases: this.outputs.releases, mode: this.outputs.mode });
    }

    /**
     * `dynamo-bench k8s-wait-release` beside the release, not after it: a failed
     * release stops what depends on it, and its own error ("failed pre-install:
     * timed out waiting for the condition") names neither the hook Job nor its pod.
     * The release's newest revision is read first (`<name>-<role>-release-baseline`,
     * which the release waits for), so the watch follows the revision this install
     * or upgrade makes even when Helm records and fails it before the watch's first
     * look. Returns the baseline step, for the release to depend on.
     */
    private watchRelease(name: string, r: HelmReleaseSpec, args: DynamoPlatformArgs, after: pulumi.Resource[]): pulumi.Resource {
        const runner = args.runner ?? "pulumi-command";
        const target = { ...args.cluster, namespace: r.namespace, release: r.name };
        // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
        const dir = repoDirFrom(process.cwd());
        // Both run again whenever the release is installed or upgraded with other inputs.
        const triggers = [digestOf(r)];
        const baseline = shellCommand(
            runner,
            `${name}-${r.role}-release-baseline`,
            { create: shJoin(["node", CLI_ENTRY, ...releaseRevisionArgv(target)]), dir, triggers, timeoutSeconds: RELEASE_BASELINE_TIMEOUT_SECONDS },
            { parent: this, dependsOn: after },
        );
        const argv = baseline.stdout.apply((stdout) =>
            waitReleaseArgv({
                ...target,
                timeoutSeconds: r.timeoutSeconds + RELEASE_WATCH_SLACK_SECONDS,
                appearSeconds: RELEASE_APPEAR_SECONDS,
                afterRevision: parseRevisionLine(stdout),
            }),
        );
        shellCommand(
            runner,
            `${name}-${r.role}-release-watch`,
            {
                create: argv.apply((a) => shJoin(["node", CLI_ENTRY, ...a])),
                dir,
                triggers,
                streamStderr: true,
                timeoutSeconds: r.timeoutSeconds + RELEASE_WATCH_SLACK_SECONDS + 60,
            },
            { parent: this, dependsOn: [...after, baseline.resource] },
        );
        return baseline.resource;
    }
}

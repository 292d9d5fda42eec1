// A Kubernetes sweep's points: one provider, namespace and platform for all of
// them (a component of its own, created first), and each point's graph run by
// one command that deletes the graph once its results are in (point-run.ts),
// unless sweep.keepGraphs keeps every graph as a resource (the cluster must
// then hold every point's GPUs at once). docs/sweeps.md#kubernetes says why.
import * as pulumi from "@pulumi/pulumi";
import type { SweepPlan } from "../../config/load-sweep";
import type { CommandRunner } from "../exec";
import type { DeployFn, Secrets } from "../target";
import { KubernetesBenchmark, sharedCluster, type SharedCluster } from "./benchmark";

export class KubernetesSweepCluster extends pulumi.ComponentResource {
    public readonly shared: SharedCluster;

    constructor(name: string, plan: SweepPlan, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:SweepCluster", name, {}, opts);
        // The settings involved (cluster, namespace, platform) cannot be swept, so the first point's are every point's.
        // Named after the sweep (the namespace's instance label), not after its first point.
        this.shared = sharedCluster(name, { ...plan.points[0]!.spec, name: plan.name }, runner, this);
        this.registerOutputs({ platform: this.shared.platform });
    }
}

/** The DeployFn of every point of a Kubernetes sweep; creates what the points share on the first call. */
export function kubernetesSweepDeploy(plan: SweepPlan, secrets: Secrets, runner: CommandRunner): DeployFn {
    let cluster: KubernetesSweepCluster | undefined;
    return (spec, pointSecrets, pointRunner, opts) => {
        cluster ??= new KubernetesSweepCluster(plan.name, plan, runner);
        const { hfToken, secretEnv } = pointSecrets ?? secrets;
        return new KubernetesBenchmark(
            spec.name,
            { spec, hfToken, secretEnv, runner: pointRunner, shared: cluster.shared, freeGpus: !plan.sweep.keepGraphs },
            opts,
        ).outputs;
    };
}

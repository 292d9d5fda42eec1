// KAI scheduler Queues (scheduling.run.ai/v2, cluster-scoped), parent first.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";
import type { QueueManifest } from "../../lib/kubernetes";
import { deleteBound } from "./delete-bound";

export interface KaiQueueArgs {
    /** Parent first; each later queue names an earlier one (or an existing one) as parentQueue. */
    queues: QueueManifest[];
    /** For the deletion bound (timeouts.deleteSeconds). */
    spec: Pick<BenchmarkSpec, "timeouts">;
}

export class KaiQueue extends pulumi.ComponentResource {
    public readonly queueNames: string[];

    constructor(name: string, args: KaiQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:KaiQueue", name, {}, opts);
        const created: Record<string, k8s.apiextensions.CustomResource> = {};
        const last = args.queues.length - 1;
        args.queues.forEach((q, i) => {
            const parent = q.spec.parentQueue ? created[q.spec.parentQueue] : undefined;
            created[q.metadata.name] = new k8s.apiextensions.CustomResource(
                i === last ? `${name}-queue` : `${name}-queue-parent`,
                { apiVersion: q.apiVersion, kind: q.kind, metadata: q.metadata, spec: q.spec },
                { parent: this, dependsOn: parent ? [parent] : [], ...deleteBound(args.spec) },
            );
        });
        this.queueNames = args.queues.map((q) => q.metadata.name);
        this.registerOutputs({ queueNames: this.queueNames });
    }
}

// Grove and KAI as the graph sees them: whether the operator integration is
// on, which queue the graph goes to, and the KAI Queues this stack creates.
import type { PlatformSpec } from "../../config/schema";
import type { ResolvedScheduling } from "../../config/resolve";
import { isLegacyPlatform } from "./platform";

// Whether the graph uses Grove is an operator fact the config rules check too.
export { groveEnabled } from "../facts/dynamo-operator";

type SchedulingInputs = { scheduling: ResolvedScheduling; platform: PlatformSpec };

/** KAI queue the graph is annotated with, or null when KAI is not used. */
export function kaiQueueName(spec: SchedulingInputs): string | null {
    const queue = spec.scheduling.kaiQueue;
    if (queue === null) return null;
    if (spec.platform.install && spec.platform.kaiScheduler.install === "none") return null;
    return queue;
}

/** Queue created by 0.x platform charts (a post-install hook) when their bundled KAI is on. */
const LEGACY_CHART_QUEUES = { parent: "dynamo-default", child: "dynamo" } as const;

export interface QueueManifest {
    apiVersion: "scheduling.run.ai/v2";
    kind: "Queue";
    metadata: { name: string };
    spec: {
        parentQueue?: string;
        resources: Record<"cpu" | "gpu" | "memory", { quota: number; limit: number; overQuotaWeight: number }>;
    };
}

/** Unlimited quota and limit (-1), equal over-quota weight: the shape of KAI's default-queues.yaml. */
function unlimited(): QueueManifest["spec"]["resources"] {
    const r = () => ({ quota: -1, limit: -1, overQuotaWeight: 1 });
    return { cpu: r(), gpu: r(), memory: r() };
}

function queue(name: string, parentQueue?: string): QueueManifest {
    return {
        apiVersion: "scheduling.run.ai/v2",
        kind: "Queue",
        metadata: { name },
        spec: { ...(parentQueue ? { parentQueue } : {}), resources: unlimited() },
    };
}

/**
 * KAI Queues (cluster-scoped) this stack creates, parent first: its own
 * "<name>-queue" under "<name>-queue-parent", both deleted on destroy. A queue
 * the stack only uses (createQueue false) is never created, so never deleted.
 * The operator only checks that the graph's queue exists; it never creates one.
 */
export function kaiQueues(spec: SchedulingInputs): QueueManifest[] {
    const name = kaiQueueName(spec);
    if (name === null || !spec.scheduling.createQueue) return [];
    const chartMadeQueues = spec.platform.install && isLegacyPlatform(spec.platform.version) && spec.platform.kaiScheduler.install === "bundled";
    if (chartMadeQueues) {
        // The 0.x chart already made dynamo-default -> dynamo; hang other queues under its parent.
        return name === LEGACY_CHART_QUEUES.child ? [] : [queue(name, LEGACY_CHART_QUEUES.parent)];
    }
    const parent = `${name}-parent`;
    return [queue(parent), queue(name, parent)];
}

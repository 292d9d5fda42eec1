// Rules of the Kubernetes target that the field schemas cannot see: what the
// Dynamo operator, Grove and KAI would refuse or get wrong after deploy,
// checked at preview instead.
import type { ParsedSpec } from "../schema";
import { ownKaiQueueName } from "../names";
import { FRONTEND_SERVICE_PORT, GROVE_NAME_LIMITS, groveEnabled, lwsEnabled } from "../../lib/facts/dynamo-operator";
import type { RuleContext, RuleViolation } from "./violation";

export { GROVE_NAME_LIMITS } from "../../lib/facts/dynamo-operator";

export function checkKubernetesRules(spec: ParsedSpec, context: Pick<RuleContext, "benchmarkName">): RuleViolation[] {
    const name = context.benchmarkName;
    const out: RuleViolation[] = [];
    if (spec.scheduling.grove) {
        const multinode = spec.decode.nodesPerWorker > 1 || (spec.mode === "disaggregated" && spec.prefill.nodesPerWorker > 1);
        const limit = multinode ? GROVE_NAME_LIMITS.multinode : GROVE_NAME_LIMITS.singleNode;
        if (name.length > limit) {
            const origin = spec.name ? "" : " (taken from the stack name; set dynamo-bench:name to choose another)";
            out.push({
                path: "name",
                message: `expected at most ${limit} characters with Grove${multinode ? " and multinode workers" : ""} (Grove limits PodCliqueSet plus clique names to 45), got ${name.length} ("${name}")${origin}`,
            });
        }
    }
    out.push(...checkMultinodeOrchestrator(spec));
    out.push(...checkKaiQueue(spec, name));
    const k = spec.kubernetes;
    if (k.renderYamlToDirectory) {
        for (const key of ["kubeconfig", "context"] as const) {
            if (k[key]) {
                out.push({
                    path: `kubernetes.${key}`,
                    message: `expected no ${key} with kubernetes.renderYamlToDirectory (render mode writes manifests and contacts no cluster), got ${JSON.stringify(k[key])}`,
                });
            }
        }
    }
    const port = spec.frontend.port;
    if (port !== undefined && port !== FRONTEND_SERVICE_PORT) {
        out.push({
            path: "frontend.port",
            message: `expected ${FRONTEND_SERVICE_PORT} or unset on Kubernetes (the operator's frontend Service listens on ${FRONTEND_SERVICE_PORT}), got ${port}`,
        });
    }
    return out;
}

/**
 * A worker spanning nodes is a Grove PodCliqueScalingGroup or a LeaderWorkerSet;
 * with neither, the operator cannot deploy it and the graph never gets Ready.
 */
function checkMultinodeOrchestrator(spec: ParsedSpec): RuleViolation[] {
    if (groveEnabled(spec) || lwsEnabled(spec.platform)) return [];
    const why = !spec.scheduling.grove ? "scheduling.grove is false" : "platform.grove.install is none";
    const out: RuleViolation[] = [];
    for (const role of ["prefill", "decode"] as const) {
        if (role === "prefill" && spec.mode === "aggregated") continue;
        const nodes = spec[role].nodesPerWorker;
        if (nodes > 1) {
            out.push({
                path: `${role}.nodesPerWorker`,
                message: `expected 1 when ${why} and platform.lws.install is none (multinode workers need Grove or LeaderWorkerSet on Kubernetes), got ${nodes}; set scheduling.grove true with platform.grove.install bundled or separate, or platform.lws.install bundled or external`,
            });
        }
    }
    return out;
}

/**
 * KAI Queues are cluster-wide, so a queue this stack creates must carry this
 * stack's own name: a name another stack or an admin uses would collide on
 * create and be deleted from under them on destroy.
 */
function checkKaiQueue(spec: ParsedSpec, benchmarkName: string): RuleViolation[] {
    const { kaiQueue, createQueue } = spec.scheduling;
    const own = ownKaiQueueName(benchmarkName);
    if (kaiQueue === null && createQueue === true) {
        return [
            {
                path: "scheduling.createQueue",
                message: "expected false or unset when scheduling.kaiQueue is null (KAI is off, there is no queue to create), got true",
            },
        ];
    }
    if (typeof kaiQueue === "string" && createQueue === true && kaiQueue !== own) {
        return [
            {
                path: "scheduling.kaiQueue",
                message: `expected this stack's own queue name "${own}" when scheduling.createQueue is true (a queue this stack creates, and deletes on destroy, is named after the benchmark), got "${kaiQueue}"; set scheduling.createQueue false to use the existing queue "${kaiQueue}", or remove scheduling.kaiQueue to create "${own}"`,
            },
        ];
    }
    return [];
}

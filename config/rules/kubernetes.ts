// Configuration rules of the Kubernetes target that the field schemas cannot
// see. Called from config/rules.ts for target kubernetes.
import type { ParsedSpec } from "../../config/schema";
import { FRONTEND_SERVICE_PORT, SERVICE_KEYS } from "./names";

export interface KubernetesRuleViolation {
    path: string;
    message: string;
}

/** Longest benchmark name Grove accepts: PodCliqueSet plus clique names stay within 45 characters. */
export const GROVE_NAME_LIMITS = { singleNode: 45 - SERVICE_KEYS.frontend.length, multinode: 27 } as const;

/** `name` is the benchmark name as resolved (the stack name when unset). */
export function checkKubernetesRules(spec: ParsedSpec, name: string): KubernetesRuleViolation[] {
    const out: KubernetesRuleViolation[] = [];
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
    const k = spec.kubernetes;
    if (k.renderYamlToDirectory) {
        for (const key of ["kubeconfig", "context"] as const) {
            if (k[key]) {
                out.push({ path: `kubernetes.${key}`, message: `expected no ${key} with kubernetes.renderYamlToDirectory (render mode writes manifests and contacts no cluster), got ${JSON.stringify(k[key])}` });
            }
        }
    }
    const port = spec.frontend.port;
    if (port !== undefined && port !== FRONTEND_SERVICE_PORT) {
        out.push({ path: "frontend.port", message: `expected ${FRONTEND_SERVICE_PORT} or unset on Kubernetes (the operator's frontend Service listens on ${FRONTEND_SERVICE_PORT}), got ${port}` });
    }
    return out;
}

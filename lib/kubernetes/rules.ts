// Configuration rules of the Kubernetes target that the field schemas cannot
// see. Called from config/rules.ts for target kubernetes.
import type { ParsedSpec } from "../../config/schema";
import { FRONTEND_SERVICE_PORT } from "./names";

export interface KubernetesRuleViolation {
    path: string;
    message: string;
}

export function checkKubernetesRules(spec: ParsedSpec): KubernetesRuleViolation[] {
    const out: KubernetesRuleViolation[] = [];
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

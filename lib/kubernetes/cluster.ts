// How the program reaches the cluster: provider settings and the namespace.
import type { BenchmarkSpec } from "../../config/resolve";
import type { KubernetesSpec } from "../../config/schema";
import { commonLabels, type Manifest } from "./graph";

export interface ProviderSettings {
    kubeconfig?: string;
    context?: string;
    renderYamlToDirectory?: string;
}

/**
 * Settings of the kubernetes provider. Render mode writes manifests instead of
 * applying them and cannot be combined with a kubeconfig or context (the
 * configuration rules reject that combination).
 */
export function providerSettings(k: KubernetesSpec): ProviderSettings {
    if (k.renderYamlToDirectory) return { renderYamlToDirectory: k.renderYamlToDirectory };
    return { ...(k.kubeconfig ? { kubeconfig: k.kubeconfig } : {}), ...(k.context ? { context: k.context } : {}) };
}

export const isRenderMode = (k: KubernetesSpec): boolean => k.renderYamlToDirectory !== undefined;

export function buildNamespace(spec: BenchmarkSpec): Manifest | undefined {
    if (!spec.kubernetes.createNamespace) return undefined;
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: spec.kubernetes.namespace, labels: commonLabels(spec) } };
}

// LMCache's controller on Kubernetes (kvCache.lmcache.controller): the graph's
// CRD has no place for a process that is not a Dynamo component (every service
// is a frontend, worker or planner the operator wires into discovery), so the
// controller is a Deployment of one pod with the worker image next to the graph,
// and a ClusterIP Service whose DNS name the workers are given
// (lib/dynamo/lmcache-controller.ts). Both are deleted with the stack.
import type { BenchmarkSpec } from "../../config/resolve";
import { lmcacheControllerArgv, lmcacheControllerPorts } from "../dynamo/lmcache-controller";
import { commonLabels, toEnvList, type Manifest } from "./graph";
import { k8sNames } from "./names";

export interface LmcacheControllerManifests {
    deployment: Manifest;
    service: Manifest;
}

/** The controller's Deployment and Service; undefined without kvCache.lmcache.controller. */
export function buildLmcacheController(spec: BenchmarkSpec): LmcacheControllerManifests | undefined {
    const c = spec.kvCache.lmcache?.controller;
    if (!c) return undefined;
    const names = k8sNames(spec.name, spec.kubernetes.namespace);
    const name = names.lmcacheController;
    const namespace = spec.kubernetes.namespace;
    const selector = { ...commonLabels(spec), "app.kubernetes.io/component": "lmcache-controller" };
    // The image of the workers that run LMCache: its wheel brings the controller's console script.
    const image = (spec.prefill ?? spec.decode).image;
    const k = spec.kubernetes;
    const env = toEnvList(spec.env);
    // Named container ports (at most 15 characters): the Service and the readiness probe target them by name.
    const named = lmcacheControllerPorts(c);
    const http = named.find((p) => p.setting === "port")!.name;
    const ports = named.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
    const deployment: Manifest = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels: selector },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels: selector },
                spec: {
                    ...(k.imagePullSecrets.length > 0 ? { imagePullSecrets: k.imagePullSecrets.map((s) => ({ name: s })) } : {}),
                    ...(Object.keys(k.nodeSelector).length > 0 ? { nodeSelector: k.nodeSelector } : {}),
                    containers: [
                        {
                            name: "lmcache-controller",
                            image,
                            command: lmcacheControllerArgv(c),
                            ...(env.length > 0 ? { env } : {}),
                            ports,
                            // Ready once its HTTP API listens (its sockets for the workers are bound before that).
                            readinessProbe: { tcpSocket: { port: http }, periodSeconds: 5 },
                        },
                    ],
                },
            },
        },
    };
    const service: Manifest = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace, labels: selector },
        spec: {
            type: "ClusterIP",
            selector,
            ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: "TCP" })),
        },
    };
    return { deployment, service };
}

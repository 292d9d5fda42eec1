// What the e2e tests against the one-machine test cluster share
// (scripts/k8s/cluster-up.sh: real kube-apiserver, controller manager and
// scheduler; kwok plays the kubelets): its kubeconfig and kubectl, whether it
// answers, and the small Kubernetes stack they deploy (like
// stacks/Pulumi.example-k8s.yaml: 1 prefill + 1 decode at TP 1, one short phase).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT, stackConfigFile } from "./helpers";

export const K8S_DIR = process.env.DYNAMO_BENCH_K8S_DIR || "/tmp/dynamo-bench-k8s";
export const KUBECONFIG = path.join(K8S_DIR, "kubeconfig");

/** kubectl 1.34 from the cluster's env.sh, else the one on PATH. */
function kubectlBinary(): string {
    const env = path.join(K8S_DIR, "env.sh");
    const m = fs.existsSync(env) ? /export PATH=([^:\n]+):/.exec(fs.readFileSync(env, "utf8")) : null;
    const p = m ? path.join(m[1]!, "kubectl") : "";
    return p && fs.existsSync(p) ? p : "kubectl";
}
export const KUBECTL = kubectlBinary();

/** kubectl against the test cluster; throws with its stderr unless `allowFailure`. */
export function kubectl(args: string[], allowFailure = false): string {
    const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, "--request-timeout=10s", ...args], { encoding: "utf8", timeout: 30_000 });
    if (!allowFailure && r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr || r.error?.message}`);
    return r.stdout;
}
export const getJson = (args: string[]) => JSON.parse(kubectl([...args, "-o", "json"])) as Record<string, any>;

/** node:test `skip` value: false when the test cluster answers, else the reason and how to start it. */
export function clusterSkip(): string | false {
    if (!fs.existsSync(KUBECONFIG)) return `no test cluster: ${KUBECONFIG} is absent (run: bash scripts/k8s/cluster-up.sh)`;
    const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, "--request-timeout=5s", "get", "--raw", "/readyz"], { encoding: "utf8", timeout: 15_000 });
    if (r.status !== 0) return `the test cluster does not answer (${(r.stderr || r.error?.message || "").trim()}); run: bash scripts/k8s/cluster-up.sh`;
    return false;
}

/** The program's commands run through the dynamic runner here (@pulumi/command's plugin is not served on these machines). */
export const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };

export interface StackShape {
    /** Benchmark name and namespace. */
    name: string;
    namespace: string;
    /** The platform chart folder; undefined: the platform is not installed by the stack (platform.install false). */
    chart?: string;
    platformNamespace?: string;
    platformTimeoutSeconds?: number;
    /** Grove and KAI bundled with the platform chart, and the stack's own KAI queue (default true with a chart). */
    groveAndKai?: boolean;
    readySeconds?: number;
    deleteSeconds?: number;
    /** GPUs of the decode worker; more than a kwok node has (8) is never scheduled. */
    decodeGpus?: number;
}

/**
 * The one load phase of the test stacks, and of the local mocker run whose real
 * AIPerf export the Job's log carries (k8s-cluster-stack.test.ts): the same
 * lengths and count, so the gates judge the served figures against what was asked.
 */
export const TEST_PHASE = { name: "c1", concurrency: 1, requestCount: 8, inputTokens: 64, outputTokens: 16 } as const;

/** The stack's configuration, small like stacks/Pulumi.example-k8s.yaml. */
export function stackConfig(s: StackShape): Record<string, unknown> {
    const groveAndKai = s.groveAndKai ?? s.chart !== undefined;
    return {
        "dynamo-bench:target": "kubernetes",
        "dynamo-bench:name": s.name,
        "dynamo-bench:model": { id: "Qwen/Qwen3-0.6B" },
        "dynamo-bench:backend": "vllm",
        "dynamo-bench:mode": "disaggregated",
        "dynamo-bench:gpusPerNode": Math.max(8, s.decodeGpus ?? 0),
        "dynamo-bench:prefill": { replicas: 1, tensorParallel: 1 },
        "dynamo-bench:decode": { replicas: 1, tensorParallel: s.decodeGpus ?? 1 },
        "dynamo-bench:frontend": { routerMode: "kv" },
        "dynamo-bench:platform": s.chart
            ? {
                  install: true,
                  version: "1.2.0",
                  namespace: s.platformNamespace ?? "dynamo-system",
                  timeoutSeconds: s.platformTimeoutSeconds ?? 240,
                  chart: {
                      chart: s.chart,
                      values: {
                          // Not in the assembled chart (see k8s-chart.ts), and not needed to create the graph.
                          global: { nats: { install: false }, etcd: { install: false } },
                          // No operator runs to serve its webhook; the API server's own validation judges the graph.
                          "dynamo-operator": { webhook: { failurePolicy: "Ignore" } },
                      },
                  },
                  grove: { install: groveAndKai ? "bundled" : "none" },
                  kaiScheduler: { install: groveAndKai ? "bundled" : "none" },
              }
            : { install: false, version: "1.2.0" },
        "dynamo-bench:scheduling": groveAndKai ? { grove: true } : { grove: false, kaiQueue: null },
        "dynamo-bench:benchmark": { tool: "aiperf", phases: [TEST_PHASE] },
        "dynamo-bench:timeouts": { readySeconds: s.readySeconds ?? 180, benchmarkSeconds: 120, ...(s.deleteSeconds ? { deleteSeconds: s.deleteSeconds } : {}) },
        "dynamo-bench:kubernetes": { namespace: s.namespace, createNamespace: true, kubeconfig: KUBECONFIG },
    };
}

/** Writes the stack's config file into the project (withStack picks it up); returns its path for removal. */
export function writeStackConfig(stack: string, config: Record<string, unknown>): string {
    const file = stackConfigFile(REPO_ROOT, stack);
    fs.writeFileSync(file, stringify({ config }));
    return file;
}

/** Whether the API server can read container logs from kwok's nodes (kwok serving a kubelet endpoint). */
export function nodeLogsServed(): boolean {
    const node = getJson(["get", "node", "kwok-gpu-1"]);
    return Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0) > 0;
}

/** Runs `op` and returns its error; fails the test when it succeeds. */
export async function failureOf(op: () => Promise<unknown>, what: string): Promise<{ error: Error; seconds: number }> {
    const t = Date.now();
    const error = await op().then(
        () => undefined,
        (e: Error) => e,
    );
    assert.ok(error, `${what} should fail`);
    return { error, seconds: (Date.now() - t) / 1000 };
}

/** The lines of a failure from `marker` on, for the test log. */
export function excerpt(message: string, marker: string, lines = 14): string {
    const at = message.indexOf(marker);
    return (at >= 0 ? message.slice(at) : message)
        .split("\n")
        .slice(0, lines)
        .map((l) => `#   ${l}`)
        .join("\n");
}

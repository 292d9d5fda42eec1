// The project's one-machine Kubernetes test cluster (scripts/k8s/cluster-up.sh):
// the real API server answers, kwok's three fake GPU nodes are Ready, a Job
// runs to Complete under kwok's stages (scheduler, Job controller), a namespace
// deletion finishes (namespace controller, garbage collection), and the real
// DynamoGraphDeployment CRD from the reference data is served: a minimal graph
// is accepted and an invalid one refused by the API server's own validation.
// Skipped, with the reason printed, when the cluster is not up.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readPinnedVersions } from "../../lib/pinned-versions";
import { repoPath } from "../../lib/paths";
import { referencePath, referenceSkip } from "../helpers/reference";

const K8S_DIR = process.env.DYNAMO_BENCH_K8S_DIR || "/tmp/dynamo-bench-k8s";
const KUBECONFIG = path.join(K8S_DIR, "kubeconfig");
const HINT = "start it with `bash scripts/k8s/setup-control-plane.sh && bash scripts/k8s/cluster-up.sh` (cold build 11-15 min, start about 10 s)";
const CRD_PARTS = ["dynamo", "crds", "nvidia.com_dynamographdeployments.yaml"];
const CRD_NAME = "dynamographdeployments.nvidia.com";
const DGD = "dynamographdeployments.v1alpha1.nvidia.com"; // resource.version.group: the served version we create
const NODES = 3;
const GPUS = "8";

/** Why the cluster tests cannot run, or false. A cluster stopped by cluster-down.sh has no pid files. */
function clusterSkip(): string | false {
    if (!fs.existsSync(KUBECONFIG)) return `no Kubernetes test cluster at ${K8S_DIR} (${KUBECONFIG} is missing); ${HINT}`;
    if (!fs.existsSync(path.join(K8S_DIR, "run", "kube-apiserver.pid"))) return `the Kubernetes test cluster at ${K8S_DIR} is stopped; ${HINT}`;
    return false;
}

/** The kubectl the cluster was built with (scripts/k8s/setup-control-plane.sh), else the one on PATH. */
function kubectlPath(): string {
    const r = spawnSync("bash", [repoPath("scripts", "k8s", "setup-control-plane.sh"), "--print-bin"], { encoding: "utf8", timeout: 30_000 });
    const bin = path.join(r.stdout.trim(), "kubectl");
    return r.status === 0 && fs.existsSync(bin) ? bin : "kubectl";
}

const skip = clusterSkip();
if (skip) console.log(`# SKIP k8s-cluster: ${skip}`);
const KUBECTL = skip ? "kubectl" : kubectlPath();

interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}
function kubectl(args: string[], input?: string, timeoutMs = 30_000): Result {
    const r = spawnSync(KUBECTL, ["--kubeconfig", KUBECONFIG, "--request-timeout=20s", ...args], { input, encoding: "utf8", timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}
function ok(args: string[], input?: string, timeoutMs?: number): string {
    const r = kubectl(args, input, timeoutMs);
    assert.equal(r.status, 0, `kubectl ${args.join(" ")} failed: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
}
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** Polls until `probe` returns a value (not undefined), at most `seconds`; the last state goes into the failure. */
async function until<T>(what: string, seconds: number, probe: () => T | undefined, state: () => string): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const v = probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) assert.fail(`${what}: not within ${seconds} s; last state: ${state()}`);
        await sleep(500);
    }
}

const suffix = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const NS_JOB = `it-job-${suffix}`;
const NS_DGD = `it-dgd-${suffix}`;
let crdCreatedHere = false;

after(() => {
    if (skip) return;
    for (const ns of [NS_JOB, NS_DGD]) kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]);
    if (crdCreatedHere) kubectl(["delete", "crd", CRD_NAME, "--ignore-not-found", "--wait=true", "--timeout=60s"], undefined, 70_000);
});

/** A namespace whose default ServiceAccount exists (the controller manager makes it; pods need it). */
async function namespace(name: string): Promise<void> {
    ok(["create", "namespace", name]);
    await until(
        `ServiceAccount default in ${name}`,
        60,
        () => (kubectl(["-n", name, "get", "serviceaccount", "default"]).status === 0 ? true : undefined),
        () => kubectl(["-n", name, "get", "serviceaccounts"]).stdout,
    );
}

describe("Kubernetes test cluster (real control plane, kwok nodes)", { skip }, () => {
    test("the API server answers /readyz and is the pinned release", () => {
        assert.equal(ok(["get", "--raw", "/readyz"]).trim(), "ok");
        const version = JSON.parse(ok(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
        assert.equal(version.serverVersion.gitVersion, `v${readPinnedVersions().K8S_VERSION}`);
    });

    test(`${NODES} kwok nodes are Ready with ${GPUS} nvidia.com/gpu each`, () => {
        type Node = {
            metadata: { name: string; labels: Record<string, string> };
            status: { allocatable: Record<string, string>; capacity: Record<string, string>; conditions: { type: string; status: string }[] };
        };
        const nodes = (JSON.parse(ok(["get", "nodes", "-l", "type=kwok", "-o", "json"])) as { items: Node[] }).items;
        assert.equal(nodes.length, NODES, `nodes: ${nodes.map((n) => n.metadata.name).join(", ")}`);
        for (const n of nodes) {
            const ready = n.status.conditions.find((c) => c.type === "Ready");
            assert.equal(ready?.status, "True", `${n.metadata.name} Ready condition: ${JSON.stringify(ready)}`);
            assert.equal(n.status.capacity["nvidia.com/gpu"], GPUS, `${n.metadata.name} capacity`);
            assert.equal(n.status.allocatable["nvidia.com/gpu"], GPUS, `${n.metadata.name} allocatable`);
            assert.equal(n.metadata.labels["nvidia.com/gpu.present"], "true", `${n.metadata.name} labels`);
        }
    });

    test("a Job's pods are scheduled on GPU nodes and the Job Completes (kwok's stages)", async () => {
        await namespace(NS_JOB);
        const job = {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name: "smoke", namespace: NS_JOB },
            spec: {
                completions: 2,
                parallelism: 2,
                backoffLimit: 0,
                template: {
                    spec: {
                        restartPolicy: "Never",
                        nodeSelector: { "nvidia.com/gpu.present": "true" },
                        containers: [
                            {
                                name: "main",
                                image: "busybox:1.36",
                                command: ["sh", "-c", "echo kwok runs nothing"],
                                resources: { limits: { "nvidia.com/gpu": "4" } },
                            },
                        ],
                    },
                },
            },
        };
        ok(["create", "-f", "-"], JSON.stringify(job));
        await until(
            "Job smoke Complete",
            90,
            () => {
                const conds = kubectl(["-n", NS_JOB, "get", "job", "smoke", "-o", "jsonpath={.status.conditions[*].type}"]).stdout;
                if (/\bFailed\b/.test(conds)) assert.fail(`Job smoke failed: ${kubectl(["-n", NS_JOB, "describe", "job", "smoke"]).stdout}`);
                return /\bComplete\b/.test(conds) ? true : undefined;
            },
            () => kubectl(["-n", NS_JOB, "get", "job,pods", "-o", "wide"]).stdout,
        );
        const pods = (
            JSON.parse(ok(["-n", NS_JOB, "get", "pods", "-l", "job-name=smoke", "-o", "json"])) as {
                items: { spec: { nodeName?: string }; status: { phase: string } }[];
            }
        ).items;
        assert.equal(pods.length, 2);
        for (const p of pods) {
            assert.equal(p.status.phase, "Succeeded");
            assert.match(p.spec.nodeName ?? "", /^kwok-gpu-\d+$/);
        }
    });

    test("deleting a namespace finishes (namespace controller, garbage collection)", async () => {
        if (kubectl(["get", "namespace", NS_JOB]).status !== 0) await namespace(NS_JOB);
        ok(["delete", "namespace", NS_JOB, "--wait=false"]);
        await until(
            `namespace ${NS_JOB} gone`,
            90,
            () => {
                const r = kubectl(["get", "namespace", NS_JOB, "-o", "name"]);
                return r.status !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
            },
            () => kubectl(["get", "namespace", NS_JOB, "-o", "jsonpath={.status}"]).stdout,
        );
    });

    describe("the DynamoGraphDeployment CRD from the reference data", { skip: referenceSkip(...CRD_PARTS) }, () => {
        test("is established, accepts a minimal graph and refuses an invalid one", async () => {
            crdCreatedHere = kubectl(["get", "crd", CRD_NAME]).status !== 0;
            // Server-side apply: the CRD is too large for the last-applied annotation.
            ok(["apply", "--server-side", "--force-conflicts", "-f", referencePath(...CRD_PARTS)], undefined, 60_000);
            // Polled: `kubectl wait` fails at once while the new CRD has no conditions yet.
            await until(
                `CRD ${CRD_NAME} Established`,
                60,
                () =>
                    /True/.test(kubectl(["get", "crd", CRD_NAME, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}']).stdout)
                        ? true
                        : undefined,
                () => kubectl(["get", "crd", CRD_NAME, "-o", "jsonpath={.status.conditions}"]).stdout,
            );
            await namespace(NS_DGD);

            const graph = (name: string, spec: Record<string, unknown>) =>
                JSON.stringify({ apiVersion: "nvidia.com/v1alpha1", kind: "DynamoGraphDeployment", metadata: { name, namespace: NS_DGD }, spec });
            ok(
                ["create", "--validate=strict", "-f", "-"],
                graph("tiny", {
                    backendFramework: "vllm",
                    services: {
                        Frontend: { componentType: "frontend", replicas: 1 },
                        VllmDecodeWorker: { componentType: "worker", replicas: 1 },
                    },
                }),
            );
            const stored = JSON.parse(ok(["-n", NS_DGD, "get", DGD, "tiny", "-o", "json"])) as { spec: { backendFramework: string } };
            assert.equal(stored.spec.backendFramework, "vllm");

            const bad = kubectl(
                ["create", "-f", "-"],
                graph("bad", { backendFramework: "tensorflow", services: { Frontend: { componentType: "frontend", replicas: -1 } } }),
            );
            assert.notEqual(bad.status, 0, `an invalid graph was accepted: ${bad.stdout}`);
            assert.match(bad.stderr, /spec\.backendFramework: Unsupported value: "tensorflow"/);
            assert.match(bad.stderr, /spec\.services\.Frontend\.replicas: Invalid value: -1/);
            assert.equal(kubectl(["-n", NS_DGD, "get", DGD, "bad"]).status, 1, "the refused graph must not exist");

            const unknown = kubectl(["create", "--validate=strict", "-f", "-"], graph("unknown", { backendFramework: "vllm", servics: {} }));
            assert.notEqual(unknown.status, 0, "an unknown field was accepted under --validate=strict");
            assert.match(unknown.stderr, /unknown field "spec\.servics"/);
        });
    });
});

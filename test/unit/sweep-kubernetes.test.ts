// A Kubernetes sweep under Pulumi mocks in render mode: one graph and one
// benchmark Job per point, chained in order (graph i+1 after Job i), every
// graph valid against the real DynamoGraphDeployment CRD; and the sweep-level
// case on a cluster: one platform and namespace for every point, each point
// one run command that deletes its graph (or, with keepGraphs, the graphs as
// resources).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder, type RecordedResource } from "../helpers/pulumi-mocks";
import { assertValidCustomResource, NO_CRDS } from "../helpers/crd-validate";
import { ConfigError } from "../../config/load";
import { loadSweep } from "../../config/load-sweep";

const GRAPH = "kubernetes:nvidia.com/v1alpha1:DynamoGraphDeployment";
const JOB = "kubernetes:batch/v1:Job";

const raw = {
    target: "kubernetes",
    name: "sw",
    model: { id: "Qwen/Qwen3-0.6B" },
    platform: { install: false },
    kubernetes: { createNamespace: false, renderYamlToDirectory: "rendered" },
    benchmark: { concurrency: [1, 8] },
    sweep: { grid: { "decode.tensorParallel": [1, 2], "frontend.routerMode": ["round-robin", "kv"] } },
};

let mocks: MockRecorder;
let program: typeof import("../../program");

before(async () => {
    mocks = await setupMocks({
        commandStdout: (name) =>
            name.endsWith("-run") || name.endsWith("-results") ? `DYNAMO_BENCH_RESULT ${JSON.stringify({ ...RESULT, graph: LIFETIME })}\n` : "",
    });
    program = await import("../../program");
});

describe("a Kubernetes sweep in render mode", () => {
    let outputs: Record<string, any>;
    const ids = ["rr-dtp1", "kv-dtp1", "rr-dtp2", "kv-dtp2"];
    before(async () => {
        mocks.reset();
        outputs = (await promiseOf(pulumi.output(program.deployStack({ sweep: loadSweep(raw, "test") }, {}, { commandRunner: "dynamic" })))) as Record<
            string,
            any
        >;
        await mocks.settle();
    });

    const byPoint = (type: string): RecordedResource[] =>
        ids.map((id) => {
            const found = mocks.ofType(type).filter((r) => r.name.startsWith(`sw-${id}`));
            assert.equal(found.length, 1, `${type} of ${id}`);
            return found[0]!;
        });

    test("one graph and one Job per point, named after the point", () => {
        assert.equal(mocks.ofType(GRAPH).length, 4);
        assert.equal(mocks.ofType(JOB).length, 4);
        assert.deepEqual(
            byPoint(GRAPH).map((g) => g.inputs.metadata.name),
            ids.map((id) => `sw-${id}`),
        );
        // Each graph carries its own point's settings.
        byPoint(GRAPH).forEach((graph, i) => {
            const frontend = JSON.stringify(graph.inputs.spec.services.frontend);
            assert.ok(frontend.includes(ids[i]!.startsWith("kv") ? '"kv"' : '"round-robin"'), `${ids[i]} frontend ${frontend}`);
            assert.equal(JSON.stringify(graph.inputs.spec.services.decode).includes('"--tensor-parallel-size","2"'), ids[i]!.endsWith("dtp2"), ids[i]);
        });
    });

    test("chained in order: graph i+1 waits for Job i, never the other way", () => {
        const graphs = byPoint(GRAPH);
        const jobs = byPoint(JOB);
        for (let i = 1; i < ids.length; i++) {
            assert.ok(mocks.dependsOn(graphs[i]!, jobs[i - 1]!), `graph ${ids[i]} after Job ${ids[i - 1]}`);
            assert.ok(!mocks.dependsOn(graphs[i - 1]!, jobs[i]!), `graph ${ids[i - 1]} not after Job ${ids[i]}`);
        }
    });

    test("every point's graph is valid against the real CRD", { skip: NO_CRDS }, () => {
        for (const graph of byPoint(GRAPH)) assertValidCustomResource(graph.inputs);
    });

    test("outputs: every point not run in render mode, shared status at the top", () => {
        assert.deepEqual(Object.keys(outputs.points), ids);
        assert.match(outputs.resultsStatus, /^not run: render mode/);
        assert.deepEqual(outputs.frontier, []);
        assert.deepEqual(outputs.best, {});
    });
});

const COMMAND = "command:local:Command";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const RESULT = {
    ok: true,
    schema: "dynamo-bench/k8s-results@1",
    phases: [
        { name: "c1", outputs: { requestCount: 8 } },
        { name: "c8", outputs: { requestCount: 8 } },
    ],
};
const LIFETIME = { createdAt: "2026-12-02T07:00:00Z", goneAt: "2026-12-02T07:01:00.000Z" };

/** A cluster sweep (not render mode) whose stack also installs the platform and creates the namespace. */
const onCluster = (sweep: Record<string, unknown> = {}) => ({
    target: "kubernetes",
    name: "sw",
    model: { id: "Qwen/Qwen3-0.6B" },
    platform: { install: true, version: "1.2.0" },
    kubernetes: { namespace: "bench", createNamespace: true },
    benchmark: { concurrency: [1, 8] },
    sweep: { grid: { "decode.tensorParallel": [1, 2] }, ...sweep },
});
const pointIds = ["dtp1", "dtp2"];

async function deployOnCluster(sweep: Record<string, unknown> = {}): Promise<Record<string, any>> {
    mocks.reset();
    const out = (await promiseOf(
        pulumi.output(
            program.deployStack(
                { sweep: loadSweep(onCluster(sweep), "test") },
                { hfToken: pulumi.secret("hf_test"), secretEnv: pulumi.secret({ API_KEY: "sk_test_value" }) },
                { commandRunner: "pulumi-command" },
            ),
        ),
    )) as Record<string, any>;
    await mocks.settle();
    return out;
}

describe("a Kubernetes sweep on a cluster, graphs freed between points (the default)", () => {
    let outputs: Record<string, any>;
    const runs = () => pointIds.map((id) => mocks.one(COMMAND, `sw-${id}-run`));
    before(async () => {
        outputs = await deployOnCluster();
    });

    test("the platform and the namespace are made once, for every point, before any point", () => {
        assert.equal(mocks.ofType(NAMESPACE).length, 1);
        const releases = mocks.ofType(RELEASE);
        assert.ok(releases.length >= 1);
        assert.ok(
            releases.every((r) => r.name.startsWith("sw-") && !pointIds.some((id) => r.name.startsWith(`sw-${id}`))),
            releases.map((r) => r.name).join(),
        );
        for (const run of runs()) {
            assert.ok(mocks.dependsOn(run, mocks.one(NAMESPACE)), `${run.name} after the namespace`);
            for (const release of releases) assert.ok(mocks.dependsOn(run, release), `${run.name} after ${release.name}`);
        }
    });

    test("no graph or Job resource: each point is one run command with the manifests as its stdin", () => {
        assert.equal(mocks.ofType(GRAPH).length, 0);
        assert.equal(mocks.ofType(JOB).length, 0);
        runs().forEach((run, i) => {
            assert.match(run.inputs.create, /k8s-run-point --namespace bench --graph sw-dtp\d --job sw-dtp\d-bench/);
            assert.match(run.inputs.delete, new RegExp(`k8s-delete-point --namespace bench --graph sw-${pointIds[i]} `));
            const manifests = JSON.parse(run.inputs.stdin);
            assert.equal(manifests.graph.metadata.name, `sw-${pointIds[i]}`);
            assert.equal(manifests.job.metadata.name, `sw-${pointIds[i]}-bench`);
            assert.equal(manifests.configMap.metadata.name, `sw-${pointIds[i]}-bench-script`);
            assert.equal(JSON.stringify(manifests.graph.spec.services.decode).includes('"--tensor-parallel-size","2"'), i === 1);
            // The token and secretEnv stay in their Secret resource: the manifests name it only.
            assert.ok(!run.inputs.stdin.includes("hf_test") && !run.inputs.stdin.includes("sk_test_value"), "no secret value in the run's input");
            assert.equal(
                manifests.job.spec.template.spec.containers[0].env.find((e: any) => e.name === "HF_TOKEN").valueFrom.secretKeyRef.name,
                `sw-${pointIds[i]}-secret-env`,
            );
            assert.ok(JSON.stringify(manifests.graph.spec.services.decode).includes(`"sw-${pointIds[i]}-secret-env"`), "the services read the Secret");
        });
    });

    test("point 2's run waits for point 1's, and each run for its own secret-environment Secret", () => {
        const [first, second] = runs();
        assert.ok(mocks.dependsOn(second!, first!));
        assert.ok(!mocks.dependsOn(first!, second!));
        for (const id of pointIds) {
            const secret = mocks.one(SECRET, `sw-${id}-secret-env`);
            assert.ok(mocks.dependsOn(mocks.one(COMMAND, `sw-${id}-run`), secret));
            assert.ok(mocks.dependsOn(secret, mocks.one(NAMESPACE)), `the Secret of ${id} goes into the namespace after it exists`);
        }
    });

    test("a changed manifest replaces the run: its digest is the trigger", () => {
        const [a, b] = runs();
        assert.equal(a!.inputs.triggers.length, 1);
        assert.notEqual(a!.inputs.triggers[0], b!.inputs.triggers[0]);
    });

    test("every point's graph manifest is valid against the real CRD", { skip: NO_CRDS }, () => {
        for (const run of runs()) assertValidCustomResource(JSON.parse(run.inputs.stdin).graph);
    });

    test("the figures and the graph's lifetime come from the run's result line", () => {
        assert.deepEqual(Object.keys(outputs.points), pointIds);
        assert.equal(outputs.resultsStatus, "collected");
        for (const id of pointIds) {
            assert.equal(outputs.points[id].phases.c8.requestCount, 8);
            assert.deepEqual(outputs.points[id].details.graphLifetime, LIFETIME);
            assert.equal(outputs.points[id].details.platform.mode, "installed");
        }
    });
});

describe("a Kubernetes sweep with sweep.keepGraphs", () => {
    before(async () => {
        await deployOnCluster({ keepGraphs: true });
    });

    test("every graph and Job stays a resource, chained, with one platform and namespace", () => {
        assert.equal(mocks.ofType(NAMESPACE).length, 1);
        assert.equal(mocks.ofType(GRAPH).length, 2);
        assert.equal(mocks.ofType(JOB).length, 2);
        assert.equal(mocks.resources.filter((r) => r.name.endsWith("-run")).length, 0);
        const [g1, g2] = pointIds.map((id) => mocks.one(GRAPH, `sw-${id}-graph`));
        assert.ok(mocks.dependsOn(g2!, mocks.one(JOB, "sw-dtp1-job")));
        assert.ok(mocks.dependsOn(g1!, mocks.one(NAMESPACE)));
    });
});

test("sweep.keepGraphs outside Kubernetes is refused, naming the field", () => {
    assert.throws(
        () =>
            loadSweep(
                {
                    name: "sw",
                    model: { id: "Qwen/Qwen3-0.6B" },
                    benchmark: { concurrency: [1] },
                    sweep: { grid: { "decode.replicas": [1, 2] }, keepGraphs: true },
                },
                "test",
            ),
        (error: Error) =>
            error instanceof ConfigError && error.violations.map((v) => v.path).join() === "sweep.keepGraphs" && /target local/.test(error.message),
    );
});

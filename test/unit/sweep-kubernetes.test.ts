// A Kubernetes sweep under Pulumi mocks in render mode: one graph and one
// benchmark Job per point, chained in order (graph i+1 after Job i), every
// graph valid against the real DynamoGraphDeployment CRD; and the sweep-level
// rule that points do not each install the platform or create the namespace.
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
    mocks = await setupMocks({ commandStdout: () => "" });
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

test("a Kubernetes sweep whose points would each install the platform or create the namespace is refused, naming both fields", () => {
    const { platform: _p, kubernetes: _k, ...rest } = raw;
    assert.throws(
        () => loadSweep({ ...rest, kubernetes: { renderYamlToDirectory: "rendered" } }, "test"),
        (error: Error) =>
            error instanceof ConfigError &&
            error.violations.map((v) => v.path).join() === "platform.install,kubernetes.createNamespace" &&
            /install the platform once/.test(error.message),
    );
});

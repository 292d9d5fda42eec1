// A Kubernetes sweep through the real Pulumi engine in render mode (manifests
// written, nothing applied): one graph and one benchmark Job per point, each
// graph valid against the real DynamoGraphDeployment CRD, point 2's graph
// created only after point 1's Job; then destroy.
// Without the engine the suite is skipped with set-up instructions; under CI
// a missing engine is a failure.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, parseAllDocuments, stringify as toYaml } from "yaml";
import { NO_CRDS, validateCustomResource } from "../helpers/crd-validate";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the Kubernetes sweep render e2e test: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const STACK = "k8s-sweep-e2e";
const NS = "dynamo-bench";

function renderedObjects(dir: string): Array<Record<string, any>> {
    const files = fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".yaml"));
    return files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS())).filter(Boolean);
}

describe("Kubernetes sweep in render mode through the real engine", { skip }, () => {
    test("two points: graphs and Jobs rendered in order, graphs valid against the CRD, destroy", { timeout: 600_000, skip: NO_CRDS }, async () => {
        const renderDir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-sweep-render-"));
        try {
            await withStack(
                REPO_ROOT,
                STACK,
                {},
                async (stack) => {
                    const file = stackConfigFile(REPO_ROOT, STACK);
                    const current = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
                    const config = {
                        [`${NS}:target`]: "kubernetes",
                        [`${NS}:name`]: "ksw",
                        [`${NS}:model`]: { id: "Qwen/Qwen3-0.6B" },
                        [`${NS}:platform`]: { install: false },
                        [`${NS}:kubernetes`]: { createNamespace: false, renderYamlToDirectory: renderDir },
                        [`${NS}:benchmark`]: { concurrency: [1, 8] },
                        [`${NS}:sweep`]: { grid: { "decode.tensorParallel": [1, 2] } },
                    };
                    fs.writeFileSync(file, toYaml({ ...current, config }));

                    const up = await stack.up();
                    // The engine reports each step as it completes: point 2's graph only after point 1's Job.
                    const at = (text: string) => {
                        const i = up.stdout.indexOf(text);
                        assert.ok(i >= 0, `"${text}" in the up output`);
                        return i;
                    };
                    assert.ok(at("ksw-dtp1-job created") < at("ksw-dtp2-graph created"), "graph dtp2 after Job dtp1");

                    const objects = renderedObjects(renderDir);
                    const graphs = objects.filter((o) => o.kind === "DynamoGraphDeployment");
                    const jobs = objects.filter((o) => o.kind === "Job");
                    assert.deepEqual(graphs.map((g) => g.metadata.name).sort(), ["ksw-dtp1", "ksw-dtp2"]);
                    assert.equal(jobs.length, 2);
                    for (const graph of graphs) assert.deepEqual(validateCustomResource(graph), [], graph.metadata.name);

                    const outputs = (await stack.outputs()) as Record<string, any>;
                    assert.deepEqual(Object.keys(outputs.points), ["dtp1", "dtp2"]);
                    assert.match(outputs.resultsStatus, /^not run: render mode/);
                    assert.deepEqual(outputs.points.dtp2.loads, { c1: { concurrency: 1 }, c8: { concurrency: 8 } });
                    await stack.destroy();
                },
                { env: runnerEnv, timeoutMs: 300_000 },
            );
        } finally {
            fs.rmSync(renderDir, { recursive: true, force: true });
        }
    });
});

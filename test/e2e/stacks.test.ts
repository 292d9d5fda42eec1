// The project's own stacks through the real Pulumi engine (file backend):
// - the Kubernetes example stack in render mode: preview, up, the rendered
//   DynamoGraphDeployment and KAI Queues validated against the real CRDs, destroy;
// - the default local stack: a real disaggregated mocker benchmark whose
//   metrics come back as numbers in `pulumi stack output --json`, an unchanged
//   second `up` that runs nothing, and destroy.
// Without the engine the suite is skipped with set-up instructions; under CI
// a missing engine is a failure.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { NO_CRDS, validateCustomResource } from "../helpers/crd-validate";
import { pulumiAvailable, REPO_ROOT, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the stack e2e tests: ${skip}`);

/** Commands run through the dynamic runner unless the command plugin is installed (scripts/pulumi-env.sh). */
const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };

function renderedObjects(dir: string): Array<Record<string, any>> {
    const files = fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".yaml"));
    return files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS())).filter(Boolean);
}

describe("Kubernetes example stack in render mode", { skip }, () => {
    test("preview, up, rendered custom resources valid against the real CRDs, destroy", { timeout: 600_000, skip: NO_CRDS }, async () => {
        const renderDir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-render-"));
        try {
            await withStack(
                REPO_ROOT,
                "example-k8s",
                {
                    "dynamo-bench:kubernetes.renderYamlToDirectory": { value: renderDir, path: true },
                    "dynamo-bench:hfToken": { value: "hf_e2e_render_token", secret: true },
                },
                async (stack) => {
                    const preview = await stack.preview();
                    assert.match(preview.stdout, /nvidia\.com\/v1alpha1:DynamoGraphDeployment/);
                    await stack.up();
                    const objects = renderedObjects(renderDir);
                    const graphs = objects.filter((o) => o.kind === "DynamoGraphDeployment");
                    const queues = objects.filter((o) => o.kind === "Queue");
                    assert.equal(graphs.length, 1);
                    assert.equal(graphs[0]!.metadata.name, "llama70b-disagg-tp4");
                    assert.deepEqual(Object.keys(graphs[0]!.spec.services).sort(), ["decode", "frontend", "prefill"]);
                    assert.ok(queues.length >= 1, "the KAI queue is rendered");
                    for (const cr of [...graphs, ...queues]) assert.deepEqual(validateCustomResource(cr), [], `${cr.kind} ${cr.metadata.name}`);
                    assert.ok(
                        objects.some((o) => o.kind === "Job"),
                        "the benchmark Job is rendered",
                    );
                    // Render mode writes no Secret: the token must not reach any file.
                    for (const f of fs.readdirSync(renderDir, { recursive: true }).map(String)) {
                        const file = path.join(renderDir, f);
                        if (fs.statSync(file).isFile()) assert.ok(!fs.readFileSync(file, "utf8").includes("hf_e2e_render_token"), `${f} holds the token`);
                    }
                    const outputs = await stack.outputs();
                    assert.equal(outputs.target, "kubernetes");
                    assert.equal((outputs.details as Record<string, unknown>).renderedTo, renderDir);
                    assert.match(String(outputs.resultsStatus), /^not run: render mode/);
                    assert.deepEqual(outputs.phases, {});
                    await stack.destroy();
                },
                { env: runnerEnv, timeoutMs: 300_000 },
            );
        } finally {
            fs.rmSync(renderDir, { recursive: true, force: true });
        }
    });
});

describe("default local stack", { skip }, () => {
    test("up runs the mocker benchmark once; metrics are numbers in the stack outputs; destroy", { timeout: 900_000 }, async () => {
        await withStack(
            REPO_ROOT,
            "local",
            {},
            async (stack) => {
                const started = Date.now();
                await stack.up();
                const outputs = (await stack.outputs()) as {
                    target: string;
                    phases: Record<string, any>;
                    details: { runDir: string };
                    timings: Record<string, number>;
                    resultsStatus: string;
                };
                assert.equal(outputs.target, "local");
                assert.equal(outputs.resultsStatus, "collected");
                assert.ok(outputs.timings.readySeconds! > 0 && outputs.timings.benchmarkSeconds! > 0, JSON.stringify(outputs.timings));
                assert.deepEqual(Object.keys(outputs.phases).sort(), ["c1", "c4"]);
                for (const [name, phase] of Object.entries<any>(outputs.phases)) {
                    for (const dist of ["ttftMs", "itlMs", "requestLatencyMs"]) {
                        for (const stat of ["avg", "p50", "p90", "p99"]) {
                            assert.equal(typeof phase[dist]?.[stat], "number", `${name}.${dist}.${stat}`);
                            assert.ok(phase[dist][stat] > 0, `${name}.${dist}.${stat} = ${phase[dist][stat]}`);
                        }
                    }
                    assert.ok(phase.outputTokenThroughputTokPerS > 0);
                    assert.ok(phase.outputTokenThroughputPerGpuTokPerS > 0);
                    assert.equal(phase.requestCount, 40);
                    assert.equal(phase.errorCount, 0);
                    assert.equal(phase.completionRate, 1);
                }
                console.log(`# local stack up: ${((Date.now() - started) / 1000).toFixed(1)}s wall, timings ${JSON.stringify(outputs.timings)}`);

                // Unchanged spec: nothing runs again.
                const second = await stack.up();
                assert.doesNotMatch(second.stdout, /created|updated|replaced/);
                assert.deepEqual(((await stack.outputs()).details as { runDir: string }).runDir, outputs.details.runDir);
                await stack.destroy();
            },
            { env: runnerEnv, timeoutMs: 600_000 },
        );
    });
});

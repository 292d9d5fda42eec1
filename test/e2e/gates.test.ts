// The gates through the real Pulumi engine on the local target. One file
// backend holds four stacks: a baseline run; a stack whose mocker is 10x slower
// fails the regression gate (the message names the metric, both values, the
// difference and the tolerance) while its figures stay recorded, and a second
// `up` set to record judges again without re-running the benchmark; a stack with
// the baseline's settings passes; a stack whose client is told to send fewer
// requests than asked fails the validity gate with that reason. Bad baselines
// (a stack that does not exist, one without figures) stop at preview.
// Each run's `dynamo-bench comment` Markdown is printed for the record.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack, type StackContext } from "./helpers";
import { commentCommand } from "../../cli/comment";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the gates e2e test: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const NS = "dynamo-bench";
const BASE = "gates-base";
const BASE_REF = `organization/${NS}/${BASE}`;
// Generous tolerances: the same settings must pass on a busy 2-core machine; a 10x slower mocker is far beyond them.
const TOLERANCES = { "itlMs.avg": 50, "requestLatencyMs.p50": 50, outputTokenThroughputPerGpuTokPerS: 50 };

function config(overrides: { speedupRatio?: number; extraArgs?: string[]; gates?: Record<string, unknown> } = {}): Record<string, unknown> {
    return {
        [`${NS}:target`]: "local",
        [`${NS}:model`]: { id: "dynamo-bench/tiny-model", servedName: "tiny" },
        [`${NS}:local`]: { speedupRatio: overrides.speedupRatio ?? 10 },
        [`${NS}:benchmark`]: { concurrency: [2], requestCount: 8, inputTokens: 32, outputTokens: 32, repeats: 2, extraArgs: overrides.extraArgs ?? [] },
        [`${NS}:timeouts`]: { readySeconds: 180, benchmarkSeconds: 600 },
        ...(overrides.gates ? { [`${NS}:gates`]: overrides.gates } : {}),
    };
}

/** Writes the config into the stack file `pulumi stack init` made, keeping its encryption salt. */
function writeConfig(stack: string, values: Record<string, unknown>): void {
    const file = stackConfigFile(REPO_ROOT, stack);
    const current = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    fs.writeFileSync(file, toYaml({ ...current, config: values }));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-gates-"));
const comments: string[] = [];

/** `pulumi preview --json` and the outputs after `up`, kept for the comment. */
async function previewJson(stack: StackContext): Promise<string> {
    const file = path.join(dir, `${stack.stackName}-preview.json`);
    fs.writeFileSync(file, (await stack.run(["preview", "--json"])).stdout);
    return file;
}

async function outputsFile(stack: StackContext): Promise<{ file: string; out: Record<string, any> }> {
    const out = await stack.outputs();
    const file = path.join(dir, `${stack.stackName}-outputs.json`);
    fs.writeFileSync(file, JSON.stringify(out, null, 2));
    return { file, out };
}

async function comment(previews: string[], outputs: string[]): Promise<string> {
    let text = "";
    const io = { stdout: { write: (t: string) => ((text += t), true) }, stderr: { write: (t: string) => (process.stderr.write(t), true) } };
    const code = await commentCommand([...previews.flatMap((p) => ["--preview", p]), ...outputs.flatMap((o) => ["--outputs", o])], io as never);
    assert.equal(code, 0);
    comments.push(text);
    return text;
}

/** The verdict resource's error, as the engine printed it under Diagnostics. */
function gateError(stdout: string): string {
    const lines = stdout.split("\n");
    const start = lines.findIndex((l) => /^\s*pulumi-nodejs:dynamic:Resource \(.*-gates-verdict\):$/.test(l));
    return start < 0 ? "(not found)" : lines.slice(start, start + 6).join("\n# ");
}

const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
        return await f();
    } finally {
        console.log(`# ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
};

describe("gates through the real engine", { skip }, () => {
    test("baseline; slower fails the regression gate; same passes; invalid run fails validity", { timeout: 2_400_000 }, async () => {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-gates-state-"));
        const opts = { env: runnerEnv, timeoutMs: 900_000, stateDir };
        try {
            await withStack(
                REPO_ROOT,
                BASE,
                {},
                async (base) => {
                    writeConfig(BASE, config());
                    await withStack(
                        REPO_ROOT,
                        "gates-nofigures",
                        {},
                        async (early) => {
                            // The baseline stack exists but has not run: preview stops, naming the field and the stack.
                            writeConfig(early.stackName, config({ gates: { baseline: { stack: BASE_REF }, tolerances: TOLERANCES } }));
                            const r = await early.run(["preview"], { allowFailure: true });
                            assert.notEqual(r.code, 0);
                            assert.match(r.stdout + r.stderr, new RegExp(`dynamo-bench:gates.baseline.stack: the baseline stack ${BASE_REF} has no figures`));
                            writeConfig(
                                early.stackName,
                                config({ gates: { baseline: { stack: `organization/${NS}/no-such-stack` }, tolerances: TOLERANCES } }),
                            );
                            const missing = await early.run(["preview"], { allowFailure: true });
                            assert.notEqual(missing.code, 0);
                            console.log(
                                `# a baseline stack that does not exist: ${(missing.stdout + missing.stderr)
                                    .split("\n")
                                    .filter((l) => /error/i.test(l))
                                    .join(" | ")}`,
                            );
                            assert.match(missing.stdout + missing.stderr, /no-such-stack/);
                            writeConfig(early.stackName, config());
                        },
                        opts,
                    );

                    const basePreview = await previewJson(base);
                    await timed("baseline up", () => base.up());
                    const baseOut = await outputsFile(base);
                    assert.equal(baseOut.out.valid, true, JSON.stringify(baseOut.out.invalidReasons));
                    assert.equal(baseOut.out.gates.status, "pass");
                    assert.equal(baseOut.out.phases.c2.repeats.count, 2);
                    console.log(await comment([basePreview], [baseOut.file]));

                    const gates = { baseline: { stack: BASE_REF }, tolerances: TOLERANCES };
                    await withStack(
                        REPO_ROOT,
                        "gates-slow",
                        {},
                        async (slow) => {
                            writeConfig(slow.stackName, config({ speedupRatio: 1, gates }));
                            const preview = await previewJson(slow);
                            const failed = await timed("slower stack up (fails)", () => slow.run(["up", "--yes", "--skip-preview"], { allowFailure: true }));
                            assert.notEqual(failed.code, 0, "up of the slower stack must fail");
                            console.log(`# the failure: ${gateError(failed.stdout)}`);
                            assert.match(failed.stdout, /the benchmark's gates failed/);
                            assert.match(
                                failed.stdout,
                                /c2: itlMs\.avg regressed from [\d.]+ \(baseline\) to [\d.]+: \+[\d.]+ \(\+[\d.]+%\), tolerance 50% \(lower is better\)/,
                            );
                            const { file, out } = await outputsFile(slow);
                            assert.equal(out.gates.status, "fail", "the verdict is recorded");
                            assert.ok(out.phases.c2.itlMs.avg > baseOut.out.phases.c2.itlMs.avg, "the figures are recorded");
                            const row = out.gates.regression.rows.find((r: any) => r.metric === "itlMs.avg");
                            assert.equal(row.verdict, "regression");
                            assert.equal(row.baseline, baseOut.out.phases.c2.itlMs.avg);
                            console.log(await comment([preview], [file]));
                            // Judged again on the next up, without running the benchmark again.
                            writeConfig(slow.stackName, config({ speedupRatio: 1, gates: { ...gates, onRegression: "record" } }));
                            const again = await timed("slower stack up with onRegression: record", () => slow.up());
                            assert.doesNotMatch(again.stdout, /local-run/);
                            const after = await slow.outputs();
                            assert.equal((after.gates as any).status, "pass");
                            assert.equal((after.details as any).runId, out.details.runId, "the benchmark did not run again");
                        },
                        opts,
                    );

                    await withStack(
                        REPO_ROOT,
                        "gates-same",
                        {},
                        async (same) => {
                            writeConfig(same.stackName, config({ gates }));
                            const preview = await previewJson(same);
                            await timed("same-settings stack up (passes)", () => same.up());
                            const { file, out } = await outputsFile(same);
                            assert.equal(out.gates.status, "pass", JSON.stringify(out.gates.failures));
                            assert.ok(out.gates.regression.rows.every((r: any) => r.verdict !== "regression" && r.verdict !== "not compared"));
                            console.log(await comment([preview], [file]));
                        },
                        opts,
                    );

                    await withStack(
                        REPO_ROOT,
                        "gates-invalid",
                        {},
                        async (invalid) => {
                            // A phase argument that tells the client to send 3 requests where 8 were asked.
                            writeConfig(invalid.stackName, config({ extraArgs: ["--request-count", "3"] }));
                            const preview = await previewJson(invalid);
                            const failed = await timed("invalid stack up (fails)", () =>
                                invalid.run(["up", "--yes", "--skip-preview"], { allowFailure: true }),
                            );
                            assert.notEqual(failed.code, 0, "up of the invalid run must fail");
                            console.log(`# the failure: ${gateError(failed.stdout)}`);
                            assert.match(failed.stdout, /invalid: c2 run 1: 3 requests completed of the 8 asked \(benchmark\.requestCount\)/);
                            const { file, out } = await outputsFile(invalid);
                            assert.equal(out.valid, false);
                            assert.ok(out.invalidReasons.length >= 2, JSON.stringify(out.invalidReasons));
                            console.log(await comment([preview], [file]));
                        },
                        opts,
                    );
                },
                opts,
            );
        } finally {
            fs.rmSync(stateDir, { recursive: true, force: true });
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

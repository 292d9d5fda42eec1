// CloudAI's own files, imported with `dynamo-bench import cloudai`, through the
// real Pulumi engine: `pulumi preview` of every imported stack (the reference
// scenarios, and test/sglang.toml in a one-entry scenario; Kubernetes in
// render mode, Slurm with slurm.submit false and an output folder, the one
// field its report names; local as imported), and a real `pulumi up` of the
// imported DynamoMocker scenario: CloudAI's mocker values (max-num-seqs
// prefill 4, decode 16, concurrency 10) with no failed request.
// Without the engine or the reference data the suite is skipped with the reason.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { importCommand } from "../../cli/import";
import { TINY_MODEL_ID } from "../../lib/local/from-spec";
import { CLOUDAI, REFERENCE_IMPORTS, importArgs } from "../helpers/cloudai-reference";
import { referencePath, referenceSkip } from "../helpers/reference";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = referenceSkip(CLOUDAI) || (avail.ok || process.env.CI ? false : avail.reason);
if (skip) console.log(`# skipping the CloudAI import e2e tests: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const NS = "dynamo-bench";

/** The imported stack file's config, with `over` (dotted keys under the namespace) set on top. */
function importedConfig(file: string, over: Record<string, unknown>): Record<string, unknown> {
    const config = structuredClone((parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config);
    for (const [dotted, value] of Object.entries(over)) {
        const [top, ...rest] = dotted.split(".");
        let node = (config[`${NS}:${top}`] ??= {}) as Record<string, unknown>;
        for (const key of rest.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
        node[rest[rest.length - 1]!] = value;
    }
    return config;
}

/** Writes the config into the stack file `pulumi stack init` made, keeping its encryption salt. */
function writeConfig(stack: string, config: Record<string, unknown>): void {
    const file = stackConfigFile(REPO_ROOT, stack);
    const current = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    fs.writeFileSync(file, toYaml({ ...current, config }));
}

// test/sglang.toml is named by no reference scenario: a one-entry scenario, as a
// user would write one, runs it on the Slurm example system.
const SGLANG_SCENARIO = `name = "sglang-slurm"
[[Tests]]
id = "sglang.disagg"
test_name = "sglang"
time_limit = "00:20:00"
`;

/** Every imported stack to preview: the reference scenarios' and the SGLang test's. */
const PREVIEWS = [
    ...REFERENCE_IMPORTS.flatMap((ref) => ref.stacks.map((id) => ({ from: ref.scenario, id, target: ref.target }))),
    { from: "sglang.toml (one-entry scenario)", id: "sglang-disagg", target: "slurm" },
] as const;

describe("imported CloudAI stacks through the real engine", { skip }, () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-cloudai-e2e-"));
    const out = path.join(scratch, "stacks");

    before(async () => {
        const sglangScenario = path.join(scratch, "sglang_slurm.toml");
        fs.writeFileSync(sglangScenario, SGLANG_SCENARIO);
        const sglangArgs = [
            "cloudai",
            sglangScenario,
            "--tests",
            referencePath(CLOUDAI, "test"),
            "--system",
            referencePath(CLOUDAI, "system", "example_slurm_cluster.toml"),
            "--out",
            out,
        ];
        for (const args of [...REFERENCE_IMPORTS.map((ref) => importArgs(ref.scenario, ref.system, out)), sglangArgs]) {
            const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
            assert.equal(await importCommand(args, io), 0, io.err);
        }
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    for (const { from, id, target } of PREVIEWS) {
        test(`${from} -> ${id} (${target}): pulumi preview succeeds`, { timeout: 600_000 }, async () => {
            const renderDir = path.join(scratch, `render-${id}`);
            // Only the fields the report names (Slurm's output folder) and what keeps a preview off a cluster.
            const over: Record<string, unknown> =
                target === "kubernetes"
                    ? { "kubernetes.renderYamlToDirectory": renderDir }
                    : target === "slurm"
                      ? { "slurm.submit": false, "slurm.outputDir": path.join(scratch, "slurm-out") }
                      : {};
            const stack = `cloudai-${id}`;
            await withStack(
                REPO_ROOT,
                stack,
                {},
                async (s) => {
                    writeConfig(stack, importedConfig(path.join(out, `Pulumi.${id}.yaml`), over));
                    const preview = await s.preview();
                    const expected = { kubernetes: /DynamoGraphDeployment/, slurm: /dynamo-bench:slurm/, local: /dynamo-bench:local/ }[target];
                    assert.match(preview.stdout, expected);
                    assert.match(preview.stdout, /\+ .*create/);
                },
                { env: runnerEnv, timeoutMs: 300_000 },
            );
        });
    }

    test("with dynamo-bench's handoff switched back on, CloudAI's max-num-seqs are refused at preview, naming the field", { timeout: 300_000 }, async () => {
        const stack = "cloudai-mocker-handoff";
        const config = importedConfig(path.join(out, "Pulumi.dynamo-mocker-base.yaml"), { "local.mocker.handoff": true });
        await withStack(REPO_ROOT, stack, {}, async (s) => {
            writeConfig(stack, config);
            const preview = await s.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            assert.match(
                preview.stdout + preview.stderr,
                /dynamo-bench:local\.mocker\.maxNumSeqs\.prefill: expected at least the highest benchmark concurrency \(10\)/,
            );
            assert.doesNotMatch(preview.stdout + preview.stderr, /maxNumSeqs\.decode/, "decode's 16 holds concurrency 10");
        });
    });

    test("the imported DynamoMocker scenario runs for real on the local target: every request succeeds", { timeout: 900_000 }, async () => {
        // The scenario's model (Qwen/Qwen3-0.6B) needs the hub for its tokenizer; the tiny
        // offline model stands in. Every other setting is the imported one.
        const config = importedConfig(path.join(out, "Pulumi.dynamo-mocker-base.yaml"), { "model.id": TINY_MODEL_ID });
        const c = config as Record<string, any>;
        assert.deepEqual(c[`${NS}:local`].mocker.maxNumSeqs, { prefill: 4, decode: 16 }, "CloudAI's values, unchanged");
        assert.equal(c[`${NS}:benchmark`].concurrency, 10);
        const stack = "cloudai-mocker-run";
        await withStack(
            REPO_ROOT,
            stack,
            {},
            async (s) => {
                writeConfig(stack, config);
                await s.up();
                const outputs = (await s.outputs()) as { resultsStatus: string; phases: Record<string, Record<string, any>>; details: { runDir: string } };
                assert.equal(outputs.resultsStatus, "collected");
                const main = outputs.phases.main!;
                console.log(
                    `# imported mocker run: ${main.requestCount} requests, ${main.errorCount} errors, TTFT p50 ${main.ttftMs.p50} ms p99 ${main.ttftMs.p99} ms, ITL p50 ${main.itlMs.p50} ms, ${main.outputTokenThroughputTokPerS} out tok/s (${outputs.details.runDir})`,
                );
                assert.equal(main.requestCount, 50);
                assert.equal(main.errorCount, 0);
                assert.equal(main.completionRate, 1);
                assert.ok(main.ttftMs.p50 > 0 && main.outputTokenThroughputTokPerS > 0);
                const prefillLog = fs.readFileSync(path.join(outputs.details.runDir, "logs", "prefill-0.log"), "utf8");
                assert.doesNotMatch(prefillLog, /handoff session limit/);
                await s.destroy();
            },
            { env: runnerEnv, timeoutMs: 600_000 },
        );
    });
});

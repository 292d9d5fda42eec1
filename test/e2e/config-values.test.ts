// Stack config through the real engine (issue 13, item 1): a value typed as a
// string reaches the schema as that string (a benchmark `name` of 1234 or true),
// a structured value set with --path still parses, and a prototype-like key is
// refused by name at preview with no stack trace and nothing registered.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the config-values e2e tests: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const base = {
    "dynamo-bench:model.id": { value: "dynamo-bench/tiny-model", path: true },
    "dynamo-bench:benchmark.concurrency": { value: "2", path: true },
};

describe("config values through the engine", { skip }, () => {
    for (const name of ["1234", "true"]) {
        test(`a benchmark name typed as ${name} is that name`, { timeout: 300_000 }, async () => {
            await withStack(
                REPO_ROOT,
                `e2e-typed-${name}`,
                { ...base, "dynamo-bench:name": name },
                async (stack) => {
                    const preview = await stack.preview();
                    assert.doesNotMatch(preview.stdout + preview.stderr, /Invalid stack configuration/);
                    assert.match(preview.stdout, new RegExp(`\\b${name}\\b`), "the benchmark's resources carry the name");
                },
                { env: runnerEnv, timeoutMs: 240_000 },
            );
        });
    }

    test("a prototype-like key is named at preview, without a stack trace", { timeout: 300_000 }, async () => {
        await withStack(
            REPO_ROOT,
            "e2e-proto-key",
            { ...base, "dynamo-bench:decode.__proto__.replicas": { value: "0", path: true } },
            async (stack) => {
                const preview = await stack.run(["preview"], { allowFailure: true });
                const text = preview.stdout + preview.stderr;
                assert.notEqual(preview.code, 0);
                assert.match(text, /dynamo-bench:decode\.__proto__: is not a setting/);
                assert.doesNotMatch(text, /\n\s+at .+\.(ts|js):\d+/, "no stack trace");
            },
            { env: runnerEnv, timeoutMs: 240_000 },
        );
    });

    test("a worker env value stored with --secret is refused at preview, naming the key and not echoing the value", { timeout: 300_000 }, async () => {
        await withStack(
            REPO_ROOT,
            "e2e-secret-env",
            { ...base, "dynamo-bench:decode.env.API_KEY": { value: "s3cret-e2e-value", path: true, secret: true } },
            async (stack) => {
                const preview = await stack.run(["preview"], { allowFailure: true });
                const text = preview.stdout + preview.stderr;
                assert.notEqual(preview.code, 0);
                assert.match(text, /dynamo-bench:decode: is stored as a secret/);
                // What to do instead, with the exact commands (config/secret-settings.ts).
                assert.ok(
                    text.includes("`pulumi config rm --path 'decode.env.API_KEY'` and `pulumi config set --secret --path 'secretEnv.API_KEY' <value>`"),
                    text,
                );
                assert.doesNotMatch(text, /s3cret-e2e-value/);
            },
            { env: runnerEnv, timeoutMs: 240_000 },
        );
    });

    test("values typed in the stack YAML: a bare 1234 name, a number, a mapping with a list", { timeout: 300_000 }, async () => {
        await withStack(
            REPO_ROOT,
            "e2e-typed-yaml",
            {},
            async (stack) => {
                // Written as a user edits the file: YAML types, no `config set`.
                const file = stackConfigFile(REPO_ROOT, stack.stackName);
                fs.writeFileSync(
                    file,
                    [
                        "config:",
                        "  dynamo-bench:name: 1234",
                        "  dynamo-bench:gpusPerNode: 4",
                        "  dynamo-bench:model:",
                        "    id: dynamo-bench/tiny-model",
                        "  dynamo-bench:benchmark:",
                        "    concurrency: [1, 2]",
                        "",
                    ].join("\n"),
                );
                const preview = await stack.preview();
                assert.doesNotMatch(preview.stdout + preview.stderr, /Invalid stack configuration/);
                assert.match(preview.stdout, /\b1234\b/);
            },
            { env: runnerEnv, timeoutMs: 240_000 },
        );
    });
});

// The program's edge: stack config in, resources out. Invalid configurations
// must stop before any resource is registered; secrets must stay secrets.
import { before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";

let mocks: MockRecorder;
let program: typeof import("../../program");

const RESULT_LINE = `DYNAMO_BENCH_RESULT ${JSON.stringify({
    ok: true,
    runId: "r1",
    runDir: "/tmp/r1",
    phases: [{ name: "main", artifactDir: "/tmp/r1/phases/main", outputs: { ttftMs: { avg: 12.5, p99: 20 }, requestCount: 40 } }],
    timings: { totalS: 30 },
})}`;

before(async () => {
    mocks = await setupMocks({ project: "dynamo-bench", stack: "local", commandStdout: () => RESULT_LINE });
    program = await import("../../program");
});

beforeEach(() => mocks.reset());

/** Sets the stack's config map the way the engine would (structured values as JSON). */
function setStackConfig(values: Record<string, unknown>, secretKeys: string[] = []) {
    const all = Object.fromEntries(Object.entries(values).map(([k, v]) => [`dynamo-bench:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    pulumi.runtime.setAllConfig(
        all,
        secretKeys.map((k) => `dynamo-bench:${k}`),
    );
}

function deployFromConfig(): Record<string, unknown> {
    const { spec, secrets } = program.specFromStackConfig();
    return program.deployBenchmark(spec, secrets);
}

describe("invalid configuration registers nothing", () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["missing model", { target: "local" }, /dynamo-bench:model: is required/],
        ["bad kubernetes graph", { target: "kubernetes", model: { id: "m" }, decode: { tensorParallel: 16 } }, /dynamo-bench:decode.tensorParallel/],
        ["misspelled key", { model: { id: "m" }, benchmark: { concurency: 4 } }, /dynamo-bench:benchmark.concurency: is not a known setting/],
        [
            "unsupported Dynamo version",
            { model: { id: "m" }, platform: { version: "0.8.1" } },
            /dynamo-bench:platform.version: expected a supported Dynamo release \(.*\), got 0\.8\.1/,
        ],
        [
            "multinode without Grove or LeaderWorkerSet",
            { target: "kubernetes", model: { id: "m" }, gpusPerNode: 4, scheduling: { grove: false }, decode: { tensorParallel: 8, nodesPerWorker: 2 } },
            /dynamo-bench:decode.nodesPerWorker: expected 1 when scheduling.grove is false and platform.lws.install is none/,
        ],
        [
            "a KAI queue owned by another stack",
            { target: "kubernetes", name: "bench", model: { id: "m" }, scheduling: { kaiQueue: "team-a", createQueue: true } },
            /dynamo-bench:scheduling.kaiQueue: expected this stack's own queue name "bench-queue"/,
        ],
        [
            "SSH login without its key",
            { target: "slurm", model: { id: "m" }, slurm: { outputDir: "/shared/bench", login: { mode: "ssh", host: "login.example", user: "alice" } } },
            /dynamo-bench:sshPrivateKey: is required when slurm.login.mode is ssh/,
        ],
    ];
    for (const [name, config, message] of cases) {
        test(name, async () => {
            setStackConfig(config);
            assert.throws(deployFromConfig, (error: Error) => {
                assert.match(error.message, message);
                // One clear error: a config error without a stack trace, one problem named.
                assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${error.name}`);
                assert.match(error.message, /^Invalid stack configuration \(1 problem\)/);
                return true;
            });
            await mocks.settle();
            assert.equal(mocks.resources.length, 0, `registered: ${mocks.resources.map((r) => r.name).join(", ")}`);
        });
    }

    test("an HF token stored in plain text is refused", async () => {
        setStackConfig({ model: { id: "m" }, hfToken: "hf_plain_value" });
        assert.throws(deployFromConfig, /dynamo-bench:hfToken must be stored encrypted: run `pulumi config set --secret hfToken/);
        await mocks.settle();
        assert.equal(mocks.resources.length, 0);
    });
});

describe("local target", () => {
    test("one command resource runs the benchmark with the spec on stdin, results become outputs", async () => {
        setStackConfig({ model: { id: "dynamo-bench/tiny-model", servedName: "tiny" } });
        const outputs = deployFromConfig();
        await mocks.settle();
        const run = mocks.one("command:local:Command");
        assert.equal(run.name, "local-run");
        assert.match(run.inputs.create, /dynamo-bench\.js local-run --spec-file -$/);
        assert.equal(JSON.parse(run.inputs.stdin).servedModelName, "tiny");
        assert.equal(run.inputs.triggers.length, 1);
        // The runner's own bounds (ready + benchmark) sit inside the resource's timeout.
        assert.equal(run.customTimeouts.create, `${1800 + 3600 + 120}s`);
        assert.deepEqual(await promiseOf(outputs.phases as pulumi.Output<unknown>), { main: { ttftMs: { avg: 12.5, p99: 20 }, requestCount: 40 } });
    });

    test("the same spec gives the same trigger, a changed spec another", async () => {
        setStackConfig({ model: { id: "m" } });
        deployFromConfig();
        await mocks.settle();
        const first = mocks.one("command:local:Command").inputs.triggers[0];
        mocks.reset();
        deployFromConfig();
        await mocks.settle();
        assert.equal(mocks.one("command:local:Command").inputs.triggers[0], first);
        mocks.reset();
        setStackConfig({ model: { id: "m" }, benchmark: { concurrency: 2 } });
        deployFromConfig();
        await mocks.settle();
        assert.notEqual(mocks.one("command:local:Command").inputs.triggers[0], first);
    });

    test("an HF token reaches the runner only as a secret", async () => {
        setStackConfig({ model: { id: "org/model" }, hfToken: "hf_secret_value" }, ["hfToken"]);
        deployFromConfig();
        await mocks.settle();
        const run = mocks.one("command:local:Command");
        assert.ok(
            run.secretPaths.some((p) => p === "environment" || p === "environment.HF_TOKEN"),
            `secret paths: ${run.secretPaths}`,
        );
        for (const r of mocks.resources) assert.ok(!JSON.stringify(r.publicInputs).includes("hf_secret_value"), `${r.name} carries the token in plain text`);
    });
});

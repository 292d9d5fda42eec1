// secretEnv from the stack config to each target's resources, through the
// program under Pulumi mocks (issue 13, item 2): the value is a secret Output
// wherever it lands and never in plain text in any resource's inputs, the
// rendered graph or Job, argv, the spec on stdin, or the outputs.
// - Kubernetes: one Opaque Secret <name>-secret-env (HF_TOKEN and the entries)
//   that every graph service reads with envFromSecret; the Job reads HF_TOKEN only.
// - local: the runner command's environment (one JSON variable), a secret.
// Slurm: test/unit/slurm-secret-env.test.ts. Through the real engine: test/e2e/secret-env.test.ts.
import { before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import { assertValidCustomResource, NO_CRDS } from "../helpers/crd-validate";
import { SECRET_ENV_VARIABLE } from "../../lib/local/secret-env";

const VALUE = "s3cret-value-7f3a9c-never-plain";
const TOKEN = "hf_TokenValueForTheSecretEnvTest";
const RESULT_LINE = (schema: string) =>
    `DYNAMO_BENCH_RESULT ${JSON.stringify({ ok: true, schema, runId: "r1", runDir: "/tmp/r1", phases: [{ name: "main", outputs: { requestCount: 4 } }], timings: {} })}`;

let mocks: MockRecorder;
let program: typeof import("../../program");

before(async () => {
    mocks = await setupMocks({
        project: "dynamo-bench",
        stack: "unit",
        commandStdout: (name) => RESULT_LINE(name.endsWith("-results") ? "dynamo-bench/k8s-results@1" : "x"),
    });
    program = await import("../../program");
});
beforeEach(() => mocks.reset());

/** The stack's config as the engine hands it over: secretEnv's text as the CLI stores `--secret --path 'secretEnv.NAME'`. */
function setStackConfig(values: Record<string, unknown>, secrets: Record<string, unknown>) {
    const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    const all = Object.fromEntries(Object.entries({ ...values, ...secrets }).map(([k, v]) => [`dynamo-bench:${k}`, text(v)]));
    pulumi.runtime.setAllConfig(
        all,
        Object.keys(secrets).map((k) => `dynamo-bench:${k}`),
    );
}

async function deploy(values: Record<string, unknown>, secrets: Record<string, unknown>): Promise<Record<string, unknown>> {
    setStackConfig(values, secrets);
    const { plan, secrets: s } = program.stackFromConfig();
    const outputs = program.deployStack(plan, s) as Record<string, unknown>;
    await mocks.settle();
    return outputs;
}

/** No resource shows `value` in plain text, and neither do the outputs. */
async function assertNowherePlain(outputs: Record<string, unknown>, ...values: string[]) {
    for (const r of mocks.resources) {
        const shown = JSON.stringify(r.publicInputs);
        for (const v of values) assert.ok(!shown.includes(v), `${r.type} ${r.name} shows a secret in plain text`);
    }
    const resolved = JSON.stringify(await promiseOf(pulumi.output(outputs)));
    for (const v of values) assert.ok(!resolved.includes(v), "the stack outputs hold a secret");
}

describe("Kubernetes", () => {
    const K8S = { target: "kubernetes", name: "bench", model: { id: "Qwen/Qwen3-0.6B" } };
    const SECRET = "kubernetes:core/v1:Secret";
    const GRAPH = "kubernetes:nvidia.com/v1alpha1:DynamoGraphDeployment";
    const JOB = "kubernetes:batch/v1:Job";

    test("one Secret with HF_TOKEN and the entries, read by every graph service; the Job reads HF_TOKEN only", async () => {
        const outputs = await deploy(K8S, { hfToken: TOKEN, secretEnv: { API_KEY: VALUE } });
        const secret = mocks.one(SECRET);
        assert.equal(secret.name, "bench-secret-env");
        assert.equal(secret.inputs.metadata.name, "bench-secret-env");
        assert.equal(secret.inputs.type, "Opaque");
        assert.deepEqual(secret.secretPaths, ["stringData"], "the whole data is one secret");
        assert.deepEqual(secret.inputs.stringData, { API_KEY: VALUE, HF_TOKEN: TOKEN });

        const graph = mocks.one(GRAPH);
        assert.ok(mocks.dependsOn(graph, secret), "the graph waits for its Secret");
        const services = graph.inputs.spec.services as Record<string, any>;
        assert.deepEqual(Object.keys(services).sort(), ["decode", "frontend", "prefill"]);
        for (const [name, svc] of Object.entries(services)) {
            assert.equal(svc.envFromSecret, "bench-secret-env", name);
            assert.ok(!JSON.stringify(svc.envs ?? []).includes("API_KEY"), `${name}: not a plain env entry`);
        }

        const container = mocks.one(JOB).inputs.spec.template.spec.containers[0];
        assert.deepEqual(
            container.env.filter((e: any) => e.valueFrom),
            [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "bench-secret-env", key: "HF_TOKEN" } } }],
        );
        assert.equal(container.envFrom, undefined, "the Job does not take the whole Secret");
        assert.equal((outputs.details as Record<string, unknown>).envSecret, "bench-secret-env");
        await assertNowherePlain(outputs, VALUE, TOKEN);
    });

    test("the graph with envFromSecret is valid against the real DGD CRD", { skip: NO_CRDS }, async () => {
        await deploy(K8S, { secretEnv: { API_KEY: VALUE } });
        assertValidCustomResource(mocks.one(GRAPH).inputs);
    });

    test("secretEnv without hfToken: the Secret holds the entries only, the Job names no secret", async () => {
        const outputs = await deploy(K8S, { secretEnv: { API_KEY: VALUE, OTHER: "second-secret-value" } });
        assert.deepEqual(mocks.one(SECRET).inputs.stringData, { API_KEY: VALUE, OTHER: "second-secret-value" });
        const container = mocks.one(JOB).inputs.spec.template.spec.containers[0];
        assert.deepEqual(
            container.env.filter((e: any) => e.valueFrom),
            [],
        );
        await assertNowherePlain(outputs, VALUE, "second-secret-value");
    });

    test("render mode: no Secret is written (it must exist), the graph still reads it", async () => {
        await deploy({ ...K8S, kubernetes: { renderYamlToDirectory: "rendered" } }, { secretEnv: { API_KEY: VALUE } });
        assert.equal(mocks.ofType(SECRET).length, 0);
        assert.equal(mocks.one(GRAPH).inputs.spec.services.decode.envFromSecret, "bench-secret-env");
        for (const r of mocks.resources) assert.ok(!JSON.stringify(r.inputs).includes(VALUE), `${r.name} holds the value`);
    });
});

describe("local", () => {
    const LOCAL = { model: { id: "dynamo-bench/tiny-model" } };

    test("the runner command gets the entries in its environment, a secret; not on stdin, argv or outputs", async () => {
        const outputs = await deploy(LOCAL, { hfToken: TOKEN, secretEnv: { API_KEY: VALUE } });
        const run = mocks.one("command:local:Command");
        assert.deepEqual(run.secretPaths, ["environment"], "the environment travels as one secret");
        assert.deepEqual(JSON.parse(run.inputs.environment[SECRET_ENV_VARIABLE]), { API_KEY: VALUE });
        assert.ok(!run.inputs.stdin.includes(VALUE) && !run.inputs.create.includes(VALUE));
        await assertNowherePlain(outputs, VALUE, TOKEN);
    });

    test("no secretEnv: no such variable", async () => {
        await deploy(LOCAL, {});
        assert.equal(mocks.one("command:local:Command").inputs.environment, undefined);
    });
});

describe("refused before anything is registered", () => {
    const LOCAL = { model: { id: "dynamo-bench/tiny-model" } };
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
        [
            "a collision with a role's plain env",
            { ...LOCAL, decode: { env: { API_KEY: "x" } } },
            { secretEnv: { API_KEY: VALUE } },
            /secretEnv\.API_KEY: is also set in plain text by decode\.env\.API_KEY/,
        ],
        ["an empty value", LOCAL, { secretEnv: { API_KEY: "" } }, /dynamo-bench:secretEnv\.API_KEY: expected a value, got an empty one/],
        ["a launch model variable", LOCAL, { secretEnv: { DYN_NAMESPACE: VALUE } }, /dynamo-bench:secretEnv\.DYN_NAMESPACE: is set by the launch model/],
        [
            "a role marked secret by a nested --path",
            { ...LOCAL },
            { decode: { env: { API_KEY: VALUE } } },
            /dynamo-bench:decode: .*marks all of decode secret.*secretEnv\.API_KEY/,
        ],
    ];
    for (const [name, values, secrets, message] of cases) {
        test(name, async () => {
            setStackConfig(values, secrets);
            assert.throws(
                () => program.stackFromConfig(),
                (e: Error) => e instanceof pulumi.RunError && message.test(e.message) && !e.message.includes(VALUE),
            );
            await mocks.settle();
            assert.equal(mocks.resources.length, 0);
        });
    }

    test("secretEnv stored in plain text", async () => {
        setStackConfig({ ...LOCAL, secretEnv: { API_KEY: "plain" } }, {});
        assert.throws(() => program.stackFromConfig(), /dynamo-bench:secretEnv must be stored encrypted: run `pulumi config rm secretEnv`/);
    });
});

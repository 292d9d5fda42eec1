// The resource graph of the Slurm target under Pulumi mocks: names, order,
// commands, and where the SSH key and the HF token travel.
import { before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import type { CommandRunner } from "../../components/exec";
import type { SlurmBenchmarkOutputs } from "../../components/slurm";
import type { Secrets } from "../../components/target";
import type { BenchmarkSpec } from "../../config/resolve";
import { slurmSpec } from "./slurm-fixtures";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nTestKeyMaterialThatMustStaySecret\n-----END OPENSSH PRIVATE KEY-----\n";
const TOKEN = "hf_TestTokenValueThatMustStaySecret";
const RESULTS = {
    ok: true,
    schema: "dynamo-bench/slurm-results@1",
    timings: { readySeconds: 12.5 },
    phases: [{ name: "main", outputs: { requestCount: 40 } }],
};
const LOCAL = "command:local:Command";
const REMOTE = "command:remote:Command";

let mocks: MockRecorder;
let deployTarget: typeof import("../../components/slurm").deploy;

before(async () => {
    mocks = await setupMocks({
        commandStdout: (name) => (name.endsWith("-job") ? "4242\n" : name.endsWith("-results") ? `DYNAMO_BENCH_RESULT ${JSON.stringify(RESULTS)}\n` : ""),
    });
    ({ deploy: deployTarget } = await import("../../components/slurm"));
});
beforeEach(() => mocks.reset());

const deploy = (spec: BenchmarkSpec, secrets: Secrets = {}, runner: CommandRunner = "pulumi-command") => deployTarget(spec, secrets, runner);

async function outputsOf(o: SlurmBenchmarkOutputs) {
    await mocks.settle();
    return { jobId: o.details.jobId ? await promiseOf(o.details.jobId) : undefined, resultsStatus: await promiseOf(o.resultsStatus) };
}

describe("slurm component, login node local", () => {
    test("stage the files, then submit, then wait; destroy cancels by name", async () => {
        const spec = slurmSpec({ slurm: { login: { mode: "local", env: { SLURM_CONF: "/lab/slurm.conf" } } } });
        const out = deploy(spec);
        const { jobId, resultsStatus } = await outputsOf(out);
        const names = mocks
            .ofType(LOCAL)
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, [
            "unit-file-batch-sh",
            "unit-file-job-env",
            "unit-file-job-processes-sh",
            "unit-file-node-sh",
            "unit-file-stall-watch-sh",
            "unit-file-submit-sh",
            "unit-job",
            "unit-results",
        ]);
        const job = mocks.one(LOCAL, "unit-job");
        assert.match(job.inputs.create, /^env SLURM_CONF=\/lab\/slurm.conf bash \/shared\/bench\/dynamo-bench-unit\/[0-9a-f]{12}\/submit.sh /);
        assert.equal(job.inputs.delete, `env SLURM_CONF=/lab/slurm.conf scancel --name=dynamo-bench-unit --user="$(id -un)"`);
        for (const f of mocks.ofType(LOCAL).filter((r) => r.name.includes("-file-"))) assert.ok(mocks.dependsOn(job, f), `job waits for ${f.name}`);
        const wait = mocks.one(LOCAL, "unit-results");
        assert.ok(mocks.dependsOn(wait, job));
        assert.match(wait.inputs.create, /^node bin\/dynamo-bench.js slurm-wait --run-dir \/shared\/bench\/dynamo-bench-unit\/[0-9a-f]{12} --job-id 4242 /);
        assert.match(wait.inputs.create, /--env SLURM_CONF=\/lab\/slurm.conf .*--phase main:1 --gpus 2 --tool aiperf$/);
        assert.ok(wait.customTimeouts.create, "the wait is bounded");
        assert.equal(jobId, "4242");
        assert.equal(resultsStatus, "collected");
        assert.deepEqual(await promiseOf(out.phases), { main: { requestCount: 40 } });
        assert.deepEqual(await promiseOf(out.timings), { readySeconds: 12.5 });
        const submitFile = mocks.one(LOCAL, "unit-file-submit-sh");
        assert.match(
            submitFile.inputs.delete,
            /^test ! -f \/shared\/bench\/dynamo-bench-unit\/[0-9a-f]{12}\/submit.sh \|\| env SLURM_CONF=\/lab\/slurm.conf bash \S+\/submit.sh --cancel /,
        );
        assert.equal(mocks.one(LOCAL, "unit-file-job-env").inputs.delete, undefined);
        const envFile = mocks.one(LOCAL, "unit-file-job-env");
        assert.match(envFile.inputs.stdin, /^# dynamo-bench dynamo-bench-unit/);
        assert.equal(out.details.nodes, 2);
        assert.deepEqual(out.details.plan, [
            { slot: 0, roles: ["frontend", "decode-0"] },
            { slot: 1, roles: ["prefill-0"] },
        ]);
    });

    test("without the command plugin the same commands run as dynamic resources", async () => {
        deploy(slurmSpec(), {}, "dynamic");
        await mocks.settle();
        assert.deepEqual(mocks.ofType(LOCAL), []);
        const names = mocks
            .ofType("pulumi-nodejs:dynamic:Resource")
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, [
            "unit-file-batch-sh",
            "unit-file-job-env",
            "unit-file-job-processes-sh",
            "unit-file-node-sh",
            "unit-file-stall-watch-sh",
            "unit-file-submit-sh",
            "unit-job",
            "unit-results",
        ]);
        const job = mocks.one("pulumi-nodejs:dynamic:Resource", "unit-job");
        assert.match(job.inputs.delete, /^scancel --name=dynamo-bench-unit /);
        assert.equal(job.inputs.timeoutSeconds, 300);
    });

    test("submit false renders the files only", async () => {
        const out = deploy(slurmSpec({ slurm: { submit: false } }));
        const { resultsStatus } = await outputsOf(out);
        assert.deepEqual(
            mocks
                .ofType(LOCAL)
                .map((r) => r.name)
                .filter((n) => !n.includes("-file-")),
            [],
        );
        assert.equal(out.details.submitted, false);
        assert.match(resultsStatus, /^not run: slurm.submit is false.*bash \/shared\/bench\/.*submit.sh/);
        assert.deepEqual(await promiseOf(out.phases), {});
    });

    test("the HF token goes to a 0600 secrets.env as a secret, nowhere else", async () => {
        deploy(slurmSpec(), { hfToken: pulumi.secret(TOKEN) });
        await mocks.settle();
        const secrets = mocks.one(LOCAL, "unit-file-secrets-env");
        assert.match(secrets.inputs.create, /chmod 0600/);
        assert.deepEqual(secrets.secretPaths, ["stdin"]);
        for (const r of mocks.resources) assert.ok(!JSON.stringify(r.publicInputs).includes(TOKEN), `${r.name} shows the token`);
    });
});

describe("slurm component, login node over SSH", () => {
    const ssh = { slurm: { login: { mode: "ssh", host: "login.example", port: 2222, user: "bench" } } };
    test("remote commands carry the key as a secret; the local wait gets it in its environment", async () => {
        deploy(slurmSpec(ssh), { sshPrivateKey: pulumi.secret(KEY) });
        await mocks.settle();
        const remote = mocks.ofType(REMOTE);
        assert.deepEqual(remote.map((r) => r.name).sort(), [
            "unit-file-batch-sh",
            "unit-file-job-env",
            "unit-file-job-processes-sh",
            "unit-file-node-sh",
            "unit-file-stall-watch-sh",
            "unit-file-submit-sh",
            "unit-job",
        ]);
        for (const r of remote) {
            assert.equal(r.inputs.connection.host, "login.example");
            assert.equal(r.inputs.connection.port, 2222);
            assert.equal(r.inputs.connection.privateKey, KEY);
            assert.ok(
                r.secretPaths.some((p) => p.startsWith("connection")),
                `${r.name}: the key is secret`,
            );
        }
        const wait = mocks.one(LOCAL, "unit-results");
        assert.match(wait.inputs.create, /--ssh bench@login.example:2222 --fetch-to /);
        assert.equal(wait.inputs.environment.DYNAMO_BENCH_SSH_KEY, KEY);
        assert.ok(wait.secretPaths.includes("environment.DYNAMO_BENCH_SSH_KEY") || wait.secretPaths.includes("environment"), wait.secretPaths.join(","));
        for (const r of mocks.resources) assert.ok(!JSON.stringify(r.publicInputs).includes("TestKeyMaterial"), `${r.name} shows the key`);
    });

    test("no key: a clear error", () => {
        assert.throws(() => deploy(slurmSpec(ssh)), /secret sshPrivateKey is not set/);
    });
});

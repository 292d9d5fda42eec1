// secretEnv on the Slurm target (issue 13, item 2): the entries travel only in
// secrets.env (mode 600, a Pulumi secret on its way), never in job.env or a
// command line, and the real node.sh gives them to the Dynamo processes
// (frontend, workers) and not to the benchmark client; HF_TOKEN to all.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, type MockRecorder } from "../helpers/pulumi-mocks";
import { renderJob, type RenderedJob } from "../../lib/slurm/render";
import { renderSecretsEnv } from "../../lib/slurm/secrets-env";
import { HOSTILE, slurmSpec } from "./slurm-fixtures";

const VALUE = `s3cret 'q' $(touch /tmp/dynamo-bench-pwned) \`id\` line\nnext ${HOSTILE.join("|")}`;
const TOKEN = "hf_TestTokenValueThatMustStaySecret";
const SECRET_ENV = { API_KEY: VALUE, OTHER_SECRET: "plain-looking-but-secret-42" };
const LOCAL = "command:local:Command";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-secret-env-test-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

let mocks: MockRecorder;
let deploy: typeof import("../../components/slurm").deploy;
before(async () => {
    const results = { ok: true, schema: "dynamo-bench/slurm-results@1", timings: {}, phases: [{ name: "main", outputs: { requestCount: 40 } }] };
    mocks = await setupMocks({
        commandStdout: (name) => (name.endsWith("-job") ? "4242\n" : name.endsWith("-results") ? `DYNAMO_BENCH_RESULT ${JSON.stringify(results)}\n` : ""),
    });
    ({ deploy } = await import("../../components/slurm"));
});
beforeEach(() => mocks.reset());

describe("secrets.env", () => {
    test("HF_TOKEN and the secretEnv entries, single-quoted; nothing to write without either", () => {
        const text = renderSecretsEnv(TOKEN, SECRET_ENV)!;
        assert.match(text, /^HF_TOKEN=hf_TestTokenValueThatMustStaySecret\n/);
        assert.match(text, /^SECRET_ENV=\('API_KEY=s3cret '\\''q'\\''/m);
        assert.equal(renderSecretsEnv(undefined, undefined), undefined);
        assert.equal(renderSecretsEnv(undefined, {}), undefined);
        assert.doesNotMatch(renderSecretsEnv(undefined, SECRET_ENV)!, /HF_TOKEN/);
        assert.equal(renderSecretsEnv(TOKEN, {}), `HF_TOKEN=${TOKEN}\n`, "the token alone: the file as it was before secretEnv");
    });
});

describe("the Slurm component under mocks", () => {
    for (const submit of [true, false]) {
        test(`secretEnv is staged only in the 0600 secrets.env, as a secret (slurm.submit ${submit})`, async () => {
            deploy(slurmSpec({ slurm: { submit } }), { hfToken: TOKEN, secretEnv: SECRET_ENV }, "pulumi-command");
            await mocks.settle();
            const file = mocks.one(LOCAL, "unit-file-secrets-env");
            assert.match(file.inputs.create, /chmod 0600/);
            assert.deepEqual(file.secretPaths, ["stdin"], "the content is a secret even from plain inputs");
            assert.equal(file.inputs.stdin, renderSecretsEnv(TOKEN, SECRET_ENV));
            for (const r of mocks.resources) {
                const shown = JSON.stringify(r.publicInputs);
                for (const v of [VALUE, SECRET_ENV.OTHER_SECRET, TOKEN]) assert.ok(!shown.includes(v), `${r.name} shows a secret in plain text`);
            }
            const jobEnv = mocks.one(LOCAL, "unit-file-job-env").inputs.stdin as string;
            assert.ok(!jobEnv.includes("API_KEY") && !jobEnv.includes("OTHER_SECRET"), "job.env does not even name them");
        });
    }

    test("secretEnv alone (no hfToken) still makes secrets.env", async () => {
        deploy(slurmSpec(), { secretEnv: pulumi.secret(SECRET_ENV) }, "pulumi-command");
        await mocks.settle();
        const file = mocks.one(LOCAL, "unit-file-secrets-env");
        assert.deepEqual(file.secretPaths, ["stdin"]);
        assert.doesNotMatch(file.inputs.stdin, /HF_TOKEN/);
    });

    test("neither: no secrets.env", async () => {
        deploy(slurmSpec(), {}, "pulumi-command");
        await mocks.settle();
        assert.equal(mocks.ofType(LOCAL).filter((r) => r.name.endsWith("secrets-env")).length, 0);
    });
});

describe("node.sh gives secretEnv to the Dynamo processes only", () => {
    let recorder: string;
    let job: RenderedJob;
    let envFile: string;
    before(() => {
        recorder = path.join(TMP, "record.js");
        // Writes its environment as JSON to $RECORD_TO.
        fs.writeFileSync(recorder, `require("fs").writeFileSync(process.env.RECORD_TO, JSON.stringify(process.env));\n`);
        const program = [process.execPath, recorder];
        job = renderJob(
            slurmSpec({ slurm: { outputDir: path.join(TMP, "out"), commands: { frontend: program, decode: program, prefill: program, benchmark: program } } }),
        );
        fs.mkdirSync(job.runDir, { recursive: true });
        for (const f of job.files) fs.writeFileSync(path.join(job.runDir, f.name), f.content, { mode: parseInt(f.mode, 8) });
        fs.writeFileSync(path.join(job.runDir, "secrets.env"), renderSecretsEnv(TOKEN, SECRET_ENV)!, { mode: 0o600 });
        // The node slots' addresses, as batch.sh lists them before any process starts (the client's worker /metrics URLs name them).
        fs.writeFileSync(path.join(job.runDir, "nodes.txt"), job.plan.slots.map((slot, i) => `${i} n${i} 10.0.1.${i} ${slot.roles.join(",")}\n`).join(""));
        envFile = path.join(job.runDir, "job.env");
    });

    function runNode(key: string, name: string): Record<string, string> {
        const out = path.join(TMP, `${key}.json`);
        const r = spawnSync("bash", [path.join(job.runDir, "node.sh"), envFile, key, name, "10.0.0.7", "10.0.0.1", "10.0.0.9"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: process.env.HOME, RECORD_TO: out },
        });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.ok(!(r.stdout + r.stderr).includes("s3cret"), "node.sh prints no value");
        return JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, string>;
    }

    test("frontend and both workers: every entry, byte for byte; the client: HF_TOKEN only", () => {
        for (const [key, name] of [
            ["FRONTEND", "frontend"],
            ["W0", "decode-0"],
            ["W1", "prefill-0"],
        ]) {
            const env = runNode(key!, name!);
            assert.equal(env.API_KEY, VALUE, key);
            assert.equal(env.OTHER_SECRET, SECRET_ENV.OTHER_SECRET, key);
            assert.equal(env.HF_TOKEN, TOKEN, key);
            assert.equal(env.SECRET_ENV, undefined, "the array itself is not exported");
        }
        const client = runNode("PH0", "phase-main");
        assert.equal(client.API_KEY, undefined);
        assert.equal(client.OTHER_SECRET, undefined);
        assert.equal(client.HF_TOKEN, TOKEN, "the client reads the tokenizer with the token");
        assert.ok(!fs.existsSync("/tmp/dynamo-bench-pwned"), "a command substitution ran");
    });

    test("a secrets.env with the token alone (as written before secretEnv): HF_TOKEN, nothing else", () => {
        const file = path.join(job.runDir, "secrets.env");
        fs.writeFileSync(file, renderSecretsEnv(TOKEN, undefined)!, { mode: 0o600 });
        try {
            const env = runNode("FRONTEND", "frontend");
            assert.equal(env.HF_TOKEN, TOKEN);
            assert.equal(env.API_KEY, undefined);
        } finally {
            fs.writeFileSync(file, renderSecretsEnv(TOKEN, SECRET_ENV)!, { mode: 0o600 });
        }
    });

    test("job.env marks exactly the Dynamo processes, and holds no value", () => {
        const text = fs.readFileSync(envFile, "utf8");
        assert.deepEqual(text.match(/^P_\w+_SECRET_ENV=1$/gm), ["P_FRONTEND_SECRET_ENV=1", "P_W0_SECRET_ENV=1", "P_W1_SECRET_ENV=1"]);
        assert.equal(fs.statSync(envFile).mode & 0o777, 0o644);
        assert.ok(!text.includes("s3cret"));
    });
});

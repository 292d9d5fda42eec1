// secretEnv on the local target's runner (issue 13, item 2): the entries
// arrive in one variable of the runner's environment (lib/local/secret-env.ts)
// and go into the Dynamo processes' environments only: not AIPerf's, not a
// between-phases step's, not plan.json. Through the real engine and processes:
// test/e2e/secret-env.test.ts.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planLocalRun } from "../../lib/local/plan";
import { prepareRunDir } from "../../lib/local/run/run-dir";
import { SECRET_ENV_VARIABLE, secretEnvFrom } from "../../lib/local/secret-env";
import { localPlanInput } from "../helpers/local-input";

const VALUE = "s3cret-local-value-'q' $(x)";
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "local-secret-env-test-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const ports = { frontend: 41000, bootstrap: [41001] };
const baseEnv = { PATH: "/usr/bin", HF_TOKEN: "hf_x", [SECRET_ENV_VARIABLE]: JSON.stringify({ API_KEY: VALUE, OTHER: "two" }) };

function plan(runDir = "/tmp/dbench-run") {
    return planLocalRun(
        localPlanInput(
            { runId: "t-1", runDir, venv: "/opt/venv", modelPath: "/models/tiny" },
            {
                benchmark: {
                    ...localPlanInput({ runId: "t-1", runDir, venv: "/opt/venv", modelPath: "/models/tiny" }).benchmark,
                    betweenPhases: { command: ["true"], healthCheck: false, timeoutSeconds: 5 },
                },
            },
        ),
        baseEnv,
        ports,
    );
}

describe("local plan: secretEnv", () => {
    test("frontend, prefill and decode get every entry; the variable itself reaches no process", () => {
        const p = plan();
        assert.deepEqual(
            p.processes.map((x) => x.name),
            ["frontend", "prefill-0", "decode-0"],
        );
        for (const proc of p.processes) {
            assert.equal(proc.env.API_KEY, VALUE, proc.name);
            assert.equal(proc.env.OTHER, "two", proc.name);
            assert.equal(proc.env[SECRET_ENV_VARIABLE], undefined, proc.name);
            assert.deepEqual(proc.secretEnvKeys, ["API_KEY", "OTHER"]);
            assert.ok(!proc.plannedEnvKeys.includes("API_KEY"));
            assert.ok(!proc.argv.some((a) => a.includes(VALUE)), `${proc.name} argv`);
        }
    });

    test("AIPerf and the between-phases step do not get them (HF_TOKEN stays inherited)", () => {
        const p = plan();
        for (const phase of p.benchmarkPhases) {
            assert.equal(phase.env.API_KEY, undefined);
            assert.equal(phase.env[SECRET_ENV_VARIABLE], undefined);
            assert.equal(phase.env.HF_TOKEN, "hf_x");
        }
        assert.ok(p.betweenPhases, "the plan has a between-phases step");
        assert.ok(!JSON.stringify(p.betweenPhases).includes(VALUE));
    });

    test("plan.json names the variables, never a value", () => {
        const runDir = path.join(TMP, "run");
        const p = plan(runDir);
        prepareRunDir(p);
        const text = fs.readFileSync(path.join(runDir, "plan.json"), "utf8");
        assert.ok(!text.includes("s3cret"));
        for (const proc of JSON.parse(text).processes) assert.deepEqual(proc.secretEnv, ["API_KEY", "OTHER"]);
    });

    test("the variable's text: a map of names to text; errors never quote it", () => {
        assert.deepEqual(secretEnvFrom({}), {});
        assert.deepEqual(secretEnvFrom({ [SECRET_ENV_VARIABLE]: '{"A":"1"}' }), { A: "1" });
        for (const text of [`not json ${VALUE}`, `["${VALUE}"]`, `{"A":5}`, `{"1A":"${VALUE}"}`]) {
            assert.throws(
                () => secretEnvFrom({ [SECRET_ENV_VARIABLE]: text }),
                (e: Error) => e.message.startsWith(SECRET_ENV_VARIABLE) && !e.message.includes("s3cret"),
            );
        }
    });
});

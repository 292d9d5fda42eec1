// `dynamo-bench report --stack NAME` through the real Pulumi CLI: real sweep
// outputs (test/fixtures/report/README.md) imported as the outputs of a stack
// in a throwaway file backend, then read back by the report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI_ENTRY, REPO_ROOT, repoPath } from "../../lib/paths";
import { readOutputs, SWEEP_OUTPUTS } from "../helpers/report-fixtures";

const PULUMI_ENV = repoPath("scripts", "pulumi-env.sh");
const pulumiFound = spawnSync("bash", ["-c", 'source "$1" && command -v pulumi', "bash", PULUMI_ENV], { encoding: "utf8" }).status === 0;
const skip = pulumiFound ? false : "the Pulumi CLI is not installed; set it up with: bash scripts/setup-pulumi.sh";
if (skip) process.stderr.write(`SKIP report --stack integration test: ${skip}\n`);

// `local`: its stack file carries the salt of the local-only passphrase, so `stack init` leaves the checkout untouched.
const STACK = "local";

test("report --stack reads a stack's outputs with the Pulumi CLI; a missing stack fails with Pulumi's reason", { skip, timeout: 120_000 }, (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-report-stack-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: `file://${dir}/state` };
    // scripts/pulumi-env.sh then sets the local-only passphrase that stack file's salt belongs to.
    delete env.PULUMI_CONFIG_PASSPHRASE;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    fs.mkdirSync(path.join(dir, "state"));
    const pulumi = (...args: string[]) =>
        execFileSync("bash", ["-c", 'source "$1" && shift && exec pulumi "$@"', "bash", PULUMI_ENV, ...args], {
            cwd: REPO_ROOT,
            env,
            encoding: "utf8",
            timeout: 60_000,
        });
    pulumi("stack", "init", STACK, "--non-interactive");
    const deployment = {
        version: 3,
        deployment: {
            manifest: { time: new Date(0).toISOString(), magic: "", version: "" },
            resources: [
                {
                    urn: `urn:pulumi:${STACK}::dynamo-bench::pulumi:pulumi:Stack::dynamo-bench-${STACK}`,
                    custom: false,
                    type: "pulumi:pulumi:Stack",
                    outputs: readOutputs(SWEEP_OUTPUTS),
                },
            ],
        },
    };
    fs.writeFileSync(path.join(dir, "deployment.json"), JSON.stringify(deployment));
    pulumi("stack", "import", "--stack", STACK, "--file", path.join(dir, "deployment.json"));

    const out = path.join(dir, "report");
    const run = spawnSync(process.execPath, [CLI_ENTRY, "report", "--stack", STACK, "--out", out], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\n {2}local: 2 point\(s\); frontier: d1\/c16, d2\/c16\n/);
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    assert.match(md, /\| local \| sweep \| local \| sweep \| tiny \| 1\.6\.1 \| 2 \| 6 \| collected \|/);
    assert.match(md, /\| d1 \| decode\.replicas=1 \| 2 \| collected \|/);

    const missing = spawnSync(process.execPath, [CLI_ENTRY, "report", "--stack", "no-such-stack", "--out", path.join(dir, "none")], {
        cwd: REPO_ROOT,
        env,
        encoding: "utf8",
        timeout: 60_000,
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^dynamo-bench report: pulumi stack output --stack no-such-stack failed \(\d+\):\n {2}.*no stack named 'no-such-stack' found/);
    assert.equal(fs.existsSync(path.join(dir, "none")), false);
});

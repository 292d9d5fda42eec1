// `pulumi up` of a Slurm stack through the real Pulumi engine (CLI, Node.js
// language host, command provider) against the project's one-machine Slurm
// cluster: the job runs, the metrics are stack outputs, `pulumi destroy`
// leaves no job. Once with the login node local, once over SSH (remote
// Command resources with the key as a secret).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { createProgramDir, pulumiAvailable, withStack } from "../e2e/helpers";
import { liveJobs, mockerConfig, pythonRuntime, REPO_ROOT, slurmCluster, testSshd, SLURM_CONF, type SshdInfo } from "./slurm-helpers";

const engine = pulumiAvailable();
const cluster = slurmCluster();
const py = pythonRuntime();
const sshd = testSshd();
const skip = !engine.ok ? engine.reason : !cluster.ok ? cluster.reason : !py.ok ? py.reason : false;
if (skip) console.log(`# SKIP slurm-pulumi: ${skip}`);
/** Commands run through @pulumi/command when its plugin is installed, else as dynamic resources (components/exec). */
const RUNNER = engine.ok && engine.plugins.command ? "pulumi-command" : "dynamic";

/** The real program's entry: config read once, then the Slurm target through the target contract. */
function programSource(): string {
    const program = JSON.stringify(path.join(REPO_ROOT, "program"));
    return `import { commandRunnerFromEnv, deployBenchmark, specFromStackConfig } from ${program};
const { spec, secrets } = specFromStackConfig();
const commandRunner = commandRunnerFromEnv(process.env.DYNAMO_BENCH_COMMAND_RUNNER);
export = deployBenchmark(spec, secrets, { commandRunner });
`;
}

async function upAndDestroy(stack: string, over: Record<string, unknown>, secrets: Record<string, string> = {}) {
    const raw = await mockerConfig(over);
    const config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`dynamo-bench:${k}`, v]));
    const dir = createProgramDir({
        "Pulumi.yaml": "name: dynamo-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
        "index.ts": programSource(),
        [`Pulumi.${stack}.yaml`]: stringify({ config }),
    });
    let jobName = "";
    try {
        await withStack(
            dir,
            stack,
            Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { value: v, secret: true }])),
            async (s) => {
                await s.up();
                const out = await s.outputs();
                const details = out.details as Record<string, unknown>;
                jobName = String(details.jobName);
                assert.equal(out.target, "slurm");
                assert.equal(out.resultsStatus, "collected", JSON.stringify(out).slice(0, 2000));
                const phases = out.phases as Record<string, Record<string, any>>;
                assert.equal(phases.main.requestCount, 40);
                assert.ok(phases.main.ttftMs.p99 > 0);
                assert.ok(phases.main.outputTokenThroughputPerGpuTokPerS > 0);
                const timings = out.timings as Record<string, number>;
                assert.ok(timings.lastWorkerToFirstRequestSeconds > 0);
                assert.match(String(details.jobId), /^\d+$/);
                assert.ok(!JSON.stringify(out).includes("PRIVATE KEY"), "no key in the outputs");
                // A second `up` with nothing changed submits nothing.
                const again = await s.up();
                assert.doesNotMatch(again.stdout, /\+\s+\d+ to create|~\s+\d+ to update/);
                return out;
            },
            { timeoutMs: 600_000, env: { DYNAMO_BENCH_COMMAND_RUNNER: RUNNER } },
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(liveJobs(jobName), [], "destroy left a job");
}

describe(`Slurm through the real Pulumi engine (commands: ${RUNNER})`, { skip }, () => {
    test("pulumi up: sbatch, wait, metrics in the stack outputs; destroy", { timeout: 900_000 }, async () => {
        await upAndDestroy("slurm-e2e", {});
    });

    test("pulumi up with the login node over SSH (remote Commands, key as a secret)", { timeout: 900_000, skip: sshd.ok ? false : sshd.reason }, async () => {
        const info = sshd as SshdInfo & { ok: true };
        await upAndDestroy(
            "slurm-e2e-ssh",
            { slurm: { login: { mode: "ssh", host: info.host, port: info.port, user: info.user, hostKey: info.hostKey, env: { SLURM_CONF } } } },
            { sshPrivateKey: fs.readFileSync(info.keyFile, "utf8") },
        );
    });
});

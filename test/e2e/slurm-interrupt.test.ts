// Ctrl-C during `pulumi up` of a Slurm stack, through the real engine and the
// project's one-machine Slurm cluster. The job belongs to the cluster, not to
// the terminal: after a second Ctrl-C the CLI exits within 30 s and the job
// keeps its allocation; the next `pulumi up` adopts it (waits for that same
// job, submits no other), and `pulumi destroy` cancels it. Prints the time
// from the second interrupt to the CLI's exit, and from destroy to the job's
// end.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { createProgramDir, pulumiAvailable, pulumiBinary, withStack, type StackContext } from "./helpers";
import { benchmarkRunning, jobState, liveJobs, mockerConfig, pythonRuntime, render, REPO_ROOT, slurmCluster, until } from "../integration/slurm-helpers";

const engine = pulumiAvailable();
const cluster = slurmCluster();
const py = pythonRuntime();
const skip = !engine.ok ? engine.reason : !cluster.ok ? cluster.reason : !py.ok ? py.reason : false;
if (skip) console.log(`# SKIP slurm-interrupt: ${skip}`);
const RUNNER = engine.ok && engine.plugins.command ? "pulumi-command" : "dynamic";

/** Starts `pulumi up`; resolves its exit code. */
function startUp(stack: StackContext) {
    const cli = spawn(pulumiBinary(), ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.stackName], {
        cwd: stack.projectDir,
        env: stack.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    cli.stdout.on("data", (d) => (output += d));
    cli.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => cli.on("close", (code) => resolve(code)));
    return { cli, exited, output: () => output };
}

/** Ctrl-C twice (Pulumi's first one waits for the operation in flight); returns ms from the second to the CLI's exit. */
async function interruptTwice(up: ReturnType<typeof startUp>): Promise<number> {
    up.cli.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(up.cli.exitCode, null, "the first Ctrl-C waits for the operation in flight");
    const sentAt = Date.now();
    up.cli.kill("SIGINT");
    const code = await Promise.race([up.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000))]);
    assert.notEqual(code, "hung", `pulumi up still running 60 s after the second Ctrl-C:\n${up.output().slice(-2000)}`);
    return Date.now() - sentAt;
}

describe("Ctrl-C during pulumi up of a Slurm stack", { skip }, () => {
    test("the CLI exits within 30 s, the job runs on; the next up adopts it, destroy cancels it; then up converges", { timeout: 1_500_000 }, async (t) => {
        const stackName = `slurm-int-${process.pid}`;
        const long = await mockerConfig({
            benchmark: { concurrency: 2, requestCount: 5000, outputTokens: 200 },
            timeouts: { readySeconds: 120, benchmarkSeconds: 1800 },
            slurm: { mockerSpeedupRatio: 1 },
        });
        const run = render(long, stackName);
        const clis: ChildProcess[] = [];
        const config = Object.fromEntries(Object.entries(long).map(([k, v]) => [`dynamo-bench:${k}`, v]));
        const dir = createProgramDir({
            "Pulumi.yaml": "name: dynamo-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
            "index.ts": `import outputs = require(${JSON.stringify(path.join(REPO_ROOT, "index"))});\nexport = outputs;\n`,
            [`Pulumi.${stackName}.yaml`]: stringify({ config }),
        });
        try {
            await withStack(
                dir,
                stackName,
                {},
                async (stack) => {
                    const first = startUp(stack);
                    clis.push(first.cli);
                    // The shared test cluster may queue the job behind other work first.
                    const jobDir = path.dirname(run.job.runDir);
                    const runDir = await until("the run folder", () => (fs.existsSync(jobDir) ? fs.readdirSync(jobDir)[0] : undefined), 600_000, 1000);
                    const staged = { ...run, job: { ...run.job, runDir: path.join(jobDir, runDir) } };
                    await benchmarkRunning(staged, "main", 600_000);
                    const [jobId] = liveJobs(run.job.jobName);
                    assert.ok(jobId, "the job runs");
                    const ms = await interruptTwice(first);
                    const line = `fault->report Ctrl-C twice during pulumi up (Slurm): CLI exited ${(ms / 1000).toFixed(1)} s after the second Ctrl-C`;
                    t.diagnostic(line);
                    process.stderr.write(`${line}\n`);
                    assert.ok(ms < 30_000, `the CLI took ${ms} ms`);
                    assert.equal(jobState(jobId), "RUNNING", "the job keeps its allocation");
                    assert.deepEqual(waiters(staged.job.runDir), [], "no slurm-wait is left behind");

                    // The next up adopts the job: it waits for that one and submits no other.
                    const again = startUp(stack);
                    clis.push(again.cli);
                    await new Promise((r) => setTimeout(r, 20_000));
                    assert.equal(again.cli.exitCode, null, again.output().slice(-2000));
                    assert.deepEqual(liveJobs(run.job.jobName), [jobId], "no second job was submitted");
                    await interruptTwice(again);

                    // destroy cancels it.
                    const destroyAt = Date.now();
                    await stack.destroy();
                    await until("the job to end", () => (liveJobs(run.job.jobName).length === 0 ? true : undefined), 60_000);
                    const gone = `destroy after Ctrl-C (Slurm): the job ended ${((Date.now() - destroyAt) / 1000).toFixed(1)} s after pulumi destroy started`;
                    t.diagnostic(gone);
                    process.stderr.write(`${gone}\n`);
                    assert.equal(jobState(jobId), "CANCELLED");

                    // And a short benchmark converges on the same stack.
                    await stack.run(["config", "set", "--path", "benchmark.requestCount", "12"]);
                    await stack.run(["config", "set", "--path", "slurm.mockerSpeedupRatio", "10"]);
                    await stack.up();
                    assert.equal((await stack.outputs()).resultsStatus, "collected");
                },
                { timeoutMs: 600_000, env: { DYNAMO_BENCH_COMMAND_RUNNER: RUNNER } },
            );
        } finally {
            for (const cli of clis) if (cli.exitCode === null) cli.kill("SIGKILL");
            for (const id of liveJobs(run.job.jobName)) spawnScancel(id);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** slurm-wait processes waiting on the run folder. */
function waiters(runDir: string): string[] {
    return fs
        .readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
            try {
                const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                return cmd.includes("slurm-wait") && cmd.includes(runDir);
            } catch {
                return false;
            }
        });
}

function spawnScancel(id: string): void {
    spawn("scancel", [id], {
        env: { ...process.env, SLURM_CONF: path.join(process.env.DYNAMO_BENCH_SLURM_LAB || "/tmp/dynamo-bench-slurm", "etc", "slurm.conf") },
        stdio: "ignore",
    });
}

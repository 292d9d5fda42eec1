// Ctrl-C during `pulumi up` of a local stack, through the real engine (CLI,
// Node.js language host, dynamic-provider runner) and the real frontend,
// mocker workers and AIPerf. Pulumi's first Ctrl-C cancels: it waits for the
// operation in flight, so the benchmark runs on (and would be recorded). A
// second Ctrl-C, or SIGTERM, terminates: the CLI must exit within 30 s and
// no process of the run may remain (process groups, command lines, ports).
// Then `pulumi up` converges despite the interrupted create Pulumi leaves
// pending in the state, and so does `pulumi destroy`. Each interrupt prints
// the time from the signal to the CLI's exit and to the last process gone.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { groupAlive } from "../../lib/local/runner";
import { portFree, processesOf } from "../helpers/local-leftovers";
import { pulumiAvailable, pulumiBinary, REPO_ROOT, withStack, type StackContext } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the local interrupt e2e test: ${skip}`);

/** The dynamic-provider runner: the command plugin is not installed on these machines (scripts/pulumi-env.sh). */
const env = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };

/** A benchmark that sends requests for many minutes (mocker at real speed). */
const LONG = { requestCount: "3000", speedupRatio: "1" };
/** One that finishes in seconds. */
const SHORT = { requestCount: "12", speedupRatio: "10" };

async function configure(stack: StackContext, load: typeof LONG): Promise<void> {
    await stack.run(["config", "set", "--path", "benchmark.requestCount", load.requestCount]);
    await stack.run(["config", "set", "--path", "local.speedupRatio", load.speedupRatio]);
}

/** The run folders under `root` (local.runDir/<run id>). */
const runDirs = (root: string) => (fs.existsSync(root) ? fs.readdirSync(root).map((d) => path.join(root, d)) : []);

/** Resolves with the run folder once AIPerf of that run is sending requests. */
async function benchmarkRunning(root: string, before: string[], exited: () => boolean): Promise<string> {
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && !exited()) {
        for (const dir of runDirs(root).filter((d) => !before.includes(d))) {
            const logs = path.join(dir, "logs");
            for (const f of fs.existsSync(logs) ? fs.readdirSync(logs).filter((l) => l.startsWith("aiperf")) : []) {
                if (/Phase profiling \(profiling\) started/.test(fs.readFileSync(path.join(logs, f), "utf8"))) return dir;
            }
        }
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no benchmark started under ${root}${exited() ? " (pulumi up exited)" : ""}`);
}

interface Interrupted {
    cliExitMs: number;
    allGoneMs: number;
    output: string;
    code: number | null;
}

/** `pulumi up` of the long benchmark, interrupted by `first` then `second` once AIPerf sends. */
async function upAndInterrupt(stack: StackContext, root: string, first: NodeJS.Signals, second: NodeJS.Signals): Promise<Interrupted> {
    const before = runDirs(root);
    const cli = spawn(pulumiBinary(), ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.stackName], {
        cwd: stack.projectDir,
        env: stack.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    cli.stdout.on("data", (d) => (output += d));
    cli.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => cli.on("close", (code) => resolve(code)));
    try {
        const runDir = await benchmarkRunning(root, before, () => cli.exitCode !== null);
        const plan = JSON.parse(fs.readFileSync(path.join(runDir, "plan.json"), "utf8")) as { runId: string; ports: { frontend: number; bootstrap: number[] } };
        const groups = (JSON.parse(fs.readFileSync(path.join(runDir, "process-groups.json"), "utf8")) as { groups: number[] }).groups;
        assert.ok(groups.length >= 4, `frontend, workers and AIPerf run: ${groups}`);

        cli.kill(first);
        // Pulumi's first interrupt cancels gracefully: it waits for the run in flight.
        await new Promise((r) => setTimeout(r, 5000));
        assert.equal(cli.exitCode, null, "the first interrupt lets the operation in flight finish");
        assert.ok(groups.every(groupAlive), "the benchmark runs on after the first interrupt");
        assert.match(output, /received; cancelling/);

        const sentAt = Date.now();
        cli.kill(second);
        const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000))]);
        assert.notEqual(code, "hung", `pulumi up still running 60 s after the second interrupt:\n${output.slice(-2000)}`);
        const cliExitMs = Date.now() - sentAt;
        let left = groups.filter(groupAlive);
        while (left.length > 0 && Date.now() - sentAt < 60_000) {
            await new Promise((r) => setTimeout(r, 200));
            left = groups.filter(groupAlive);
        }
        const allGoneMs = Date.now() - sentAt;
        assert.deepEqual(left, [], `process groups of the run still alive ${allGoneMs} ms after the second interrupt`);
        assert.deepEqual(processesOf(plan.runId, runDir), [], "processes of the run still present");
        for (const port of [plan.ports.frontend, ...plan.ports.bootstrap]) assert.ok(await portFree(port), `port ${port} still taken`);
        return { cliExitMs, allGoneMs, output, code: code as number | null };
    } finally {
        if (cli.exitCode === null) cli.kill("SIGKILL");
    }
}

function report(t: { diagnostic: (m: string) => void }, what: string, r: Interrupted): void {
    const line = `fault->report ${what}: CLI exited ${(r.cliExitMs / 1000).toFixed(1)} s, last process gone ${(r.allGoneMs / 1000).toFixed(1)} s after the second interrupt`;
    t.diagnostic(line);
    process.stderr.write(`${line}\n`);
}

/** Pending operations Pulumi recorded in the stack's state. */
async function pendingOperations(stack: StackContext): Promise<number> {
    const exported = JSON.parse((await stack.run(["stack", "export"])).stdout) as { deployment: { pending_operations?: unknown[] } };
    return exported.deployment.pending_operations?.length ?? 0;
}

describe("Ctrl-C during pulumi up of the local stack", { skip }, () => {
    test(
        "interrupted twice (SIGINT, SIGINT / SIGINT, SIGTERM): the CLI exits within 30 s, nothing of the run is left; up and destroy then converge",
        { timeout: 1_200_000 },
        async (t) => {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-interrupt-runs-"));
            try {
                await withStack(
                    REPO_ROOT,
                    `interrupt-${process.pid}`,
                    {
                        "dynamo-bench:model.id": { value: "dynamo-bench/tiny-model", path: true },
                        "dynamo-bench:model.servedName": { value: "tiny", path: true },
                        "dynamo-bench:benchmark.phases[0].name": { value: "c2", path: true },
                        "dynamo-bench:benchmark.phases[0].concurrency": { value: "2", path: true },
                        "dynamo-bench:benchmark.warmupRequests": { value: "0", path: true },
                        "dynamo-bench:local.runDir": { value: root, path: true },
                    },
                    async (stack) => {
                        await configure(stack, LONG);
                        const a = await upAndInterrupt(stack, root, "SIGINT", "SIGINT");
                        report(t, "Ctrl-C twice during pulumi up (local)", a);
                        assert.notEqual(a.code, 0);
                        assert.match(a.output, /interrupted|cancelled/);
                        assert.ok(a.cliExitMs < 30_000, `the CLI took ${a.cliExitMs} ms`);
                        const pending = await pendingOperations(stack);
                        t.diagnostic(`pending operations in the state after the interrupt: ${pending}`);

                        // The next up converges: the interrupted create is made again.
                        await configure(stack, SHORT);
                        const up = await stack.up();
                        const outputs = await stack.outputs();
                        assert.equal(outputs.resultsStatus, "collected", up.stdout.slice(-2000));
                        assert.equal((outputs.phases as Record<string, { requestCount: number }>).c2?.requestCount, 12);

                        // Interrupted again while a changed benchmark replaces it, by Ctrl-C then SIGTERM; then destroy.
                        await configure(stack, LONG);
                        const b = await upAndInterrupt(stack, root, "SIGINT", "SIGTERM");
                        report(t, "Ctrl-C then SIGTERM during pulumi up (local)", b);
                        assert.ok(b.cliExitMs < 30_000, `the CLI took ${b.cliExitMs} ms`);
                        const destroy = await stack.destroy();
                        assert.equal(destroy.code, 0);
                        await configure(stack, SHORT);
                        await stack.up();
                        assert.equal((await stack.outputs()).resultsStatus, "collected");
                        assert.deepEqual(
                            runDirs(root).flatMap((d) => processesOf(path.basename(d), d)),
                            [],
                            "no process of any run is left",
                        );
                    },
                    { env, timeoutMs: 600_000 },
                );
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        },
    );
});

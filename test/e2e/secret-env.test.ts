// secretEnv through the real engine on the local target (issue 13, item 2): an
// entry stored with the real `pulumi config set --secret --path
// 'secretEnv.NAME'` reaches the environment of every Dynamo process of the run
// (frontend, prefill and decode mocker workers, read from /proc/<pid>/environ
// while they run) and not AIPerf's, and its value is nowhere in plain text:
// not in `pulumi stack export`, the stack file, the stack outputs (even with
// --show-secrets), the engine's output, or any file of the run folder. An
// entry added later without --secret is refused at preview by name.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the secretEnv e2e test: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const NAME = "E2E_SECRET_TOKEN";

/** What one process of this run had: its kind (from argv) and whether the secret was in its environment. */
interface Seen {
    kind: "frontend" | "mocker" | "aiperf";
    hasSecret: boolean;
}

/**
 * Polls /proc every 100 ms for processes of the run under `runRoot` (a Dynamo
 * process names the run's discovery folder in DYN_FILE_KV, AIPerf the run's
 * artifact folder in argv) and records what each one's environment held.
 */
function watchProcesses(runRoot: string, secretItem: string): { stop: () => Map<number, Seen> } {
    const seen = new Map<number, Seen>();
    const look = () => {
        for (const entry of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(entry) || seen.has(Number(entry))) continue;
            try {
                const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
                const env = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
                const ours = env.some((e) => e.startsWith(`DYN_FILE_KV=${runRoot}`)) || argv.some((a) => a.startsWith(runRoot));
                if (!ours) continue;
                const kind = argv.includes("dynamo.frontend")
                    ? "frontend"
                    : argv.includes("dynamo.mocker")
                      ? "mocker"
                      : argv.some((a) => /aiperf$/.test(a))
                        ? "aiperf"
                        : undefined;
                if (kind) seen.set(Number(entry), { kind, hasSecret: env.includes(secretItem) });
            } catch {
                // The process ended between the listing and the read.
            }
        }
    };
    const timer = setInterval(look, 100);
    return {
        stop: () => {
            clearInterval(timer);
            return seen;
        },
    };
}

function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true })
        .map((f) => path.join(dir, String(f)))
        .filter((f) => fs.lstatSync(f).isFile());
}

describe("secretEnv on the local target", { skip }, () => {
    test("set with --secret --path, reaches every Dynamo process's environment and no plain text", { timeout: 900_000 }, async () => {
        const value = `s3cret-${randomBytes(12).toString("hex")}`;
        const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-secret-env-"));
        try {
            await withStack(
                REPO_ROOT,
                "e2e-secret-env-run",
                {
                    "dynamo-bench:model.id": { value: "dynamo-bench/tiny-model", path: true },
                    "dynamo-bench:local.runDir": { value: runRoot, path: true },
                    "dynamo-bench:local.speedupRatio": { value: "10", path: true },
                    "dynamo-bench:benchmark.concurrency": { value: "2", path: true },
                    "dynamo-bench:benchmark.requestCount": { value: "20", path: true },
                    "dynamo-bench:benchmark.outputTokens": { value: "64", path: true },
                    // The real CLI: `pulumi config set secretEnv.E2E_SECRET_TOKEN --secret --path`, value on stdin.
                    [`dynamo-bench:secretEnv.${NAME}`]: { value, secret: true, path: true },
                },
                async (stack) => {
                    const stackFile = fs.readFileSync(stackConfigFile(REPO_ROOT, stack.stackName), "utf8");
                    assert.match(stackFile, /secretEnv:\n\s+E2E_SECRET_TOKEN:\n\s+secure: /, "stored encrypted, entry by entry");
                    assert.ok(!stackFile.includes(value));

                    const watch = watchProcesses(runRoot, `${NAME}=${value}`);
                    const up = await stack.up().finally(() => watch.stop());
                    const kinds = [...watch.stop().values()];
                    console.log(`# processes seen: ${JSON.stringify(kinds)}`);
                    const dynamo = kinds.filter((k) => k.kind !== "aiperf");
                    assert.equal(dynamo.filter((k) => k.kind === "frontend").length, 1, "the frontend was seen running");
                    assert.equal(dynamo.filter((k) => k.kind === "mocker").length, 2, "the prefill and decode workers were seen running");
                    for (const k of dynamo) assert.equal(k.hasSecret, true, `${k.kind} has ${NAME} in its environment`);
                    const clients = kinds.filter((k) => k.kind === "aiperf");
                    assert.ok(clients.length > 0, "AIPerf was seen running");
                    for (const k of clients) assert.equal(k.hasSecret, false, "AIPerf does not get secretEnv");

                    assert.ok(!(up.stdout + up.stderr).includes(value), "the engine's output");
                    const exported = await stack.run(["stack", "export"]);
                    assert.ok(exported.stdout.length > 1000 && !exported.stdout.includes(value), "pulumi stack export (plain)");
                    const outputs = await stack.outputs();
                    assert.equal(outputs.resultsStatus, "collected");
                    assert.ok(!JSON.stringify(outputs).includes(value), "stack outputs, --show-secrets");
                    const files = filesUnder(runRoot);
                    assert.ok(files.some((f) => f.endsWith("plan.json")));
                    for (const f of files) assert.ok(!fs.readFileSync(f).includes(value), `${path.relative(runRoot, f)} holds the value`);
                    const plan = JSON.parse(
                        fs.readFileSync(
                            files.find((f) => f.endsWith("plan.json"))!,
                            "utf8",
                        ),
                    );
                    for (const p of plan.processes) assert.deepEqual(p.secretEnv, [NAME], `plan.json names the variable for ${p.name}`);
                },
                { env: runnerEnv, timeoutMs: 600_000 },
            );
        } finally {
            fs.rmSync(runRoot, { recursive: true, force: true });
        }
    });

    test("an entry added later without --secret is refused at preview, by name, without its value", { timeout: 300_000 }, async () => {
        await withStack(
            REPO_ROOT,
            "e2e-secret-env-mixed",
            {
                "dynamo-bench:model.id": { value: "dynamo-bench/tiny-model", path: true },
                "dynamo-bench:secretEnv.A_SECRET": { value: "s3cret-mixed-a", secret: true, path: true },
                // The whole key still counts as secret for the engine; only the stack file shows this entry is plain.
                "dynamo-bench:secretEnv.B_PLAIN": { value: "s3cret-mixed-b", path: true },
            },
            async (stack) => {
                const preview = await stack.run(["preview"], { allowFailure: true });
                const text = preview.stdout + preview.stderr;
                assert.notEqual(preview.code, 0);
                assert.match(text, /dynamo-bench:secretEnv\.B_PLAIN: is stored in plain text in stacks\/Pulumi\.e2e-secret-env-mixed\.yaml/);
                assert.doesNotMatch(text, /A_SECRET: /, "the encrypted entry is fine");
                assert.doesNotMatch(text, /s3cret-mixed/);
            },
            { env: runnerEnv, timeoutMs: 240_000 },
        );
    });
});

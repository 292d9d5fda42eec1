// Every `dynamo-bench` command answers --help, an unknown flag and a missing
// required option the same way (lib/cli-options.ts). The commands are taken
// from the dispatcher's own list, so a new command is covered when it is added.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { main } from "../../cli/main";
import { REPO_ROOT } from "../../lib/paths";

/** Runs main() in this process with stdout and stderr captured; usage paths return before any work starts. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = { stdout: "", stderr: "" };
    const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = ((t: string | Uint8Array) => ((out.stdout += String(t)), true)) as typeof process.stdout.write;
    process.stderr.write = ((t: string | Uint8Array) => ((out.stderr += String(t)), true)) as typeof process.stderr.write;
    try {
        return { code: await main(argv), ...out };
    } finally {
        Object.assign(process.stdout, { write: writes.stdout });
        Object.assign(process.stderr, { write: writes.stderr });
    }
}

describe("dynamo-bench", async () => {
    const top = await run("--help");
    const commands = [...top.stdout.matchAll(/^ {2}([a-z0-9-]+) {3,}\S/gm)].map((m) => m[1]!);

    test("--help lists every command with its summary in one aligned column; no command is a usage error", async () => {
        assert.equal(top.code, 0);
        assert.ok(commands.length >= 6, top.stdout);
        for (const c of ["results", "outputs", "local-run", "slurm-wait", "k8s-collect", "k8s-wait-graph"]) assert.ok(commands.includes(c), c);
        const columns = new Set([...top.stdout.matchAll(/^ {2}[a-z0-9-]+ +(?=\S)/gm)].map((m) => m[0].length));
        assert.equal(columns.size, 1, top.stdout);
        const none = await run();
        assert.equal(none.code, 2);
        assert.match(none.stderr, /^usage: dynamo-bench <command>/);
        const unknown = await run("frobnicate");
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /unknown command "frobnicate"/);
    });

    for (const name of commands) {
        test(`${name}: --help and -h print its usage on stdout, exit 0`, async () => {
            for (const flag of ["--help", "-h"]) {
                const r = await run(name, flag);
                assert.equal(r.code, 0, r.stderr);
                assert.match(r.stdout, new RegExp(`^usage: dynamo-bench ${name} `));
                assert.match(r.stdout, /\n {2}-h, --help +this help\n/);
                assert.equal(r.stderr, "");
            }
        });

        test(`${name}: an unknown flag is named on one line, then the usage, on stderr, exit 2`, async () => {
            const r = await run(name, "--no-such-flag", "x");
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            const [first, blank, usage] = r.stderr.split("\n");
            assert.equal(first, `dynamo-bench ${name}: unknown option --no-such-flag: see the options below`);
            assert.equal(blank, "");
            assert.match(usage!, new RegExp(`^usage: dynamo-bench ${name} `));
        });

        test(`${name}: a missing required option or argument says what to add, exit 2`, async () => {
            const r = await run(name);
            const help = (await run(name, "--help")).stdout;
            const required = /^usage: \S+ \S+ (--\S+)/.exec(help)?.[1];
            if (required === undefined && !/^usage: \S+ \S+ \[options\] <[^>]+>/.test(help)) return; // nothing required (outputs reads stdin)
            assert.equal(r.code, 2, r.stderr);
            assert.match(r.stderr.split("\n")[0]!, required ? new RegExp(`: ${required} is required: add ${required} `) : /: missing <[^>]+>.*: give/);
        });
    }
});

describe("command-specific arguments", () => {
    test("a numeric option is checked and named", async () => {
        for (const [argv, message] of [
            [["results", "x.csv", "--gpus", "0"], /--gpus expects a positive integer, got "0"/],
            [["slurm-wait", "--run-dir", "/r", "--timeout", "soon"], /--timeout expects a positive number of seconds, got "soon"/],
            [["k8s-collect", "--namespace", "n", "--job", "j", "--graph", "g", "--timeout", "1.5"], /--timeout expects a positive number of seconds/],
            [["k8s-wait-graph", "--namespace", "n", "--graph", "g", "--timeout", "9", "--interval", "0"], /--interval expects a positive number of seconds/],
        ] as const) {
            const r = await run(...argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.stderr.split("\n")[0]!, message);
        }
    });

    test("positionals: results takes paths, outputs one file at most, local-run none", async () => {
        assert.match((await run("results", "--json")).stderr, /^dynamo-bench results: missing <file-or-directory>\.\.\.: give at least one\n/);
        assert.match((await run("outputs", "a.json", "b.json")).stderr, /^dynamo-bench outputs: unexpected argument "b.json"/);
        assert.match(
            (await run("local-run", "spec.json")).stderr,
            /^dynamo-bench local-run: unexpected argument "spec.json": this command takes options only\n/,
        );
    });

    test("a forgotten value is not taken from the next flag", async () => {
        const r = await run("local-run", "--spec-file", "--full-summary");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^dynamo-bench local-run: --spec-file needs a value, got the option --full-summary/);
    });
});

test("the bin shim turns the exit codes into the process status", () => {
    const bin = path.join(REPO_ROOT, "bin/dynamo-bench.js");
    const status = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 }).status;
    assert.equal(status("slurm-wait", "--help"), 0);
    assert.equal(status("slurm-wait", "--bogus"), 2);
});

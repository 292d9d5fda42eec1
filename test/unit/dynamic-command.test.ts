// The dynamic-provider command runner, called the way the engine calls it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dynamicCommandProvider as provider } from "../../components/exec/dynamic-command";

const base = { create: "true", timeoutSeconds: 30 };

describe("dynamic command runner", () => {
    test("create runs in dir with stdin and environment; stdout without its final newline becomes the output", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dyn-cmd-"));
        try {
            const result = await provider.create!({
                ...base,
                create: 'cat; printf " %s %s\\n" "$(pwd)" "$GREETING"',
                dir,
                stdin: "from stdin",
                environment: { GREETING: "it's $(not) expanded" },
            });
            assert.equal(result.outs.stdout, `from stdin ${fs.realpathSync(dir)} it's $(not) expanded`);
            assert.ok(result.id);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("streamStderr passes the command's stderr on as it comes (the engine shows a dynamic provider's stderr); without it nothing is passed", async () => {
        const seen: string[] = [];
        const write = process.stderr.write.bind(process.stderr);
        process.stderr.write = ((chunk: string | Uint8Array) => (seen.push(String(chunk)), true)) as typeof process.stderr.write;
        try {
            await provider.create!({ ...base, create: "echo stage-one >&2; echo result", streamStderr: true });
            await provider.create!({ ...base, create: "echo quiet >&2" });
        } finally {
            process.stderr.write = write;
        }
        assert.equal(seen.join(""), "stage-one\n");
        // Not part of the diff: turning it on runs nothing again.
        assert.deepEqual(await provider.diff!("id", { ...base }, { ...base, streamStderr: true }), { changes: false, replaces: [], deleteBeforeReplace: true });
    });

    test("a failing command fails with its exit code and the tail of both streams", async () => {
        await assert.rejects(
            provider.create!({ ...base, create: "for i in $(seq 1 100); do echo line-$i >&2; done; echo out; exit 3" }),
            (e: Error) => /exited with 3/.test(e.message) && /line-100/.test(e.message) && !/line-40\n/.test(e.message) && /out/.test(e.message),
        );
    });

    test("a command past its bound is stopped and reported as timed out", async () => {
        const started = Date.now();
        await assert.rejects(provider.create!({ ...base, create: "sleep 30", timeoutSeconds: 1 }), /timed out after 1s/);
        assert.ok(Date.now() - started < 10_000);
    });

    test("delete sees create's stdout; nothing runs without a delete command", async () => {
        const marker = path.join(os.tmpdir(), `dyn-cmd-delete-${process.pid}`);
        await provider.delete!("id", { ...base, delete: `printf %s "$PULUMI_COMMAND_STDOUT" > ${marker}`, stdout: "job-42" });
        assert.equal(fs.readFileSync(marker, "utf8"), "job-42");
        fs.rmSync(marker);
        await provider.delete!("id", { ...base, stdout: "x" });
    });

    test("a changed command, stdin or trigger replaces (runs again); a changed timeout does not", async () => {
        const olds = { ...base, stdin: "a", triggers: ["1"] };
        assert.deepEqual((await provider.diff!("id", olds, { ...olds, triggers: ["2"] })).replaces, ["triggers"]);
        assert.deepEqual((await provider.diff!("id", olds, { ...olds, stdin: "b" })).replaces, ["stdin"]);
        const timeoutOnly = await provider.diff!("id", olds, { ...olds, timeoutSeconds: 99 });
        assert.equal(timeoutOnly.changes, true);
        assert.deepEqual(timeoutOnly.replaces, []);
        assert.equal((await provider.diff!("id", olds, { ...olds })).changes, false);
    });
});

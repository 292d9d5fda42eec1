import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assign, assignArray, shJoin, shq } from "../../lib/shell-quote";
import { expandHostlist, expandHostlists } from "../../lib/slurm/hostlist";
import { timeLimitSeconds } from "../../lib/slurm/time";
import { HOSTILE } from "./slurm-fixtures";

/** Runs a shell script and returns its stdout split at NUL bytes. */
function nulFields(shell: string, script: string): string[] {
    const r = spawnSync(shell, ["-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const fields = r.stdout.split("\0");
    fields.pop();
    return fields;
}

describe("shell quoting", () => {
    test("safe words stay bare, everything else is single-quoted", () => {
        assert.equal(shq("abc-1.2/x=y:z,@%+"), "abc-1.2/x=y:z,@%+");
        assert.equal(shq("a b"), "'a b'");
        assert.equal(shq(""), "''");
        assert.equal(shq("it's"), `'it'\\''s'`);
        assert.throws(() => shq("nul\0byte"), /NUL/);
    });

    test("variable names are checked", () => {
        assert.throws(() => assign("1BAD", "x"), /not a shell variable name/);
        assert.throws(() => assignArray("A-B", []), /not a shell variable name/);
    });

    test("bash reads every hostile string back byte for byte from a sourced file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-quote-"));
        const file = path.join(dir, "values.env");
        const lines = HOSTILE.map((v, i) => assign(`V${i}`, v));
        lines.push(assignArray("ARR", HOSTILE));
        fs.writeFileSync(file, `${lines.join("\n")}\n`);
        const scalars = nulFields("bash", `set -eu; source ${shq(file)}; printf '%s\\0' ${HOSTILE.map((_, i) => `"$V${i}"`).join(" ")}`);
        assert.deepEqual(scalars, HOSTILE);
        const array = nulFields("bash", `set -eu; source ${shq(file)}; printf '%s\\0' "\${ARR[@]}"`);
        assert.deepEqual(array, HOSTILE);
        assert.ok(!fs.existsSync("/tmp/dynamo-bench-pwned"), "a command substitution ran");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("POSIX sh (dash) reads a quoted command line back byte for byte", () => {
        assert.deepEqual(nulFields("sh", `printf '%s\\0' ${shJoin(HOSTILE)}`), HOSTILE);
    });
});

describe("hostlists", () => {
    test("expands ranges, lists and zero padding like scontrol show hostnames", () => {
        assert.deepEqual(expandHostlist("n[1-3]"), ["n1", "n2", "n3"]);
        assert.deepEqual(expandHostlist("gpu[08-10,15]"), ["gpu08", "gpu09", "gpu10", "gpu15"]);
        assert.deepEqual(expandHostlist("rack[1-2]-n[1-2]"), ["rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"]);
        assert.deepEqual(expandHostlist("login1"), ["login1"]);
        assert.deepEqual(expandHostlists(["n[1-2]", "n2", "n3"]), ["n1", "n2", "n3"]);
        assert.throws(() => expandHostlist("n[3-1]"), /backwards/);
    });
});

describe("time limits", () => {
    test("every Slurm time format", () => {
        assert.equal(timeLimitSeconds(90), 5400);
        assert.equal(timeLimitSeconds("90"), 5400);
        assert.equal(timeLimitSeconds("10:30"), 630);
        assert.equal(timeLimitSeconds("01:30:00"), 5400);
        assert.equal(timeLimitSeconds("1-00"), 86400);
        assert.equal(timeLimitSeconds("1-02:03"), 86400 + 7200 + 180);
        assert.equal(timeLimitSeconds("2-00:00:10"), 172810);
    });
});

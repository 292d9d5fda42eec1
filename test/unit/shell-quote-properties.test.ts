// Property tests of lib/shell-quote.ts (issue 13, item 5), seeded (test/helpers/property.ts):
// arbitrary byte strings (every byte but NUL) and arbitrary Unicode text come
// back byte for byte through a command line (bash and sh) and through an env
// file that bash sources (assign, assignArray: how job.env is written); a NUL
// byte is refused, never passed on truncated.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fc, runs } from "../helpers/property";
import { assign, assignArray, shJoin, shq } from "../../lib/shell-quote";

/** A byte string without NUL, as a JS string of one char per byte (latin1), so the shell sees exactly these bytes. */
const bytes = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b.filter((x) => x !== 0)).toString("latin1"));
/** Any well-formed Unicode text without NUL, written as UTF-8 as the renderers write files. */
const unicode = fc.string({ unit: "binary", maxLength: 32 }).filter((s) => !/\p{Cs}/u.test(s) && !s.includes("\0")); // no lone surrogate: UTF-8 cannot hold one

/** Runs `script` (given as bytes in `encoding`) with the shell in the C locale; returns stdout split at NUL, as strings in `encoding`. */
function run(shell: string, script: string, encoding: BufferEncoding): string[] {
    const r = spawnSync(shell, ["-s"], { input: Buffer.from(script, encoding), env: { PATH: process.env.PATH, LC_ALL: "C" } });
    assert.equal(r.status, 0, r.stderr.toString());
    const fields = r.stdout.toString(encoding).split("\0");
    fields.pop();
    return fields;
}

const SHELLS = ["bash", "sh"].filter((s) => spawnSync(s, ["-c", "true"]).status === 0);

describe("quoting round-trips arbitrary strings", () => {
    for (const [label, gen, encoding] of [
        ["byte strings", bytes, "latin1"],
        ["Unicode text", unicode, "utf8"],
    ] as const) {
        test(`${label} through a command line (${SHELLS.join(", ")})`, () => {
            fc.assert(
                fc.property(fc.array(gen, { minLength: 1, maxLength: 6 }), (words) => {
                    for (const shell of SHELLS) assert.deepEqual(run(shell, `printf '%s\\0' ${shJoin(words)}\n`, encoding), words, shell);
                }),
                { numRuns: runs(60) },
            );
        });

        test(`${label} through an env file that bash sources (scalars and arrays)`, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shq-prop-"));
            try {
                fc.assert(
                    fc.property(gen, fc.array(gen, { maxLength: 5 }), (value, list) => {
                        const file = path.join(dir, "job.env");
                        fs.writeFileSync(file, Buffer.from(`${assign("VALUE", value)}\n${assignArray("LIST", list)}\n`, encoding));
                        const out = run("bash", `source ${shq(file)}\nprintf '%s\\0' "$VALUE" "\${LIST[@]}"\n`, encoding);
                        assert.deepEqual(out, [value, ...list]);
                    }),
                    { numRuns: runs(60) },
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }

    test("a NUL byte anywhere is refused by name, never cut short", () => {
        fc.assert(
            fc.property(unicode, unicode, (a, b) => {
                assert.throws(() => shq(`${a}\0${b}`), /NUL byte/);
                assert.throws(() => assign("X", `${a}\0${b}`), /NUL byte/);
            }),
            { numRuns: runs(100) },
        );
    });
});

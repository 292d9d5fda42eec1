// `dynamo-bench import cloudai`: files written where asked, the report printed,
// an existing stack file kept, and the usage and input errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { importCommand } from "../../cli/import";
import { referenceSkip } from "../helpers/reference";
import { CLOUDAI, importArgs } from "../helpers/cloudai-reference";

function capture() {
    const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    return io;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "dbench-import-"));
const skip = referenceSkip(CLOUDAI);

describe("dynamo-bench import cloudai", () => {
    test("writes Pulumi.<id>.yaml and <id>.import-report.md, prints the report; a second run keeps the files unless --force", { skip }, async () => {
        const out = tmp();
        const args = importArgs("dynamo_mocker", "standalone_system", out);
        const io = capture();
        assert.equal(await importCommand(args, io), 0, io.err);
        assert.deepEqual(fs.readdirSync(out).sort(), ["Pulumi.dynamo-mocker-base.yaml", "dynamo-mocker-base.import-report.md"]);
        const stack = parseYaml(fs.readFileSync(path.join(out, "Pulumi.dynamo-mocker-base.yaml"), "utf8")) as { config: Record<string, unknown> };
        assert.equal(stack.config["dynamo-bench:target"], "local");
        assert.match(io.out, /# CloudAI import: dynamo-mocker-base/);
        assert.match(io.out, /wrote .*Pulumi\.dynamo-mocker-base\.yaml \(validates; /);

        const again = capture();
        assert.equal(await importCommand(args, again), 1);
        assert.match(again.err, /Pulumi\.dynamo-mocker-base\.yaml exists; nothing written \(--force replaces it\)/);
        assert.equal(await importCommand([...args, "--force"], capture()), 0);
        fs.rmSync(out, { recursive: true, force: true });
    });

    test("malformed TOML: exit 1 naming the file, line and column; nothing written", async () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "scenario.toml"), '[[Tests]]\nid = "a"\ntest_name = "x\n');
        const io = capture();
        assert.equal(await importCommand(["cloudai", path.join(dir, "scenario.toml"), "--tests", dir, "--out", path.join(dir, "out")], io), 1);
        assert.match(io.err, /^dynamo-bench import: .*scenario\.toml:3:\d+: invalid TOML: /);
        assert.ok(!fs.existsSync(path.join(dir, "out")));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("usage: --help exit 0; another source, a missing --tests or scenario exit 2", async () => {
        const help = capture();
        assert.equal(await importCommand(["--help"], help), 0);
        assert.match(help.out, /^usage: dynamo-bench import cloudai <scenario\.toml> --tests DIR/);
        for (const [args, why] of [
            [["nccl", "s.toml", "--tests", "."], /unknown import source "nccl": expected cloudai/],
            [["cloudai", "s.toml"], /--tests/],
            [["cloudai", "--tests", "."], /cloudai <scenario\.toml>/],
        ] as const) {
            const io = capture();
            assert.equal(await importCommand([...args], io), 2, io.err);
            assert.match(io.err, why);
        }
    });
});

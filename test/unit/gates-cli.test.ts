// `dynamo-bench gate` and `dynamo-bench comment` on real stack outputs
// (test/fixtures/report) and a real `pulumi preview --json` (test/fixtures/gates):
// exit codes, the table, the Markdown, and one clear usage error per bad input.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { gateCommand } from "../../cli/gate";
import { commentCommand } from "../../cli/comment";

const fixtures = path.join(REPO_ROOT, "test/fixtures");
const LOCAL = path.join(fixtures, "report/local-outputs.json");
const PREVIEW = path.join(fixtures, "gates/preview-gates-base.json");
const local = JSON.parse(fs.readFileSync(LOCAL, "utf8"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-gates-cli-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, JSON.stringify(value));
    return p;
}

/** The fixture with every ITL statistic of every phase times `by`: a slower decode, nothing else changed. */
function slowerItl(by: number): Record<string, unknown> {
    const phases = Object.fromEntries(
        Object.entries(local.phases as Record<string, any>).map(([name, f]) => [
            name,
            { ...f, itlMs: Object.fromEntries(Object.entries(f.itlMs as Record<string, number>).map(([k, v]) => [k, v * by])) },
        ]),
    );
    return { ...local, phases };
}

async function run(command: typeof gateCommand, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io = { stdout: { write: (t: string) => ((stdout += t), true) }, stderr: { write: (t: string) => ((stderr += t), true) } };
    const code = await command(args, io as never);
    return { code, stdout, stderr };
}

describe("dynamo-bench gate", () => {
    test("an SLO met passes (0), one not met fails (1) with the measured value", async () => {
        const p99 = local.phases.c4.ttftMs.p99;
        const ok = await run(gateCommand, [LOCAL, "--slo", `ttftMs.p99 <= ${Math.ceil(p99)}`]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /^local \(.*local-outputs\.json\): PASS/);
        const failed = await run(gateCommand, [LOCAL, "--slo", `ttftMs.p99 <= ${Math.floor(p99) - 1} in c4`]);
        assert.equal(failed.code, 1);
        assert.match(failed.stdout, new RegExp(`slo\\s+c4\\s+ttftMs\\.p99 <= ${Math.floor(p99) - 1} in c4\\s+${+p99.toFixed(3)}\\s+not met`));
        assert.match(failed.stdout, /fails: c4: SLO ttftMs.p99 <= \d+ in c4 not met, measured/);
    });
    test("a slower run fails against its baseline with both values, the difference and the tolerance; the same run passes", async () => {
        const slow = write("slow.json", slowerItl(1.5));
        const failed = await run(gateCommand, [slow, "--baseline", LOCAL, "--tolerance", "itlMs.avg=10"]);
        assert.equal(failed.code, 1);
        assert.match(failed.stdout, /FAIL, against file .*local-outputs\.json/);
        assert.match(failed.stdout, /regression\s+c1\s+itlMs\.avg within 10%\s+[\d.]+ -> [\d.]+ \(\+50%\)\s+regression/);
        assert.match(
            failed.stdout,
            /fails: regression against file .*: c1: itlMs\.avg regressed from [\d.]+ \(baseline\) to [\d.]+: \+[\d.]+ \(\+50%\), tolerance 10%/,
        );
        const same = await run(gateCommand, [
            LOCAL,
            "--baseline",
            LOCAL,
            "--tolerance",
            "itlMs.avg=10%",
            "--tolerance",
            "outputTokenThroughputPerGpuTokPerS=5",
        ]);
        assert.equal(same.code, 0, same.stdout);
    });
    test("without limits it reports the verdict the stack recorded, and its validity", async () => {
        const recorded = write("recorded.json", {
            ...local,
            valid: false,
            invalidReasons: ["c1: 30 requests completed of the 40 asked (benchmark.requestCount)"],
            gates: { status: "fail", slo: [], failures: ["invalid: c1: 30 requests completed of the 40 asked (benchmark.requestCount)"], recorded: [] },
        });
        const r = await run(gateCommand, [recorded]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /validity\s+c1\s+30 requests completed of the 40 asked \(benchmark\.requestCount\)\s+-\s+invalid/);
        const old = await run(gateCommand, [LOCAL]);
        assert.equal(old.code, 0);
        assert.match(old.stdout, /validity\s+-\s+not recorded in these outputs/);
    });
    const usage: Array<[string, string[], RegExp]> = [
        [
            "a metric that does not exist",
            [LOCAL, "--slo", "ttftMs.p98 <= 5"],
            /--slo expected a metric of the stack outputs .* "ttftMs\.p98" is not one, got "ttftMs\.p98 <= 5"/,
        ],
        [
            "a tolerance out of range",
            [LOCAL, "--baseline", LOCAL, "--tolerance", "ttftMs.p99=250"],
            /--tolerance ttftMs\.p99: expected a percentage from 0 to 100, got "250"/,
        ],
        [
            "a tolerance on a metric without direction",
            [LOCAL, "--baseline", LOCAL, "--tolerance", "requestCount=5"],
            /--tolerance expects a metric with a better direction/,
        ],
        ["a tolerance without a baseline", [LOCAL, "--tolerance", "ttftMs.p99=5"], /--tolerance needs --baseline FILE/],
        ["no outputs file", [], /missing <outputs\.json>\.\.\./],
    ];
    for (const [name, args, message] of usage) {
        test(`usage error (2): ${name}`, async () => {
            const r = await run(gateCommand, args);
            assert.equal(r.code, 2);
            assert.match(r.stderr.split("\n")[0]!, message);
        });
    }
    test("unreadable inputs (2): a missing file, a baseline without figures", async () => {
        const missing = await run(gateCommand, [path.join(dir, "nope.json")]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /cannot read .*nope\.json: no such file/);
        const empty = write("empty.json", {});
        const r = await run(gateCommand, [LOCAL, "--baseline", empty, "--tolerance", "ttftMs.p99=5"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--baseline: the baseline file .*empty\.json has no figures \(resultsStatus: none, not dynamo-bench stack outputs\)/);
    });
});

describe("dynamo-bench comment", () => {
    test("per stack: the preview's changes, the figures, the verdict; plain Markdown without links", async () => {
        const judged = write("outputs-gates-base.json", {
            ...slowerItl(1),
            benchmark: "gates-base",
            valid: true,
            invalidReasons: [],
            gates: {
                status: "fail",
                slo: [{ where: "c1", slo: "ttftMs.p99 <= 1", value: local.phases.c1.ttftMs.p99, pass: false }],
                failures: ["c1: SLO ttftMs.p99 <= 1 not met"],
                recorded: [],
            },
        });
        const r = await run(commentCommand, ["--preview", PREVIEW, "--outputs", judged]);
        assert.equal(r.code, 0, r.stderr);
        const md = r.stdout;
        assert.match(md, /^\*\*dynamo-bench: FAIL\*\*\. gates-base: 4 changes in preview, gates fail\n/);
        assert.match(md, /#### gates-base\n\n\*\*Preview\*\*: 5 create\n\n\| change \| type \| name \|/);
        assert.match(md, /\| create \| dynamo-bench:local:Benchmark \| gates-base \|/);
        assert.match(md, /\| phase \| TTFT avg ms \|/);
        assert.match(md, /\| c4 \| [\d.]+ \|/);
        assert.match(md, /\*\*Gates\*\*: fail\n\n- fails: c1: SLO ttftMs\.p99 <= 1 not met/);
        assert.doesNotMatch(md, /\]\(|<a |https?:/, "no links");
    });
    test("bad inputs (2): a file that is not a preview, no input at all", async () => {
        const notPreview = await run(commentCommand, ["--preview", LOCAL]);
        assert.equal(notPreview.code, 2);
        assert.match(notPreview.stderr, /--preview .*local-outputs\.json: .* is not the output of `pulumi preview --json`: it has no "steps" list/);
        const none = await run(commentCommand, []);
        assert.equal(none.code, 2);
        assert.match(none.stderr, /give at least one --preview FILE or --outputs FILE/);
    });
});

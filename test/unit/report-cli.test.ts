// `dynamo-bench report` end to end in-process, on real stack outputs (test/fixtures/report/README.md):
// the files it writes, the charts' marks, and its exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { reportCommand } from "../../cli/report";
import { DECODE2_OUTPUTS, LOCAL_OUTPUTS, readOutputs, sweepOutputs } from "../helpers/report-fixtures";

function capture() {
    const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    return io;
}

function tempDir(t: { after(fn: () => void): void }): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-report-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/** The marks of the layer that plots one mark per candidate (lib/report/charts.ts POINTS_LAYER), as Vega wrote them. */
function pointMarks(svg: string): string[] {
    const group = /<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/s.exec(svg);
    assert.ok(group, "no points_marks group in the SVG");
    return group[1]!.match(/<path [^>]*>/g) ?? [];
}

test("writes report.md, the three charts and report.html; each chart has one point mark per (point, load)", async (t) => {
    const dir = tempDir(t);
    const sweepFile = path.join(dir, "sweep.json");
    fs.writeFileSync(sweepFile, JSON.stringify(sweepOutputs()));
    const out = path.join(dir, "report");
    const io = capture();
    assert.equal(await reportCommand([sweepFile, LOCAL_OUTPUTS, DECODE2_OUTPUTS, "--out", out, "--itl-p99-ms", "1.5"], io), 0, io.err);
    assert.equal(io.err, "");
    assert.deepEqual(fs.readdirSync(out).sort(), ["itl-vs-throughput.svg", "pareto.svg", "report.html", "report.md", "ttft-vs-throughput.svg"]);
    assert.match(io.out, /^wrote report\.md, pareto\.svg, ttft-vs-throughput\.svg, itl-vs-throughput\.svg, report\.html to /);
    assert.match(io.out, /\n {2}sweep: 2 point\(s\); frontier: decode-2\/c16, decode-1\/c4\n/);
    assert.match(io.out, /\n {2}local-outputs: 1 point\(s\); frontier: local\/c4\n/);

    // 5 candidates in the sweep, 2 in local, 3 in decode2; every one has both throughputs, TTFT p99 and ITL p99.
    for (const chart of ["pareto.svg", "ttft-vs-throughput.svg", "itl-vs-throughput.svg"]) {
        const svg = fs.readFileSync(path.join(out, chart), "utf8");
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.equal(pointMarks(svg).length, 10, chart);
    }
    // The marks carry their figures: the local c4 point sits at its real per-user and per-GPU throughput.
    const pareto = fs.readFileSync(path.join(out, "pareto.svg"), "utf8");
    assert.ok(pointMarks(pareto).some((m) => /output tokens\/s per user: 1856\.7\d*; output tokens\/s per GPU: 812\.5\d*; source: local-outputs/.test(m)));
    assert.match(pareto, /output tokens\/s per user<\/text>/);
    assert.match(pareto, /output tokens\/s per GPU<\/text>/);

    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    assert.match(md, /Latency limits for best: ITL p99 <= 1\.5 ms/);
    assert.match(md, /\| max output tok\/s per GPU \| decode-2 \| c4 \| 4 \| - \| 692\.1 \| 1640\.2 \| 115\.7 \| 1\.06 \| 150\.9 \|/);
    for (const chart of ["pareto.svg", "ttft-vs-throughput.svg", "itl-vs-throughput.svg"])
        assert.match(md, new RegExp(`\\]\\(${chart.replace(".", "\\.")}\\)`));

    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    assert.equal((html.match(/<svg /g) ?? []).length, 3);
    assert.equal((html.match(/points_marks/g) ?? []).length, 3);
});

test("--help prints the usage on stdout, exit 0", async () => {
    const io = capture();
    assert.equal(await reportCommand(["--help"], io), 0);
    assert.match(io.out, /^usage: dynamo-bench report <outputs\.json>\.\.\. \[--stack NAME\]\.\.\. --out DIR/);
    assert.equal(io.err, "");
});

test("usage errors: one line naming the problem, then the usage, on stderr; exit 2", async () => {
    const cases: Array<[string[], RegExp]> = [
        [["--out", "/tmp/x"], /^dynamo-bench report: no input: give an outputs JSON file or --stack NAME\n\nusage:/],
        [[LOCAL_OUTPUTS], /^dynamo-bench report: --out is required: add --out DIR\n/],
        [[LOCAL_OUTPUTS, "--out", "/tmp/x", "--bogus"], /^dynamo-bench report: unknown option --bogus/],
        [[LOCAL_OUTPUTS, "--out", "/tmp/x", "--ttft-p99-ms", "fast"], /^dynamo-bench report: --ttft-p99-ms expects a positive number of ms, got "fast"\n/],
        [[LOCAL_OUTPUTS, "--out", "/tmp/x", "--stack"], /^dynamo-bench report: --stack needs a value/],
    ];
    for (const [args, message] of cases) {
        const io = capture();
        assert.equal(await reportCommand(args, io), 2, args.join(" "));
        assert.match(io.err, message);
        assert.equal(io.out, "");
    }
});

test("an unreadable input, foreign JSON, or no figures anywhere: the reason on stderr, exit 1, nothing written", async (t) => {
    const dir = tempDir(t);
    const notRun = path.join(dir, "not-run.json");
    fs.writeFileSync(notRun, JSON.stringify({ ...readOutputs(LOCAL_OUTPUTS), phases: {}, resultsStatus: "not run: render mode" }));
    const foreign = path.join(dir, "foreign.json");
    fs.writeFileSync(foreign, JSON.stringify({ hello: "world" }));
    const cases: Array<[string[], RegExp]> = [
        [[path.join(dir, "missing.json")], /^dynamo-bench report: cannot read .*missing\.json: ENOENT/],
        [[LOCAL_OUTPUTS, foreign], /^dynamo-bench report: foreign: neither "phases" \(a benchmark stack\) nor "points"/],
        [[notRun], /^dynamo-bench report: no phase figures in any input \(not-run: not run: render mode\); nothing to report\n$/],
    ];
    for (const [inputs, message] of cases) {
        const io = capture();
        const out = path.join(dir, "out");
        assert.equal(await reportCommand([...inputs, "--out", out], io), 1, inputs.join(" "));
        assert.match(io.err, message);
        assert.equal(fs.existsSync(out), false);
    }
});

// The report's normalisation, model and tables, on real stack outputs (test/fixtures/report/README.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseOutputs, OutputsShapeError } from "../../lib/report/sources";
import { buildReport, differingSettings } from "../../lib/report/model";
import { reportDocument, type Table } from "../../lib/report/document";
import { markdownTable, renderMarkdown } from "../../lib/report/markdown";
import { renderHtml } from "../../lib/report/html";
import { uniqueLabels } from "../../lib/report/inputs";
import { DECODE2_OUTPUTS, LOCAL_OUTPUTS, readOutputs, SWEEP_OUTPUTS, sweepOutputs } from "../helpers/report-fixtures";

const local = () => normaliseOutputs("local", readOutputs(LOCAL_OUTPUTS));
const decode2 = () => normaliseOutputs("decode2", readOutputs(DECODE2_OUTPUTS));
const sweep = () => normaliseOutputs("sweep", sweepOutputs());

test("a benchmark stack's outputs are one point named after the benchmark, its phases in load order", () => {
    const source = decode2();
    assert.equal(source.kind, "benchmark");
    assert.deepEqual(
        [source.target, source.benchmark, source.model, source.dynamoVersion, source.resultsStatus],
        ["local", "decode2", "tiny", "1.6.1", "collected"],
    );
    assert.equal(source.points.length, 1);
    const [point] = source.points;
    assert.deepEqual([point!.id, point!.workerGpus, point!.settings, point!.loads], ["decode2", 3, {}, {}]);
    // pulumi sorts the keys as text (c1, c16, c4); the report reads them by load.
    assert.deepEqual(Object.keys(readOutputs(DECODE2_OUTPUTS).phases), ["c1", "c16", "c4"]);
    assert.deepEqual(Object.keys(point!.phases), ["c1", "c4", "c16"]);
    assert.equal(point!.phases.c16!.outputTokenThroughputPerGpuTokPerS, readOutputs(DECODE2_OUTPUTS).phases.c16.outputTokenThroughputPerGpuTokPerS);
});

test("a sweep's outputs are one point per entry with its settings and loads; the stored frontier is not read", () => {
    const source = sweep();
    assert.equal(source.kind, "sweep");
    assert.deepEqual(
        source.points.map((p) => [p.id, p.settings, p.workerGpus, Object.keys(p.phases)]),
        [
            ["decode-1", { "decode.replicas": 1 }, 2, ["c1", "c4"]],
            ["decode-2", { "decode.replicas": 2 }, 3, ["c1", "c4", "c16"]],
        ],
    );
    assert.deepEqual(source.points[1]!.loads.c16, { concurrency: 16 });
    const { frontier } = buildReport([source]).sources[0]!.result;
    // From the real figures: decode-2 at c16 (871.1 tok/s/GPU, 1389.7 tok/s/user), decode-1 at c4 (812.6, 1856.8).
    assert.deepEqual(
        frontier.map((e) => [e.point, e.load, e.concurrency, Math.round(e.outputTokenThroughputPerGpuTokPerS * 10) / 10]),
        [
            ["decode-2", "c16", 16, 871.1],
            ["decode-1", "c4", 4, 812.6],
        ],
    );
});

test("a real sweep stack's outputs: points with settings and loads; the recomputed frontier and best are the stack's own", () => {
    const outputs = readOutputs(SWEEP_OUTPUTS);
    const source = normaliseOutputs("sweep", outputs);
    assert.deepEqual(
        source.points.map((p) => [p.id, p.settings, p.workerGpus, Object.keys(p.phases), p.loads.c16]),
        [
            ["d1", { "decode.replicas": 1 }, 2, ["c1", "c4", "c16"], { concurrency: 16 }],
            ["d2", { "decode.replicas": 2 }, 3, ["c1", "c4", "c16"], { concurrency: 16 }],
        ],
    );
    assert.deepEqual(source.rejected, {});
    // The stack computed them with the same function and no limits; the report must agree from the figures alone.
    const { result } = buildReport([source]).sources[0]!;
    assert.deepEqual(result.frontier, outputs.frontier);
    assert.deepEqual(result.best, outputs.best);
});

test("outputs of the wrong shape are refused with the source and the key named", () => {
    const cases: Array<[unknown, RegExp]> = [
        [[], /^x: the outputs: expected an object, got an array$/],
        [{ benchmark: "b" }, /^x: neither "phases" \(a benchmark stack\) nor "points" \(a sweep stack\)/],
        [{ phases: {}, workerGpus: "2" }, /^x: workerGpus: expected a number, got "2"$/],
        [{ points: { a: { workerGpus: 1, phases: { c1: 5 } } } }, /^x: points\.a\.phases\.c1: expected an object, got number$/],
        [
            { points: { a: { workerGpus: 1, phases: {}, loads: { c1: { concurrency: "1" } } } } },
            /^x: points\.a\.loads\.c1\.concurrency: expected a number, got "1"$/,
        ],
        [{ phases: {}, workerGpus: 1, target: 3 }, /^x: target: expected a string, got 3$/],
    ];
    for (const [outputs, message] of cases) {
        assert.throws(
            () => normaliseOutputs("x", outputs),
            (e: Error) => e instanceof OutputsShapeError && message.test(e.message),
            JSON.stringify(outputs),
        );
    }
});

test("points are labelled by the settings that differ; one point per source needs no label", () => {
    const points = sweep().points;
    assert.deepEqual(differingSettings(points), ["decode.replicas"]);
    assert.deepEqual(
        differingSettings([
            { ...points[0]!, settings: { a: 1, b: [1, 2], c: "x" } },
            { ...points[1]!, settings: { a: 1, b: [1, 3] } },
        ]),
        ["b", "c"],
    );
    const model = buildReport([sweep(), local()]);
    assert.deepEqual(model.sources[0]!.pointLabels, { "decode-1": "decode.replicas=1", "decode-2": "decode.replicas=2" });
    assert.deepEqual(model.sources[1]!.pointLabels, { local: "" });
    assert.deepEqual(
        model.rows.map((r) => [r.source, r.label, r.frontier]),
        [
            ["sweep", "decode.replicas=1 c1", false],
            ["sweep", "decode.replicas=1 c4", true],
            ["sweep", "decode.replicas=2 c1", false],
            ["sweep", "decode.replicas=2 c4", false],
            ["sweep", "decode.replicas=2 c16", true],
            ["local", "c1", false],
            ["local", "c4", true],
        ],
    );
});

/** The table of a section of the document, by source heading and section heading. */
function table(doc: ReturnType<typeof reportDocument>, source: string, heading: string): Table {
    const start = doc.sections.findIndex((s) => s.heading === `Source ${source}`);
    const section = doc.sections.slice(start + 1).find((s) => s.heading === heading);
    assert.ok(section?.table, `${source}: ${heading}`);
    return section.table;
}

test("the tables: figures per load with the frontier marked, the frontier, best under the limits", () => {
    const doc = reportDocument(buildReport([local(), decode2()], { ttftP99Ms: 150 }));
    assert.deepEqual(doc.sections.find((s) => s.heading === "Sources")!.table!.rows, [
        ["local", "benchmark", "local", "local", "tiny", "1.6.1", "1", "2", "collected"],
        ["decode2", "benchmark", "local", "decode2", "tiny", "1.6.1", "1", "3", "collected"],
    ]);
    const figures = table(doc, "decode2", "Figures per load");
    assert.deepEqual(
        figures.rows.map((r) => [
            r[1],
            r[figures.header.indexOf("TTFT p99")],
            r[figures.header.indexOf("tok/s/GPU")],
            r[figures.header.indexOf("tok/s/user")],
            r.at(-1),
        ]),
        [
            ["c1", "85.7", "197.0", "1824.2", "yes"],
            ["c4", "115.7", "692.1", "1640.2", "yes"],
            ["c16", "349.0", "871.1", "1389.7", "yes"],
        ],
    );
    assert.deepEqual(table(doc, "local", "Pareto frontier").rows, [["local", "c4", "-", "-", "812.6", "1856.8", "162.6", "1.77", "200.4"]]);
    // local c4 has the higher per-GPU figure but a TTFT p99 of 162.6 ms, over the 150 ms limit.
    assert.deepEqual(
        table(doc, "local", "Best").rows.map((r) => r.slice(0, 3)),
        [
            ["max output tok/s per GPU", "local", "c1"],
            ["max output tok/s per user", "local", "c1"],
        ],
    );
    assert.deepEqual(
        table(doc, "decode2", "Best").rows.map((r) => r.slice(0, 3)),
        [
            ["max output tok/s per GPU", "decode2", "c4"],
            ["max output tok/s per user", "decode2", "c1"],
        ],
    );
    assert.match(doc.sections.find((s) => s.heading === "Best")!.text!, /TTFT p99 <= 150 ms/);
});

test("best says so when no candidate meets the limits; unranked candidates are listed with the reason", () => {
    const outputs = readOutputs(LOCAL_OUTPUTS);
    delete outputs.phases.c1.outputTokenThroughputPerUserTokPerS;
    const doc = reportDocument(buildReport([normaliseOutputs("local", outputs)], { itlP99Ms: 0.1 }));
    assert.deepEqual(
        table(doc, "local", "Best").rows.map((r) => r.slice(0, 2)),
        [
            ["max output tok/s per GPU", "none meets the limits"],
            ["max output tok/s per user", "none meets the limits"],
        ],
    );
    assert.deepEqual(table(doc, "local", "Not ranked").rows, [["local", "c1", "no outputTokenThroughputPerUserTokPerS"]]);
});

test("markdown tables: one cell per column in every row, figures right-aligned, pipes escaped", () => {
    const md = markdownTable({ header: ["a", "b"], rows: [["x|y", "1.0"]], numeric: [false, true] });
    assert.equal(md, "| a | b |\n| --- | ---: |\n| x\\|y | 1.0 |");
    const report = renderMarkdown(reportDocument(buildReport([sweep(), local()])), [{ file: "pareto.svg", title: "P", spec: {} as never }]);
    assert.match(report, /^# Dynamo benchmark report\n/);
    assert.match(report, /!\[P\]\(pareto\.svg\)/);
    for (const block of report
        .trimEnd()
        .split("\n\n")
        .filter((b) => b.startsWith("|"))) {
        const widths = block.split("\n").map((line) => line.split(/(?<!\\)\|/).length);
        assert.equal(new Set(widths).size, 1, block);
    }
});

test("html: the same document, text escaped, charts inline", () => {
    const html = renderHtml(reportDocument(buildReport([normaliseOutputs("a<b>&c", readOutputs(LOCAL_OUTPUTS))])), [
        { file: "pareto.svg", title: "P", svg: "<svg id='s'></svg>" },
    ]);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<figure id="pareto\.svg" class="chart"><svg id='s'><\/svg><figcaption>/);
    assert.match(html, /<td>a&lt;b&gt;&amp;c<\/td>/);
    assert.doesNotMatch(html, /a<b>&c/);
    assert.equal((html.match(/<table>/g) ?? []).length, 5); // sources, points, figures, frontier, best
});

test("a sweep's rejected points are listed with their reasons", () => {
    const outputs = { ...sweepOutputs(), details: { rejectedPoints: { "decode-9": ["decode.tensorParallel expected the worker to fit one node", "x"] } } };
    const source = normaliseOutputs("sweep", outputs);
    assert.deepEqual(source.rejected, { "decode-9": ["decode.tensorParallel expected the worker to fit one node", "x"] });
    assert.deepEqual(table(reportDocument(buildReport([source])), "sweep", "Rejected points").rows, [
        ["decode-9", "decode.tensorParallel expected the worker to fit one node; x"],
    ]);
    assert.throws(
        () => normaliseOutputs("s", { ...outputs, details: { rejectedPoints: { a: "no" } } }),
        /s: details\.rejectedPoints\.a: expected a list of reasons, got "no"$/,
    );
    assert.equal(normaliseOutputs("sweep", sweepOutputs()).rejected, undefined);
});

test("source labels are made unique in order", () => {
    assert.deepEqual(uniqueLabels(["a", "b", "a", "a"]), ["a", "b", "a (2)", "a (3)"]);
});

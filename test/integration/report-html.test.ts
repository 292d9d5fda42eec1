// report.html in a real browser: `dynamo-bench report` runs as a process on
// real stack outputs (test/fixtures/report/README.md), then headless Chromium
// (Debian's, from scripts/setup-chromium.sh) lays the page out. A probe script,
// added to a copy of the page (the report itself has no script), measures what
// the browser drew and what it fetched; --dump-dom hands that back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI_ENTRY, REPO_ROOT } from "../../lib/paths";
import { DECODE2_OUTPUTS, LOCAL_OUTPUTS, readOutputs, SWEEP_OUTPUTS, sweepOutputs } from "../helpers/report-fixtures";

const chromium = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
const skip = chromium ? false : "chromium not found on PATH; install it with: bash scripts/setup-chromium.sh (Debian's package, needs root)";
if (skip) process.stderr.write(`SKIP report-html integration test: ${skip}\n`);

/** Runs in the page: per chart, the point marks and how many of them the browser drew inside the chart; what the page fetched. */
const PROBE = `<script>
const charts = [...document.querySelectorAll("figure.chart")].map((figure) => {
    const svg = figure.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll("g.points_marks > path")];
    const drawn = marks.filter((m) => {
        const r = m.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
    });
    return { id: figure.id, width: box.width, height: box.height, marks: marks.length, drawn: drawn.length, texts: svg.querySelectorAll("text").length };
});
const fetched = performance.getEntriesByType("resource").map((e) => e.name);
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify({ charts, fetched, scripts: document.scripts.length, tables: document.querySelectorAll("table").length });
document.body.append(pre);
</script>`;

interface Probe {
    charts: Array<{ id: string; width: number; height: number; marks: number; drawn: number; texts: number }>;
    fetched: string[];
    scripts: number;
    tables: number;
}

/** How many (point, load) pairs of the inputs have both figures a chart plots, counted from the raw outputs. */
function expectedMarks(outputs: any[], x: (f: any) => unknown, y: (f: any) => unknown): number {
    const phases = outputs.flatMap((o) => (o.points ? Object.values<any>(o.points).map((p) => p.phases) : [o.phases]));
    return phases.flatMap((p) => Object.values<any>(p)).filter((f) => typeof x(f) === "number" && typeof y(f) === "number").length;
}

test("report.html opens in headless Chromium with every chart drawn, one mark per (point, load), nothing fetched", { skip, timeout: 180_000 }, (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-report-html-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sweepFile = path.join(dir, "sweep.json");
    fs.writeFileSync(sweepFile, JSON.stringify(sweepOutputs()));
    const out = path.join(dir, "report");
    execFileSync(process.execPath, [CLI_ENTRY, "report", SWEEP_OUTPUTS, sweepFile, LOCAL_OUTPUTS, DECODE2_OUTPUTS, "--out", out], {
        cwd: REPO_ROOT,
        timeout: 60_000,
    });

    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    assert.doesNotMatch(html, /<script|<link|<img|\b(src|href)=/i, "report.html must be self-contained");
    const probed = path.join(dir, "probed.html");
    fs.writeFileSync(probed, html.replace("</body>", `${PROBE}\n</body>`));
    const dom = execFileSync(
        chromium,
        [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            `--user-data-dir=${path.join(dir, "profile")}`,
            "--virtual-time-budget=5000",
            "--dump-dom",
            `file://${probed}`,
        ],
        { encoding: "utf8", timeout: 90_000, stdio: ["ignore", "pipe", "pipe"] },
    );
    const text = /<pre id="probe">(.*?)<\/pre>/s.exec(dom)?.[1];
    assert.ok(text, `the probe did not run; Chromium's DOM began: ${dom.slice(0, 300)}`);
    const probe: Probe = JSON.parse(
        text
            .replace(/&quot;/g, '"')
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&amp;/g, "&"),
    );

    const inputs = [readOutputs(SWEEP_OUTPUTS), sweepOutputs(), readOutputs(LOCAL_OUTPUTS), readOutputs(DECODE2_OUTPUTS)];
    const perGpu = (f: any) => f.outputTokenThroughputPerGpuTokPerS;
    const expected: Record<string, number> = {
        "pareto.svg": expectedMarks(inputs, (f) => f.outputTokenThroughputPerUserTokPerS, perGpu),
        "ttft-vs-throughput.svg": expectedMarks(inputs, perGpu, (f) => f.ttftMs?.p99),
        "itl-vs-throughput.svg": expectedMarks(inputs, perGpu, (f) => f.itlMs?.p99),
    };
    assert.deepEqual(Object.values(expected), [16, 16, 16]); // the fixtures: 6 + 5 sweep candidates, 2 local, 3 decode2
    assert.deepEqual(
        probe.charts.map((c) => c.id),
        Object.keys(expected),
    );
    for (const chart of probe.charts) {
        assert.ok(chart.width > 300 && chart.height > 200, `${chart.id} laid out at ${chart.width}x${chart.height}`);
        assert.equal(chart.marks, expected[chart.id], `${chart.id}: point marks`);
        assert.equal(chart.drawn, expected[chart.id], `${chart.id}: point marks drawn inside the chart`);
        assert.ok(chart.texts > expected[chart.id]!, `${chart.id}: axis, title and mark labels`);
    }
    assert.deepEqual(probe.fetched, [], "the page fetched nothing");
    assert.equal(probe.scripts, 1); // the probe only
    assert.ok(probe.tables >= 5);
});

// A sweep through the real Pulumi engine on the local target: 2 deployments x
// 2 loads, run one after the other; then one point's setting changes and a
// second `up` re-runs that point alone (the engine's summary and the per-point
// run folders and timestamps say so); removing a point deletes its resources
// alone; `dynamo-bench report` on the real outputs writes the tables and
// charts with the stack's own frontier; destroy leaves no resource.
// Without the engine the suite is skipped with set-up instructions; under CI
// a missing engine is a failure.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { reportCommand } from "../../cli/report";
import { progressDir } from "../../lib/sweep/progress-file";
import { pulumiAvailable, REPO_ROOT, stackConfigFile, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the local sweep e2e test: ${skip}`);

const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const STACK = "sweep-e2e";
const NS = "dynamo-bench";

/** Point 2 carries a labelled env set: changing its value changes that point's spec but not its id. */
function sweepConfig(mark: string): Record<string, unknown> {
    return {
        [`${NS}:target`]: "local",
        [`${NS}:model`]: { id: "dynamo-bench/tiny-model", servedName: "tiny" },
        [`${NS}:local`]: { speedupRatio: 10 },
        [`${NS}:benchmark`]: { concurrency: [1, 2], requestCount: 8, warmupRequests: 0, inputTokens: 32, outputTokens: 16 },
        [`${NS}:timeouts`]: { readySeconds: 180, benchmarkSeconds: 600 },
        [`${NS}:sweep`]: {
            points: [{ "decode.replicas": 1 }, { "decode.replicas": 2, "decode.env": { label: "mark", value: { DYNAMO_BENCH_E2E_MARK: mark } } }],
            limits: { ttftP99Ms: 60000 },
        },
    };
}

/** Writes the config into the stack file `pulumi stack init` made, keeping its encryption salt. */
function writeConfig(config: Record<string, unknown>): void {
    const file = stackConfigFile(REPO_ROOT, STACK);
    const current = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    fs.writeFileSync(file, toYaml({ ...current, config }));
}

interface PointOut {
    settings: Record<string, unknown>;
    workerGpus: number;
    loads: Record<string, { concurrency?: number }>;
    phases: Record<string, Record<string, any>>;
    resultsStatus: string;
    details: { runId: string; runDir: string };
}

function runTimes(point: PointOut): { startedAt: number; endedAt: number } {
    const t = JSON.parse(fs.readFileSync(path.join(point.details.runDir, "timings.json"), "utf8")) as { startedAt: string; endedAt: string };
    return { startedAt: Date.parse(t.startedAt), endedAt: Date.parse(t.endedAt) };
}

describe("local sweep through the real engine", { skip }, () => {
    after(() => fs.rmSync(path.join(progressDir(process.env), `${STACK}.json`), { force: true }));
    test("2 deployments x 2 loads in order; a changed point re-runs alone; a removed point goes alone; destroy", { timeout: 1_500_000 }, async () => {
        await withStack(
            REPO_ROOT,
            STACK,
            {},
            async (stack) => {
                writeConfig(sweepConfig("a"));
                const preview = await stack.preview();
                assert.match(preview.stdout, /dynamo-bench:sweep:Point/);

                let t0 = Date.now();
                const first = await stack.up();
                const upSeconds = (Date.now() - t0) / 1000;
                assert.match(first.stdout, /sweep point 1\/2 d1: collected/);
                assert.match(first.stdout, /sweep point 2\/2 d2-de-mark: collected .*sweep done/);
                // One line per stage of each point, from local-run while it runs (lib/sweep/progress-file.ts).
                const stages = first.stdout.split("\n").filter((l) => l.includes("[local-run] sweep point"));
                console.log(stages.map((l) => `# ${l.trim()}`).join("\n"));
                for (const stage of ["deploying", "ready", "load 1-2/2 c1\\+c2", "done"]) {
                    assert.match(first.stdout, new RegExp(`\\[local-run\\] sweep point 1/2 d1: ${stage} \\(elapsed \\d+ s, estimate after the first point\\)`));
                }
                assert.match(first.stdout, /\[local-run\] sweep point 2\/2 d2-de-mark: deploying \(elapsed \d+ s, about \d+ s left\)/);
                const out = (await stack.outputs()) as Record<string, any>;
                assert.equal(out.target, "local");
                assert.equal(out.benchmark, STACK);
                assert.equal(out.resultsStatus, "collected");
                assert.equal(out.workerGpus, 3);
                assert.deepEqual(out.phases, {});
                assert.deepEqual(out.details, { rejectedPoints: {} });
                const points = out.points as Record<string, PointOut>;
                assert.deepEqual(Object.keys(points), ["d1", "d2-de-mark"]);
                assert.deepEqual(points["d1"]!.settings, { "decode.replicas": 1 });
                assert.deepEqual(points["d2-de-mark"]!.workerGpus, 3);
                for (const [id, point] of Object.entries(points)) {
                    assert.equal(point.resultsStatus, "collected", id);
                    assert.deepEqual(point.loads, { c1: { concurrency: 1 }, c2: { concurrency: 2 } }, id);
                    assert.deepEqual(Object.keys(point.phases).sort(), ["c1", "c2"], id);
                    for (const [load, phase] of Object.entries(point.phases)) {
                        assert.equal(phase.requestCount, 8, `${id} ${load}`);
                        assert.ok(phase.outputTokenThroughputPerGpuTokPerS > 0, `${id} ${load}`);
                    }
                    assert.match(point.details.runId, new RegExp(`^${STACK}-${id}-`));
                }
                // One after the other: point 2's run started after point 1's had stopped every process.
                const [d1, d2] = [runTimes(points["d1"]!), runTimes(points["d2-de-mark"]!)];
                assert.ok(d2.startedAt >= d1.endedAt, `d2 started ${d2.startedAt - d1.endedAt} ms after d1 ended`);
                // The frontier comes from the real figures: every entry is one of the measured (point, load) pairs.
                assert.ok(out.frontier.length >= 1);
                for (const entry of out.frontier) {
                    const phase = points[entry.point]!.phases[entry.load]!;
                    assert.equal(entry.outputTokenThroughputPerGpuTokPerS, phase.outputTokenThroughputPerGpuTokPerS);
                    assert.equal(entry.outputTokenThroughputPerUserTokPerS, phase.outputTokenThroughputPerUserTokPerS);
                }
                assert.ok(out.best.outputTokenThroughputPerGpu, JSON.stringify(out.best));
                console.log(
                    `# sweep up: ${upSeconds.toFixed(1)} s; d1 run ${(d1.endedAt - d1.startedAt) / 1000} s, d2 run ${(d2.endedAt - d2.startedAt) / 1000} s`,
                );

                // Change one point's setting (not its id): only that point runs again.
                writeConfig(sweepConfig("b"));
                t0 = Date.now();
                const second = await stack.up();
                const secondSeconds = (Date.now() - t0) / 1000;
                // The changed point's run is replaced; the other point's is untouched (the gates' verdict, which
                // judges the figures of every point, is judged again).
                assert.match(second.stdout, /sweep-e2e-d2-de-mark-run replaced/);
                assert.doesNotMatch(second.stdout, /sweep-e2e-d1-run (replac|creat|delet)/);
                assert.doesNotMatch(second.stdout, /\b\d+ (created|deleted)\b/);
                const after = (await stack.outputs()).points as Record<string, PointOut>;
                assert.equal(after["d1"]!.details.runId, points["d1"]!.details.runId, "d1 did not run again");
                assert.notEqual(after["d2-de-mark"]!.details.runId, points["d2-de-mark"]!.details.runId, "d2 ran again");
                assert.ok(runTimes(after["d2-de-mark"]!).startedAt > d2.endedAt);
                assert.deepEqual(after["d1"]!.phases, points["d1"]!.phases, "d1 kept its figures");
                console.log(`# second up (one point changed): ${secondSeconds.toFixed(1)} s`);

                // The report on these real outputs: its frontier is the stack's, recomputed from the figures.
                const full = (await stack.outputs()) as Record<string, any>;
                const work = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-sweep-report-"));
                try {
                    fs.writeFileSync(path.join(work, "sweep.json"), JSON.stringify(full));
                    const io = { out: "", err: "", stdout: (t: string) => (io.out += t), stderr: (t: string) => (io.err += t) };
                    assert.equal(await reportCommand([path.join(work, "sweep.json"), "--out", path.join(work, "report")], io), 0, io.err);
                    const frontier = (full.frontier as Array<{ point: string; load: string }>).map((f) => `${f.point}/${f.load}`).join(", ");
                    assert.ok(io.out.includes(`sweep: 2 point(s); frontier: ${frontier}\n`), io.out);
                    for (const chart of ["pareto.svg", "ttft-vs-throughput.svg", "itl-vs-throughput.svg"]) {
                        const svg = fs.readFileSync(path.join(work, "report", chart), "utf8");
                        const marks = /<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? "";
                        assert.equal((marks.match(/<path /g) ?? []).length, 4, `${chart}: one mark per (point, load)`);
                    }
                    assert.ok(fs.statSync(path.join(work, "report", "report.html")).size > 0);
                    console.log(`# report on the sweep's outputs: ${io.out.split("\n").slice(0, 2).join(" | ")}`);
                } finally {
                    fs.rmSync(work, { recursive: true, force: true });
                }

                // Remove a point: only its resources go; the remaining point keeps its id (a single point is named by
                // all its settings, here the same ones), its run and its figures.
                const without = sweepConfig("b");
                (without[`${NS}:sweep`] as { points: unknown[] }).points.shift();
                writeConfig(without);
                const third = await stack.up();
                assert.match(third.stdout, /- 3 deleted/);
                assert.match(third.stdout, /sweep-e2e-d1-run deleted/);
                assert.doesNotMatch(third.stdout, /sweep-e2e-d2-de-mark-run (replac|creat|delet)/);
                assert.doesNotMatch(third.stdout, /\b\d+ created\b/);
                const remaining = (await stack.outputs()).points as Record<string, PointOut>;
                assert.deepEqual(Object.keys(remaining), ["d2-de-mark"]);
                assert.equal(remaining["d2-de-mark"]!.details.runId, after["d2-de-mark"]!.details.runId);

                const destroyed = await stack.destroy();
                assert.match(destroyed.stdout, /deleted/);
                const left = JSON.parse((await stack.run(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
                assert.deepEqual(left.deployment.resources ?? [], [], "destroy leaves no resource in the state");
            },
            { env: runnerEnv, timeoutMs: 900_000 },
        );
    });
});

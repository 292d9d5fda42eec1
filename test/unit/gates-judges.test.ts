// The gates' pure judges on real stack outputs (test/fixtures/report: two local
// runs): metric names, SLO and tolerance texts, validity, SLOs, regression with
// and without repeats, and the combined verdict.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { REPO_ROOT } from "../../lib/paths";
import { parseSlo, parseTolerance } from "../../lib/gates/expressions";
import { COMPARABLE_METRICS, directionOf, isMetric, METRIC_PATHS, metricValue } from "../../lib/gates/metrics";
import { foldRuns } from "../../lib/gates/repeats";
import { comparePhases, describeRegression } from "../../lib/gates/regression";
import { judgeSlos } from "../../lib/gates/slo";
import { phasesProblems, runProblems, type PhaseAsk } from "../../lib/gates/validity";
import { baselineProblem, judgeGates, type GatedOutputs } from "../../lib/gates/verdict";
import type { StackOutputs } from "../../lib/results";

const fixture = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/report", name), "utf8")) as GatedOutputs & { phases: Record<string, StackOutputs> };
const local = fixture("local-outputs.json");
const decode2 = fixture("decode2-outputs.json");
const c1 = local.phases.c1!;
// What the fixture's stack asked: 40 requests of 64 output tokens, fixed length.
const ASK: PhaseAsk = { requestCount: 40, outputTokens: 64, outputTokensStddev: 0, streaming: true, repeats: 1 };
const RULES = { maxErrorRate: 0, outputTokensTolerance: 5 };
const scaled = (f: StackOutputs, key: "itlMs" | "ttftMs", by: number): StackOutputs => ({
    ...f,
    [key]: Object.fromEntries(Object.entries(f[key]!).map(([k, v]) => [k, v * by])),
});

describe("metrics", () => {
    test("every output figure is a metric; distributions by statistic; directions", () => {
        assert.ok(METRIC_PATHS.includes("ttftMs.p99") && METRIC_PATHS.includes("outputTokenThroughputPerGpuTokPerS"));
        assert.ok(!isMetric("ttftMs") && !isMetric("ttftMs.p98") && !isMetric("throughput"));
        assert.equal(directionOf("itlMs.avg"), "lower");
        assert.equal(directionOf("outputTokenThroughputPerUserTokPerS"), "higher");
        assert.equal(directionOf("requestCount"), "none");
        assert.ok(!COMPARABLE_METRICS.includes("requestCount"));
        assert.equal(metricValue(c1, "ttftMs.p99"), c1.ttftMs!.p99);
        assert.equal(metricValue(c1, "goodputReqPerS"), undefined);
    });
});

describe("SLO and tolerance texts", () => {
    test("the accepted forms", () => {
        assert.deepEqual(parseSlo("ttftMs.p99 <= 500"), { slo: { metric: "ttftMs.p99", op: "<=", limit: 500, text: "ttftMs.p99 <= 500" } });
        assert.deepEqual(parseSlo(" outputTokenThroughputPerGpuTokPerS>=800 in c8 "), {
            slo: { metric: "outputTokenThroughputPerGpuTokPerS", op: ">=", limit: 800, phase: "c8", text: "outputTokenThroughputPerGpuTokPerS>=800 in c8" },
        });
        assert.deepEqual(parseTolerance("10%"), { percent: 10 });
        assert.deepEqual(parseTolerance(2.5), { percent: 2.5 });
    });
    test("each refusal says what was expected", () => {
        assert.match((parseSlo("ttftMs.p99 = 500") as { error: string }).error, /expected "<metric> <=\|<\|>=\|> <number> \[in <phase>\]"/);
        assert.match(
            (parseSlo("ttftMs.p98 <= 500") as { error: string }).error,
            /expected a metric of the stack outputs \(ttftMs\.\{avg\|.*\)? before the operator; "ttftMs.p98" is not one/,
        );
        assert.match((parseSlo("ttftMs.p99 <= fast") as { error: string }).error, /expected "<metric>/);
        assert.match((parseTolerance(150) as { error: string }).error, /from 0 to 100/);
        assert.match((parseTolerance(-1) as { error: string }).error, /from 0 to 100/);
        assert.match((parseTolerance("ten") as { error: string }).error, /a percentage such as 10/);
    });
});

describe("validity", () => {
    test("a real run as asked is valid", () => {
        assert.deepEqual(runProblems(c1, ASK, RULES), []);
        assert.deepEqual(phasesProblems(local.phases, { c1: ASK, c4: ASK }, RULES), []);
    });
    test("errors above maxErrorRate; allowed below it", () => {
        const f = { ...c1, requestCount: 38, errorCount: 2 };
        assert.deepEqual(runProblems(f, ASK, RULES), ["2 of 40 requests failed (5%), above gates.maxErrorRate 0"]);
        assert.deepEqual(runProblems(f, ASK, { ...RULES, maxErrorRate: 0.05 }), []);
    });
    test("fewer requests than asked, with or without an error count", () => {
        assert.deepEqual(runProblems({ ...c1, requestCount: 30 }, ASK, RULES), ["30 requests completed of the 40 asked (benchmark.requestCount)"]);
        const { errorCount: _e, ...noErrors } = c1;
        assert.match(
            runProblems({ ...noErrors, requestCount: 30 }, ASK, RULES)[0]!,
            /30 requests completed \(the client reports no error count\) of the 40 asked/,
        );
    });
    test("outputs shorter or longer than the fixed length asked, beyond the bound", () => {
        const osl = c1.outputSequenceLengthTokens!;
        const short = { ...c1, outputSequenceLengthTokens: { ...osl, min: 12 } };
        assert.deepEqual(runProblems(short, ASK, RULES), [
            "output tokens per request as low as 12 (avg 64), asked 64 per request (benchmark.outputTokens, gates.outputTokensTolerance 5%)",
        ]);
        assert.match(runProblems({ ...c1, outputSequenceLengthTokens: { ...osl, max: 70 } }, ASK, RULES)[0]!, /as high as 70/);
        assert.deepEqual(runProblems({ ...c1, outputSequenceLengthTokens: { ...osl, max: 67 } }, ASK, RULES), [], "within 5%");
        assert.deepEqual(runProblems(short, { ...ASK, outputTokensStddev: 8 }, RULES), [], "variable lengths are not judged");
    });
    test("zero throughput or duration, streaming without TTFT, nothing at all", () => {
        assert.deepEqual(runProblems({ ...c1, outputTokenThroughputTokPerS: 0 }, ASK, RULES), ["output token throughput is 0 tok/s"]);
        assert.deepEqual(runProblems({ ...c1, benchmarkDurationS: 0 }, ASK, RULES), ["the measured duration is 0 s"]);
        const { ttftMs: _t, ...noTtft } = c1;
        assert.deepEqual(runProblems(noTtft, ASK, RULES), ["a streaming run without a time to first token (ttftMs)"]);
        assert.deepEqual(runProblems(noTtft, { ...ASK, streaming: false }, RULES), []);
        assert.deepEqual(runProblems({}, ASK, RULES), ["no figures were collected"]);
        assert.deepEqual(phasesProblems({}, { c1: ASK }, RULES, "d1/"), ["d1/c1: no figures were collected"]);
    });
    test("a repeated phase is judged run by run, and a missing run is named", () => {
        const folded = foldRuns(
            { phases: [{ name: "c1" }] as never, benchmark: { repeats: 3 } as never },
            { "c1-r1": c1, "c1-r2": { ...c1, requestCount: 39 } },
        );
        assert.deepEqual(phasesProblems(folded, { c1: { ...ASK, repeats: 3 } }, RULES), [
            "c1: 2 of the 3 runs have figures (benchmark.repeats)",
            "c1 run 2: 39 requests completed of the 40 asked (benchmark.requestCount)",
        ]);
    });
});

describe("repeats", () => {
    test("the mean and the spread of each figure; the runs kept", () => {
        const slower = scaled(c1, "itlMs", 1.5);
        const folded = foldRuns({ phases: [{ name: "c1" }] as never, benchmark: { repeats: 2 } as never }, { "c1-r1": c1, "c1-r2": slower });
        const p = folded.c1!;
        assert.equal(p.itlMs!.avg, (c1.itlMs!.avg! + slower.itlMs!.avg!) / 2);
        assert.equal(p.repeats!.spread.itlMs!.avg, slower.itlMs!.avg! - c1.itlMs!.avg!);
        assert.equal(p.repeats!.spread.requestCount, 0);
        assert.deepEqual(p.repeats!.runs, [c1, slower]);
        assert.equal(p.repeats!.count, 2);
    });
    test("one run: the figures unchanged", () => {
        assert.deepEqual(foldRuns({ phases: [] as never, benchmark: { repeats: 1 } as never }, local.phases), local.phases);
    });
});

describe("SLOs", () => {
    test("each phase, or the phase named; a missing metric fails", () => {
        const slo = (t: string) => (parseSlo(t) as { slo: never }).slo;
        const p99 = c1.ttftMs!.p99!;
        const results = judgeSlos(local.phases, [slo(`ttftMs.p99 <= ${p99}`), slo("goodputReqPerS >= 1 in c4")]);
        assert.deepEqual(
            results.map((r) => [r.where, r.pass]),
            [
                ["c1", true],
                ["c4", local.phases.c4!.ttftMs!.p99! <= p99],
                ["c4", false],
            ],
        );
        assert.equal(results[2]!.value, undefined);
    });
});

describe("regression", () => {
    const base = { c1 };
    test("worse beyond the tolerance is a regression, with both values, the difference and the tolerance", () => {
        const [row] = comparePhases({ c1: scaled(c1, "itlMs", 1.2) }, base, { "itlMs.avg": 10 });
        assert.equal(row!.verdict, "regression");
        assert.ok(Math.abs(row!.differencePct! - 20) < 1e-9);
        assert.match(
            describeRegression(row!),
            /^c1: itlMs\.avg regressed from [\d.]+ \(baseline\) to [\d.]+: \+[\d.]+ \(\+20%\), tolerance 10% \(lower is better\)$/,
        );
        assert.equal(comparePhases({ c1: scaled(c1, "itlMs", 1.05) }, base, { "itlMs.avg": 10 })[0]!.verdict, "within tolerance");
        assert.equal(comparePhases({ c1: scaled(c1, "itlMs", 0.5) }, base, { "itlMs.avg": 10 })[0]!.verdict, "better or equal");
    });
    test("throughput: lower is worse", () => {
        const drop = { ...c1, outputTokenThroughputPerGpuTokPerS: c1.outputTokenThroughputPerGpuTokPerS! * 0.8 };
        assert.equal(comparePhases({ c1: drop }, base, { outputTokenThroughputPerGpuTokPerS: 10 })[0]!.verdict, "regression");
        assert.equal(comparePhases({ c1: scaled(c1, "itlMs", 1.5) }, base, { outputTokenThroughputPerGpuTokPerS: 10 })[0]!.verdict, "better or equal");
    });
    test("a difference within the measured spread of the repeats is not a regression", () => {
        const noisy = foldRuns({ phases: [{ name: "c1" }] as never, benchmark: { repeats: 2 } as never }, { "c1-r1": c1, "c1-r2": scaled(c1, "itlMs", 1.6) });
        const [row] = comparePhases(noisy, base, { "itlMs.avg": 10 });
        assert.ok(row!.differencePct! > 10 && row!.spread > row!.difference!);
        assert.equal(row!.verdict, "within spread");
    });
    test("property: a regression exceeds both the tolerance and the spread, and is worse", () => {
        fc.assert(
            fc.property(fc.double({ min: 0.2, max: 5, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (by, tol) => {
                const [row] = comparePhases({ c1: scaled(c1, "itlMs", by) }, base, { "itlMs.avg": tol });
                if (row!.verdict === "regression") return row!.difference! > 0 && row!.differencePct! > tol && Math.abs(row!.difference!) > row!.spread;
                return by <= 1 + tol / 100 + 1e-9 || row!.verdict === "within spread";
            }),
        );
    });
    test("a phase or a metric the baseline lacks is not compared, and says why", () => {
        const rows = comparePhases(decode2.phases, local.phases, { "itlMs.avg": 10 });
        assert.deepEqual(
            rows.filter((r) => r.verdict === "not compared").map((r) => [r.where, r.note]),
            [["c16", "the baseline has no phase c16"]],
        );
        assert.equal(comparePhases(base, base, { goodputReqPerS: 10 })[0]!.note, "goodputReqPerS was not measured in this run");
    });
});

describe("verdict", () => {
    const settings = { onInvalid: "fail" as const, slo: [], tolerances: { "itlMs.avg": 10 }, onRegression: "fail" as const };
    test("validity, SLO and regression failures; record keeps them without failing", () => {
        const slower: GatedOutputs = { ...local, phases: { c1: scaled(c1, "itlMs", 1.5), c4: local.phases.c4! } };
        const v = judgeGates(slower, ["c1: 30 requests completed of the 40 asked"], settings, { label: "file base.json", outputs: local });
        assert.equal(v.status, "fail");
        assert.equal(v.failures[0], "invalid: c1: 30 requests completed of the 40 asked");
        assert.match(v.failures[1]!, /^regression against file base.json: c1: itlMs.avg regressed/);
        const recorded = judgeGates(slower, ["c1: x"], { ...settings, onInvalid: "record", onRegression: "record" }, { label: "b", outputs: local });
        assert.equal(recorded.status, "pass");
        assert.equal(recorded.recorded.length, 2);
    });
    test("the same figures pass; nothing ran is not judged; a baseline without figures fails", () => {
        assert.equal(judgeGates(local, [], settings, { label: "b", outputs: local }).status, "pass");
        assert.equal(judgeGates({ resultsStatus: "not run: render mode", phases: {} }, [], settings).status, "not judged");
        const empty = { label: "stack org/p/base", outputs: {} };
        assert.equal(baselineProblem(empty), "the baseline stack org/p/base has no figures (resultsStatus: none, not dynamo-bench stack outputs)");
        assert.match(judgeGates(local, [], settings, empty).failures[0]!, /^regression: the baseline stack org\/p\/base has no figures/);
    });
    test("renamed loads compare nothing, which fails rather than passing quietly", () => {
        const renamed: GatedOutputs = { ...local, phases: { c8: c1 } };
        assert.match(
            judgeGates(renamed, [], settings, { label: "b", outputs: local }).failures[0]!,
            /nothing could be compared with b: the baseline has no phase c8/,
        );
    });
    test("a sweep: each collected point, its phases named <point>/<phase>", () => {
        const sweep: GatedOutputs = { resultsStatus: "collected", points: { d1: { resultsStatus: "collected", phases: local.phases } } };
        const v = judgeGates(sweep, [], { ...settings, tolerances: {}, slo: [(parseSlo("ttftMs.p99 <= 0.001") as { slo: never }).slo] });
        assert.deepEqual(
            v.failures.map((f) => f.split(":")[0]),
            ["d1/c1", "d1/c4"],
        );
    });
});

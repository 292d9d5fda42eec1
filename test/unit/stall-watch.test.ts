// The stall watchdog's pure parts: the default bound derived from the load,
// the config rule, the progress read from the frontend's Prometheus text, the
// clock, and the node scripts' copy of the rule (scripts/stall-watch.sh, run
// by bash here) agreeing with the TypeScript one on the same inputs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError, loadSpec } from "../../config/load";
import { defaultStallSeconds, MAX_DEFAULT_STALL_SECONDS, MIN_DEFAULT_STALL_SECONDS, slowRequestSeconds } from "../../config/stall";
import { progressMetrics, progressMetricsOf } from "../../lib/dynamo/progress-metrics";
import { repoPath } from "../../lib/paths";
import { describeStall, parseProgress, scrapeIntervalSeconds, StallClock } from "../../lib/watchdog/stall";

const METRICS = progressMetrics();

/** What the real frontend (Dynamo 1.6.1, mocker) served mid-phase, trimmed: 25 completed, 28 started. */
const FRONTEND_TEXT = `# HELP dynamo_frontend_requests_total Total number of LLM requests processed
# TYPE dynamo_frontend_requests_total counter
dynamo_frontend_active_requests{model="tiny"} 4
dynamo_frontend_inflight_requests{model="tiny"} 4
dynamo_frontend_output_tokens_total{model="tiny"} 385
dynamo_frontend_requests_started_total{endpoint="chat_completions",model="tiny",request_type="stream"} 27
dynamo_frontend_requests_started_total{endpoint="chat_completions",model="tiny",request_type="unary"} 1
dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="tiny",request_type="stream",status="success"} 23
dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="tiny",request_type="unary",status="success"} 1
dynamo_frontend_requests_total{endpoint="chat_completions",error_type="cancelled",model="tiny",request_type="stream",status="error"} 1
dynamo_component_router_requests_total{dynamo_component="backend",dynamo_namespace="dbench_probe",worker_id="7c3c"} 50
`;

describe("default timeouts.stallSeconds", () => {
    const phase = { concurrency: 1, inputTokens: 128, outputTokens: 64 };
    test("the schema's default load gets the minimum", () => {
        assert.equal(slowRequestSeconds(phase), 64 * 0.25 + 0.128);
        assert.equal(defaultStallSeconds([phase], 3600), MIN_DEFAULT_STALL_SECONDS);
    });
    test("grows with output tokens and with the prefill queue of the concurrency; the slowest phase decides", () => {
        const big = { concurrency: 64, inputTokens: 1024, outputTokens: 512 };
        // 2 x (512 x 0.25 + 64 x 1024 / 1000) = 387.07 -> 388
        assert.equal(defaultStallSeconds([big], 3600), 388);
        assert.equal(defaultStallSeconds([phase, big], 3600), 388);
    });
    test("an open-loop phase: requests arriving during one slow request wait for prefill", () => {
        const rated = { requestRate: 2, inputTokens: 2000, outputTokens: 200 };
        // decode 50 s, in flight ceil(2 x 50) = 100, prefill 100 x 2000 / 1000 = 200 s -> 2 x 250
        assert.equal(defaultStallSeconds([rated], 3600), 500);
    });
    test("bounded: at most the maximum, and below benchmarkSeconds", () => {
        assert.equal(defaultStallSeconds([{ concurrency: 1, inputTokens: 1, outputTokens: 100_000 }], 7200), MAX_DEFAULT_STALL_SECONDS);
        assert.equal(defaultStallSeconds([{ concurrency: 1, inputTokens: 1, outputTokens: 100_000 }], 900), 899);
        assert.equal(defaultStallSeconds([phase], 30), 29);
    });
    test("resolved into every target's spec, or kept as given", () => {
        assert.equal(loadSpec({ model: { id: "m" } }, "unit").timeouts.stallSeconds, 60);
        assert.equal(loadSpec({ model: { id: "m" }, benchmark: { outputTokens: 1024 } }, "unit").timeouts.stallSeconds, 513);
        assert.equal(loadSpec({ model: { id: "m" }, timeouts: { stallSeconds: 7 } }, "unit").timeouts.stallSeconds, 7);
    });
});

describe("config rule", () => {
    const problems = (timeouts: Record<string, number>) => {
        try {
            loadSpec({ model: { id: "m" }, timeouts }, "unit");
            return [];
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            return e.violations.map((v) => `${v.path}: ${v.message}`);
        }
    };
    test("stallSeconds must be below benchmarkSeconds, naming the field", () => {
        const found = problems({ stallSeconds: 600, benchmarkSeconds: 600 });
        assert.equal(found.length, 1);
        assert.match(found[0]!, /^timeouts\.stallSeconds: expected less than timeouts\.benchmarkSeconds \(600\), got 600; .*leave stallSeconds unset/);
        assert.deepEqual(problems({ stallSeconds: 599, benchmarkSeconds: 600 }), []);
        assert.match(problems({ stallSeconds: 0 }).join("\n"), /^timeouts\.stallSeconds: /);
    });
});

describe("progress from the frontend's metrics", () => {
    test("sums the completed and started counters over every label set (any status); other counters are ignored", () => {
        assert.deepEqual(parseProgress(FRONTEND_TEXT, METRICS), { completed: 25, started: 28 });
    });
    test("label values with spaces and braces, timestamps, blank lines", () => {
        const text = '\n  dynamo_frontend_requests_total{model="a } b",x="{"} 3 1700000000000\ndynamo_frontend_requests_started_total 5\n';
        assert.deepEqual(parseProgress(text, METRICS), { completed: 3, started: 5 });
    });
    test("no completed counter (not a Dynamo frontend, or before any request): no sample", () => {
        assert.equal(parseProgress("dynamo_frontend_requests_started_total 5\n", METRICS), undefined);
        assert.equal(parseProgress("", METRICS), undefined);
    });
    test("DYN_METRICS_PREFIX renames the counters; a frontend env wins over the stack env", () => {
        assert.equal(progressMetrics({ DYN_METRICS_PREFIX: "x" }).completed, "x_requests_total");
        assert.equal(
            progressMetricsOf({ env: { DYN_METRICS_PREFIX: "a" }, frontend: { env: { DYN_METRICS_PREFIX: "b" } } }).started,
            "b_requests_started_total",
        );
    });
    test("scrape interval: a tenth of the bound, within 1-2 s on the nodes", () => {
        assert.deepEqual([5, 60, 1800].map(scrapeIntervalSeconds), [1, 2, 2]);
    });
});

describe("the stall clock", () => {
    const at = (s: number) => 1_000_000 + s * 1000;
    const busy = (completed: number, started = completed + 2) => ({ completed, started });
    test("nothing in flight (client start-up, export) never stalls, however long", () => {
        const c = new StallClock(10_000, at(0));
        for (let s = 1; s <= 600; s += 5) assert.equal(c.observe(at(s), { completed: 1, started: 1 }), false);
    });
    test("requests in flight and none completed: stalls at the bound; each completion restarts the clock", () => {
        const c = new StallClock(10_000, at(0));
        assert.equal(c.observe(at(1), busy(1)), false);
        assert.equal(c.observe(at(9), busy(1)), false);
        assert.equal(c.observe(at(10), busy(2)), false);
        assert.equal(c.observe(at(19), busy(2)), false);
        assert.equal(c.observe(at(20), busy(2)), true);
        const v = c.verdict(at(20));
        assert.deepEqual(v, {
            withoutProgressMs: 10_000,
            lastCompleted: 2,
            lastProgressAt: at(10),
            progressedInPhase: true,
            inFlight: 2,
            scrapeError: undefined,
        });
        assert.equal(
            describeStall("main", 10, METRICS, v, at(20)),
            `stalled: benchmark phase "main" completed no request for 10s (timeouts.stallSeconds 10) with 2 request(s) in flight; last completed request: dynamo_frontend_requests_total=2 at ${new Date(at(10)).toISOString()} (10s ago)`,
        );
    });
    test("a frontend that stops answering keeps the clock running", () => {
        const c = new StallClock(10_000, at(0));
        assert.equal(c.observe(at(1), busy(5)), false);
        assert.equal(c.observe(at(6), undefined, "timeout"), false);
        assert.equal(c.observe(at(11), undefined, "timeout"), true);
        assert.match(
            describeStall("p", 10, METRICS, c.verdict(at(11)), at(11)),
            /with the frontend's metrics did not answer \(timeout\); no request completed in this phase; count: dynamo_frontend_requests_total=5/,
        );
    });
});

/** Runs scripts/stall-watch.sh's rule on (second, text) scrapes; prints each verdict and the message. */
function bashRule(stallSeconds: number, scrapes: Array<[number, string]>): { verdicts: string[]; message: string } {
    const script = `source "$1"; shift; STALL_NOW=$1; stall_begin main; shift
while [ $# -gt 0 ]; do STALL_NOW=$1; if stall_observe "$2" timeout; then echo stalled; else echo ok; fi; shift 2; done
printf 'MESSAGE %s\\n' "$STALL_MESSAGE"`;
    const args = [repoPath("scripts", "stall-watch.sh"), "1000", ...scrapes.flatMap(([s, text]) => [String(1000 + s), text])];
    const r = spawnSync("bash", ["-c", script, "_", ...args], {
        encoding: "utf8",
        env: { ...process.env, STALL_SECONDS: String(stallSeconds), STALL_COMPLETED_METRIC: METRICS.completed, STALL_STARTED_METRIC: METRICS.started },
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    return { verdicts: lines.filter((l) => l === "ok" || l === "stalled"), message: lines.find((l) => l.startsWith("MESSAGE "))!.slice(8) };
}

describe("scripts/stall-watch.sh (the node scripts' rule)", () => {
    const text = (completed: number, started: number) =>
        `dynamo_frontend_requests_total{status="success"} ${completed}\ndynamo_frontend_requests_started_total{a="b c"} ${started}\n`;
    test("reads the real frontend's text as the TypeScript parser does", () => {
        const r = spawnSync("bash", ["-c", 'source "$1"; stall_counts "$2"', "_", repoPath("scripts", "stall-watch.sh"), FRONTEND_TEXT], {
            encoding: "utf8",
            env: { ...process.env, STALL_COMPLETED_METRIC: METRICS.completed, STALL_STARTED_METRIC: METRICS.started },
        });
        const ts = parseProgress(FRONTEND_TEXT, METRICS)!;
        assert.equal(r.stdout, `${ts.completed} ${ts.started}\n`);
    });
    test("the same verdicts and the same report as the TypeScript clock on the same scrapes", () => {
        const scrapes: Array<[number, string]> = [
            [1, text(1, 1)],
            [40, text(1, 1)], // start-up: nothing in flight
            [41, text(1, 3)],
            [45, text(2, 4)],
            [54, text(2, 4)],
            [55, text(2, 4)],
        ];
        const bash = bashRule(10, scrapes);
        const clock = new StallClock(10_000, 1_000_000);
        const ts = scrapes.map(([s, t]) => (clock.observe(1_000_000 + s * 1000, parseProgress(t, METRICS)) ? "stalled" : "ok"));
        assert.deepEqual(bash.verdicts, ts);
        assert.deepEqual(ts, ["ok", "ok", "ok", "ok", "ok", "stalled"]);
        assert.equal(bash.message, describeStall("main", 10, METRICS, clock.verdict(1_055_000), 1_055_000));
    });
    test("a frontend that does not answer: the clock runs on", () => {
        const bash = bashRule(10, [
            [1, text(3, 5)],
            [6, ""],
            [11, ""],
        ]);
        assert.deepEqual(bash.verdicts, ["ok", "ok", "stalled"]);
        assert.match(
            bash.message,
            /with the frontend's metrics did not answer \(timeout\); no request completed in this phase; count: dynamo_frontend_requests_total=3 at /,
        );
    });
});

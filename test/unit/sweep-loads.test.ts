// Load lists: `benchmark.concurrency: [1, 8]` and `benchmark.requestRate: [...]`
// become one phase each; a scalar keeps the single "main" phase; the client
// argv carries --request-rate for a rate phase and no --concurrency.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadSpec } from "../../config/load";
import { loadArgv, type LoadArgvInput } from "../../lib/benchmark/load-argv";
import { loadPhase } from "../helpers/load-phase";

const base = { model: { id: "Qwen/Qwen3-0.6B" } };
const load = (benchmark: Record<string, unknown>) => loadSpec({ ...base, benchmark }, "s");

function problems(benchmark: Record<string, unknown>): string {
    try {
        load(benchmark);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
    }
    assert.fail("expected a ConfigError");
}

describe("load lists", () => {
    test("a scalar concurrency keeps the one phase named main", () => {
        const phases = load({ concurrency: 4 }).phases;
        assert.deepEqual(
            phases.map((p) => [p.name, p.concurrency, p.requestRate]),
            [["main", 4, undefined]],
        );
    });

    test("a concurrency list makes one phase per value, in order, each with the base values", () => {
        const phases = load({ concurrency: [1, 8, 64], requestCount: 20, extraArgs: ["--x", "1"] }).phases;
        assert.deepEqual(
            phases.map((p) => p.name),
            ["c1", "c8", "c64"],
        );
        assert.deepEqual(
            phases.map((p) => p.concurrency),
            [1, 8, 64],
        );
        for (const p of phases) {
            assert.equal(p.requestCount, 20);
            assert.deepEqual(p.extraArgs, ["--x", "1"]);
            assert.equal("requestRate" in p, false);
        }
    });

    test("a request-rate list makes rate phases without a concurrency; a fraction's point becomes p", () => {
        const phases = load({ requestRate: [0.5, 10] }).phases;
        assert.deepEqual(
            phases.map((p) => [p.name, p.requestRate, p.concurrency]),
            [
                ["r0p5", 0.5, undefined],
                ["r10", 10, undefined],
            ],
        );
    });

    test("a scalar request rate replaces the concurrency of main and of phases that set neither", () => {
        const spec = load({
            requestRate: 5,
            phases: [{ name: "a" }, { name: "b", concurrency: 2 }, { name: "c", requestRate: 9 }],
        });
        assert.deepEqual(
            spec.phases.map((p) => [p.name, p.concurrency, p.requestRate]),
            [
                ["a", undefined, 5],
                ["b", 2, undefined],
                ["c", undefined, 9],
            ],
        );
    });

    test("a load list with named phases is one error naming both fields", () => {
        const message = problems({ concurrency: [1, 2], phases: [{ name: "x" }] });
        assert.match(message, /dynamo-bench:benchmark\.phases: expected either named phases or a load list in benchmark\.concurrency/);
    });

    test("a concurrency list with a request rate, repeated values, a phase with both: each named", () => {
        assert.match(problems({ concurrency: [1, 2], requestRate: 3 }), /benchmark\.requestRate: expected either a concurrency list or a requestRate/);
        assert.match(problems({ concurrency: [4, 4] }), /benchmark\.concurrency: expected distinct values \(one phase each\), got 4 twice/);
        assert.match(
            problems({ phases: [{ name: "x", concurrency: 1, requestRate: 2 }] }),
            /benchmark\.phases\[0\]\.requestRate: expected either concurrency or requestRate/,
        );
    });

    test("bad list values name the element", () => {
        assert.match(problems({ concurrency: [1, 0] }), /benchmark\.concurrency\[1\]: .*>=1/);
        assert.match(problems({ requestRate: [] }), /benchmark\.requestRate/);
    });
});

describe("client argv of a rate phase", () => {
    const input = (tool: "aiperf" | "genai-perf", phase: LoadArgvInput["phase"]): LoadArgvInput => ({
        tool,
        servedModelName: "m",
        url: "http://h:8000",
        endpointType: "chat",
        phase,
        tokenizer: "t",
        artifactDir: "/a",
        requestTimeoutSeconds: 60,
    });
    const phase = loadPhase({ requestCount: 10 });

    for (const tool of ["aiperf", "genai-perf"] as const) {
        test(`${tool}: --request-rate and no --concurrency (genai-perf refuses both)`, () => {
            const argv = loadArgv(input(tool, { ...phase, requestRate: 2.5 }));
            assert.equal(argv[argv.indexOf("--request-rate") + 1], "2.5");
            assert.equal(argv.includes("--concurrency"), false);
        });
        test(`${tool}: a concurrency phase is unchanged`, () => {
            const argv = loadArgv(input(tool, { ...phase, concurrency: 8 }));
            assert.equal(argv[argv.indexOf("--concurrency") + 1], "8");
            assert.equal(argv.includes("--request-rate"), false);
        });
    }
});

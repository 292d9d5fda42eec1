// Accuracy phases: the config (benchmark.phases[i].accuracy), AIPerf's
// accuracy flags on the phase's command line, and the scores read from a real
// AIPerf 0.13 accuracy_results.csv (test/fixtures/results/aiperf-accuracy:
// the tiny MMLU stand-in against the mocker, whose random tokens answer nothing).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { ConfigError, loadSpec } from "../../config/load";
import { loadArgv } from "../../lib/benchmark/load-argv";
import { parseAccuracyCsv, readAccuracy } from "../../lib/results/accuracy";

const FIXTURE = path.join(__dirname, "../fixtures/results/aiperf-accuracy");
const accuracy = { benchmark: "mmlu", tasks: ["abstract_algebra", "anatomy"], nShots: 5, enableCot: false };
const raw = (tool = "aiperf") => ({
    model: { id: "/models/tiny" },
    benchmark: {
        tool,
        phases: [
            { name: "c4", concurrency: 4 },
            { name: "mmlu", concurrency: 10, requestCount: 100, accuracy },
        ],
    },
});

describe("accuracy phases", () => {
    test("the phase carries its accuracy settings; a load phase none", () => {
        const spec = loadSpec(raw(), "acc");
        assert.equal(spec.phases[0]!.accuracy, undefined);
        assert.deepEqual(spec.phases[1]!.accuracy, accuracy);
    });

    test("AIPerf's accuracy flags on that phase's command line only", () => {
        const spec = loadSpec(raw(), "acc");
        const argv = (i: number) =>
            loadArgv({
                tool: "aiperf",
                servedModelName: "m",
                url: "http://h:1",
                endpointType: "chat",
                phase: spec.phases[i]!,
                tokenizer: "t",
                artifactDir: "/a",
                requestTimeoutSeconds: 9,
            });
        const mmlu = argv(1);
        const after = (flag: string) => mmlu[mmlu.indexOf(flag) + 1];
        assert.equal(after("--accuracy-benchmark"), "mmlu");
        assert.equal(after("--accuracy-tasks"), "abstract_algebra,anatomy");
        assert.equal(after("--accuracy-n-shots"), "5");
        assert.ok(mmlu.includes("--accuracy-no-enable-cot"));
        assert.equal(after("--concurrency"), "10");
        assert.ok(!argv(0).some((a) => a.startsWith("--accuracy")));
        // A scored answer ends where the model ends it: no ignore_eos, no forced length.
        assert.ok(!mmlu.includes("ignore_eos:true") && !mmlu.some((a) => a.startsWith("max_tokens:")));
        assert.ok(argv(0).includes("ignore_eos:true"));
    });

    test("genai-perf has no accuracy mode: refused naming the phase", () => {
        assert.throws(
            () => loadSpec(raw("genai-perf"), "acc"),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.violations.some((v) => v.path === "benchmark.phases[1].accuracy" && /expected benchmark.tool aiperf/.test(v.message)),
        );
    });

    test("scores from AIPerf's accuracy_results.csv: OVERALL and each task, as numbers", () => {
        assert.deepEqual(readAccuracy(FIXTURE), {
            overall: { correct: 0, total: 8, unparsed: 8, accuracy: 0 },
            tasks: { abstract_algebra: { correct: 0, total: 8, unparsed: 8, accuracy: 0 } },
        });
        assert.deepEqual(parseAccuracyCsv("task,correct,total,unparsed,accuracy\nOVERALL,3,4,0,0.7500\nanatomy,3,4,0,0.7500\n").overall, {
            correct: 3,
            total: 4,
            unparsed: 0,
            accuracy: 0.75,
        });
        assert.throws(
            () => parseAccuracyCsv("task,correct,total,unparsed,accuracy\nOVERALL,x,4,0,\n", "a.csv"),
            /a\.csv: row 2 is not task,correct,total,unparsed,accuracy with numbers/,
        );
        assert.equal(readAccuracy(path.join(FIXTURE, "missing")), undefined, "a load phase has no scores");
    });
});

// A real accuracy phase on the local target: `dynamo-bench local-run` with a
// load phase and an accuracy phase (AIPerf's accuracy mode, MMLU's
// abstract_algebra) against the mocker, the MMLU problems from the tiny
// offline stand-in scripts/make-tiny-mmlu.py writes into a HuggingFace
// datasets cache. The accuracy phase's scores come back next to its figures;
// the load phase has none. The mocker answers with random tokens, so the
// scores say nothing about a model: what is checked is that every problem was
// asked, graded and reported. Skips when the venv or the tiny model is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { LOCAL_VENV, TINY_MODEL, localToolsSkip } from "../helpers/local-tools";
import { RESULT_MARKER } from "../../lib/results";

const venv = LOCAL_VENV;
const model = TINY_MODEL;
const skip = localToolsSkip();
if (skip) process.stderr.write(`SKIP local accuracy run: ${skip}\n`);

test("an accuracy phase asks, grades and reports every problem; its scores are in its outputs", { skip, timeout: 300_000 }, () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-acc-it-"));
    try {
        const hfHome = path.join(work, "hf");
        const made = spawnSync(path.join(venv, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-mmlu.py"), hfHome, "--questions", "6"], {
            encoding: "utf8",
        });
        assert.equal(made.status, 0, made.stderr);
        const spec = {
            target: "local",
            name: "acc-it",
            model: { id: model, servedName: "tiny" },
            benchmark: {
                inputTokens: 32,
                outputTokens: 8,
                requestCount: 6,
                phases: [
                    { name: "c2", concurrency: 2 },
                    { name: "mmlu", concurrency: 2, accuracy: { benchmark: "mmlu", tasks: ["abstract_algebra"], nShots: 0 } },
                ],
            },
            timeouts: { readySeconds: 120, benchmarkSeconds: 240 },
        };
        const specFile = path.join(work, "spec.json");
        fs.writeFileSync(specFile, JSON.stringify(spec));
        const run = spawnSync(
            process.execPath,
            [path.join(REPO_ROOT, "bin", "dynamo-bench.js"), "local-run", "--spec-file", specFile, "--run-dir", path.join(work, "run")],
            {
                encoding: "utf8",
                env: { ...process.env, HF_HOME: hfHome, HF_DATASETS_OFFLINE: "1" },
                timeout: 280_000,
            },
        );
        assert.equal(run.status, 0, run.stderr.slice(-3000));
        const line = run.stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER))!;
        const result = JSON.parse(line.slice(RESULT_MARKER.length).trim()) as { phases: Array<{ name: string; outputs: Record<string, any> }> };
        const [load, mmlu] = result.phases;
        assert.equal(load!.outputs.accuracy, undefined);
        const scores = mmlu!.outputs.accuracy;
        assert.equal(scores.overall.total, 6, JSON.stringify(scores));
        assert.deepEqual(Object.keys(scores.tasks), ["abstract_algebra"]);
        assert.equal(scores.tasks.abstract_algebra.total, 6);
        assert.ok(scores.overall.accuracy >= 0 && scores.overall.accuracy <= 1);
        assert.equal(mmlu!.outputs.errorCount ?? 0, 0, "every problem was answered");
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
});

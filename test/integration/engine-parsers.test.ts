// The generated command lines, judged by the real argument parsers of the
// pinned release (lib/dynamo/judge.ts): the Dynamo frontend and mocker, the
// dynamo.vllm / dynamo.sglang workers with the engines ai-dynamo 1.6.1 pins,
// Dynamo's TensorRT-LLM parser (without TensorRT-LLM), AIPerf and genai-perf.
// Correct 1.6.1 command lines must pass; known-bad ones must fail with the
// parser's own message. A judge whose venv is missing skips with the reason;
// CI makes them all (scripts/setup-test-env.sh runs scripts/setup-engines.sh).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { judgeCommands, judgeVenvs, JUDGE_NAMES, unavailableReason, type JudgeName, type Verdict } from "../../lib/dynamo/judge";
import { releaseFor, DEFAULT_DYNAMO_VERSION } from "../../lib/dynamo/releases";
import { tinyModelDir } from "../../lib/paths";
import { judgeCases, launchModelCases, type JudgeExpectation } from "../fixtures/judge-cases";
import { targetCases } from "../fixtures/judge-target-cases";
import { mockerKnobCases } from "../fixtures/judge-mocker-cases";
import { importCases } from "../fixtures/judge-import-cases";
import { connectorCases, importedConnectorCases } from "../fixtures/judge-connector-cases";
import { readPinnedVersions } from "../../lib/pinned-versions";

// The folder scripts/setup-python.sh makes (lib/local/from-spec.ts resolves model id dynamo-bench/tiny-model to it).
const modelDir = tinyModelDir(process.env);
const modelReason = fs.existsSync(path.join(modelDir, "config.json"))
    ? undefined
    : `the tiny model ${modelDir} is missing; make it with: bash scripts/setup-python.sh`;
const unavailable = new Map<JudgeName, string>();
for (const judge of JUDGE_NAMES) {
    const reason = modelReason ?? unavailableReason(judge);
    if (reason) unavailable.set(judge, reason);
}
for (const [judge, reason] of unavailable) process.stderr.write(`SKIP ${judge} cases: ${reason}\n`);

// Where the launch model's generated files (TensorRT-LLM engine configs) are written, as a target would.
const configDir = path.join(os.tmpdir(), `dbench-judge-config-${process.pid}`);
const launch = launchModelCases(modelDir, configDir);
const fromTargets = targetCases(modelDir, configDir);
const connectors = connectorCases(modelDir, configDir);
const expectations = [
    ...judgeCases(modelDir),
    ...launch.cases,
    ...fromTargets.cases,
    ...mockerKnobCases(modelDir, configDir),
    ...importCases(modelDir, configDir),
    ...connectors.cases,
    ...importedConnectorCases(modelDir),
];
const verdicts = new Map<string, Verdict>();

before(async () => {
    fs.mkdirSync(configDir, { recursive: true });
    for (const f of [...launch.files, ...fromTargets.files, ...connectors.files]) fs.writeFileSync(path.join(configDir, f.name), f.content);
    const runnable = expectations.filter((e) => !unavailable.has(e.case.judge)).map((e) => e.case);
    if (runnable.length === 0) return;
    const started = Date.now();
    for (const v of await judgeCommands(runnable)) verdicts.set(v.id, v);
    process.stderr.write(`judged ${runnable.length} command lines in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

after(() => fs.rmSync(configDir, { recursive: true, force: true }));

function show(e: JudgeExpectation, v: Verdict): string {
    return `${e.case.id} (${e.mirrors})\n  argv: ${JSON.stringify(e.case.args)}\n  judged: ${v.judged}\n  error: ${v.error || "(none)"}`;
}

describe("command lines judged by the real parsers of Dynamo 1.6.1", () => {
    test("the engine pins of the judges' venvs are the ones the release profile names", () => {
        // scripts/versions.env makes the venvs; lib/dynamo/releases.ts is what targets generate for.
        const pins = readPinnedVersions();
        const release = releaseFor(DEFAULT_DYNAMO_VERSION);
        assert.equal(pins.AI_DYNAMO_VERSION, release.version);
        assert.equal(pins.ENGINE_VLLM_VERSION, release.engines.vllm);
        assert.equal(pins.ENGINE_SGLANG_VERSION, release.engines.sglang);
    });

    test("a parser that cannot be loaded fails the whole run with the reason, never a verdict", (t) => {
        // The project venv has no vLLM: judging a dynamo.vllm case there must not pass by default.
        const reason = unavailable.get("aiperf");
        if (reason) return t.skip(reason);
        const run = spawnSync(judgeVenvs().aiperf.python, [path.join(__dirname, "../../scripts/judge/judge_commands.py")], {
            input: JSON.stringify([{ id: "x", judge: "dynamo.vllm", args: ["--model", modelDir] }]),
            encoding: "utf8",
            timeout: 120_000,
        });
        assert.equal(run.status, 1, run.stderr);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /cannot load the dynamo\.vllm parser in .*: ModuleNotFoundError: No module named 'vllm'/);
    });

    for (const e of expectations) {
        const expectation = e.refusedWith ? `refused (${e.refusedWith.source})` : "accepted";
        test(`${e.case.judge}: ${e.case.id} is ${expectation}`, (t) => {
            const reason = unavailable.get(e.case.judge);
            if (reason) return t.skip(reason);
            const v = verdicts.get(e.case.id);
            assert.ok(v, `no verdict for ${e.case.id}`);
            assert.ok(v.judged.length > 0, "a verdict must say what was checked");
            if (!e.refusedWith) {
                assert.equal(v.ok, true, `the parser refused a correct command line:\n${show(e, v)}`);
                assert.equal(v.error, "");
            } else {
                assert.equal(v.ok, false, `the parser accepted a bad command line:\n${show(e, v)}`);
                assert.match(v.error, e.refusedWith, show(e, v));
            }
        });
    }
});

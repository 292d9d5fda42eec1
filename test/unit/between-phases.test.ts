// benchmark.betweenPhases: planned for local runs (the command with the run's
// addresses, the health check, the bound) and rendered into Slurm's job.env
// and the Kubernetes benchmark Job's plan the same way, absent when unset.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun } from "../../lib/local/plan";
import { renderJob } from "../../lib/slurm/render";
import { buildBenchmarkPlan } from "../../lib/kubernetes/benchmark";
import { jobScriptsOf } from "../helpers/job-scripts";

const raw = (betweenPhases: Record<string, unknown>, target = "local") => ({
    target,
    model: { id: "/models/tiny" },
    benchmark: { concurrency: [1, 2], betweenPhases },
    ...(target === "slurm" ? { slurm: { outputDir: "/shared/out" } } : {}),
});

function plan(betweenPhases: Record<string, unknown>) {
    const spec = loadSpec(raw(betweenPhases), "bp");
    return planLocalRun(
        planInputFromSpec(spec, { env: { HOME: "/tmp" }, runDir: "/tmp/bp", runId: "bp" }),
        { PATH: "/usr/bin" },
        { frontend: 41000, bootstrap: [41001] },
    );
}

describe("benchmark.betweenPhases on the local target", () => {
    test("the command runs with the frontend's URL and the run folder; its log and bound are planned", () => {
        const p = plan({ command: ["sh", "-c", "echo hi"], healthCheck: true, timeoutSeconds: 30 });
        assert.deepEqual(p.betweenPhases?.command?.argv, ["sh", "-c", "echo hi"]);
        assert.equal(p.betweenPhases?.command?.env.FRONTEND_URL, "http://127.0.0.1:41000");
        assert.equal(p.betweenPhases?.command?.env.DYNAMO_BENCH_RUN_DIR, "/tmp/bp");
        assert.equal(p.betweenPhases?.command?.env.PATH, "/usr/bin");
        assert.equal(p.betweenPhases?.command?.logFile, "/tmp/bp/logs/between-phases.log");
        assert.equal(p.betweenPhases?.healthCheck, true);
        assert.equal(p.betweenPhases?.timeoutSeconds, 30);
    });

    test("a health check alone; nothing planned when unset", () => {
        assert.deepEqual(plan({ healthCheck: true }).betweenPhases, { healthCheck: true, timeoutSeconds: 120 });
        assert.equal(plan({}).betweenPhases, undefined);
    });
});

describe("benchmark.betweenPhases on Kubernetes", () => {
    test("the benchmark Job's plan: the command per gap with the same variables, the probe, the bound", () => {
        const spec = loadSpec({ ...raw({ command: ["sh", "-c", "echo hi"], healthCheck: true, timeoutSeconds: 30 }, "kubernetes"), name: "bp" }, "bp");
        const plan = buildBenchmarkPlan(spec);
        const frontend = plan.modelsUrl.replace(/\/v1\/models$/, "");
        assert.deepEqual(plan.betweenPhases, {
            gaps: [
                {
                    argv: ["sh", "-c", "echo hi"],
                    env: [`FRONTEND_URL=${frontend}`, "DYNAMO_BENCH_RUN_DIR=/results", "DYNAMO_BENCH_PHASE_DONE=c1", "DYNAMO_BENCH_PHASE_NEXT=c2"],
                },
            ],
            healthCheck: true,
            timeoutSeconds: 30,
            probeUrl: `${frontend}/v1/chat/completions`,
            probeBody: JSON.stringify({ model: spec.servedModelName, messages: [{ role: "user", content: "ping" }], max_tokens: 1, stream: false }),
        });
        const none = buildBenchmarkPlan(loadSpec({ ...raw({}, "kubernetes"), name: "bp" }, "bp")).betweenPhases;
        assert.deepEqual([none.gaps, none.healthCheck], [[{ argv: [], env: [] }], false]);
    });
});

describe("benchmark.betweenPhases on Slurm", () => {
    const jobEnv = (betweenPhases: Record<string, unknown>) => {
        const spec = loadSpec({ ...raw(betweenPhases, "slurm"), env: { SHARED: "s" } }, "bp");
        const job = renderJob(spec, { scripts: jobScriptsOf() });
        const text = job.files.find((f) => f.name === "job.env")!.content;
        const line = (name: string) => text.split("\n").find((l) => l.startsWith(`${name}=`));
        return { job, line };
    };

    test("the command after each phase but the last, with the variables the local runner gives it; the health check and bound", () => {
        const { job, line } = jobEnv({ command: ["sh", "-c", "echo hi"], healthCheck: true, timeoutSeconds: 30 });
        assert.deepEqual(
            job.phases.map((p) => p.name),
            ["c1", "c2"],
        );
        assert.equal(line("P_BW0_ARGV"), "P_BW0_ARGV=(sh -c 'echo hi')");
        assert.equal(line("P_BW1_ARGV"), undefined, "nothing after the last phase");
        const env = line("P_BW0_ENV")!;
        for (const item of [
            "SHARED=s",
            "FRONTEND_URL=http://{frontend_host}:8000",
            `DYNAMO_BENCH_RUN_DIR=${job.runDir}`,
            "DYNAMO_BENCH_PHASE_DONE=c1",
            "DYNAMO_BENCH_PHASE_NEXT=c2",
        ]) {
            assert.ok(env.includes(item), `${item} in ${env}`);
        }
        assert.deepEqual(
            [line("BETWEEN_COMMAND"), line("BETWEEN_HEALTH_CHECK"), line("BETWEEN_TIMEOUT")],
            ["BETWEEN_COMMAND=1", "BETWEEN_HEALTH_CHECK=1", "BETWEEN_TIMEOUT=30"],
        );
    });

    test("a health check alone, and nothing when unset", () => {
        const alone = jobEnv({ healthCheck: true });
        assert.deepEqual(
            [alone.line("BETWEEN_COMMAND"), alone.line("BETWEEN_HEALTH_CHECK"), alone.line("P_BW0_ARGV")],
            ["BETWEEN_COMMAND=0", "BETWEEN_HEALTH_CHECK=1", undefined],
        );
        const none = jobEnv({});
        assert.deepEqual([none.line("BETWEEN_COMMAND"), none.line("BETWEEN_HEALTH_CHECK")], ["BETWEEN_COMMAND=0", "BETWEEN_HEALTH_CHECK=0"]);
    });
});

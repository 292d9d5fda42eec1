// benchmark.betweenPhases: planned for local runs (the command with the run's
// addresses, the health check, the bound), absent when unset, and refused on
// the targets whose benchmark scripts do not run it yet.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadSpec } from "../../config/load";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun } from "../../lib/local/plan";

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

    test("refused on Slurm and Kubernetes, naming the field", () => {
        for (const target of ["slurm", "kubernetes"]) {
            assert.throws(
                () => loadSpec(raw({ command: ["true"] }, target), "bp"),
                (e: unknown) =>
                    e instanceof ConfigError && e.violations.some((v) => v.path === "benchmark.betweenPhases.command" && /local target only/.test(v.message)),
            );
        }
    });
});

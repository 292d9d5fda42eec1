// Benchmark script (not a test): how long a 100-point sweep takes to plan
// (expand, validate every point through the schema and rules, resolve) and to
// build its resource graph under Pulumi mocks, for the local and the Kubernetes
// (render mode) targets. Goal of issue 11: under 1 s for the graph.
//
//   npx tsx bench/sweep-graph.ts [--points 100]
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { setupMocks } from "../test/helpers/pulumi-mocks";
import { loadSweep } from "../config/load-sweep";

const wanted = Number(process.argv[process.argv.indexOf("--points") + 1]) || 100;
const side = Math.ceil(Math.sqrt(wanted));
const values = Array.from({ length: side }, (_, i) => i + 1);

const bases: Record<string, Record<string, unknown>> = {
    local: { target: "local", model: { id: "m" } },
    kubernetes: {
        target: "kubernetes",
        model: { id: "Qwen/Qwen3-0.6B" },
        gpusPerNode: 8,
        platform: { install: false },
        kubernetes: { createNamespace: false, renderYamlToDirectory: "rendered" },
    },
};

async function main(): Promise<void> {
    const result = (name: string) => `DYNAMO_BENCH_RESULT ${JSON.stringify({ ok: true, runId: name, runDir: `/tmp/${name}`, phases: [], timings: {} })}`;
    const mocks = await setupMocks({ commandStdout: (name) => (name.endsWith("-run") ? result(name) : "") });
    const program = await import("../program");
    // Both command runners (components/exec): @pulumi/command, what a user's machine runs, and the in-process
    // dynamic provider, whose every resource carries the provider's serialized source (larger to register).
    for (const runner of ["pulumi-command", "dynamic"] as const) {
        for (const [target, base] of Object.entries(bases)) {
            mocks.reset();
            const raw = { ...base, name: "b", sweep: { grid: { "decode.replicas": values, "prefill.replicas": values }, maxPoints: side * side } };
            const t0 = performance.now();
            const plan = loadSweep(raw, "bench");
            const t1 = performance.now();
            pulumi.output(program.deployStack({ sweep: plan }, {}, { commandRunner: runner }));
            await mocks.settle();
            const t2 = performance.now();
            console.log(
                `${target}, ${runner} runner: ${plan.points.length} points, plan ${(t1 - t0).toFixed(0)} ms, resource graph under mocks ${(t2 - t1).toFixed(0)} ms (${mocks.resources.length} resources)`,
            );
        }
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});

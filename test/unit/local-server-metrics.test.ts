// Server metrics on the local target: with benchmark.serverMetrics on, each
// worker process gets a system port of its own (at most 32767, what Dynamo's
// DYN_SYSTEM_PORT accepts), and AIPerf is told every worker's /metrics besides
// the frontend's. Off, nothing of that is planned.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadArgv } from "../../lib/benchmark/load-argv";
import { MAX_SYSTEM_PORT, planLocalRun, portRequests, portsFromAllocation, workerNames } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { localPlanInput } from "../helpers/local-input";
import { loadPhase } from "../helpers/load-phase";

const base = { runId: "sm-1", runDir: "/tmp/dbench-sm", venv: "/opt/venv", modelPath: "/models/tiny" };
const withMetrics = (over: Parameters<typeof localPlanInput>[1] = {}) => {
    const input = localPlanInput(base, { decode: { replicas: 2, extraArgs: [], env: {} }, ...over });
    return { ...input, benchmark: { ...input.benchmark, serverMetrics: true } };
};
const valuesAfter = (argv: string[], name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const end = argv.findIndex((a, j) => j > i && a.startsWith("--"));
    return argv.slice(i + 1, end < 0 ? undefined : end);
};

describe("local server metrics: every worker's /metrics", () => {
    test("one bounded system port per worker process, asked for after the others", () => {
        const input = withMetrics();
        assert.deepEqual(workerNames(input), ["prefill-0", "decode-0", "decode-1"]);
        assert.deepEqual(
            portRequests(input).map((r) => [r.name, r.atMost]),
            [
                ["frontend.port", undefined],
                ["prefill[0] bootstrap port", undefined],
                ["prefill-0 system port", MAX_SYSTEM_PORT],
                ["decode-0 system port", MAX_SYSTEM_PORT],
                ["decode-1 system port", MAX_SYSTEM_PORT],
            ],
        );
    });

    test("each worker serves its system port; AIPerf gets every worker's URL (the frontend's it scrapes itself)", () => {
        const input = withMetrics();
        const plan = planLocalRun(input, {}, portsFromAllocation([41000, 41001, 21002, 21003, 21004], 3));
        const env = Object.fromEntries(plan.processes.map((p) => [p.name, p.env.DYN_SYSTEM_PORT]));
        assert.deepEqual(env, { frontend: undefined, "prefill-0": "21002", "decode-0": "21003", "decode-1": "21004" });
        assert.deepEqual(valuesAfter(plan.benchmarkPhases[0]!.argv, "--server-metrics"), [
            "http://127.0.0.1:21002/metrics",
            "http://127.0.0.1:21003/metrics",
            "http://127.0.0.1:21004/metrics",
        ]);
        assert.ok(!plan.benchmarkPhases[0]!.argv.includes("--no-server-metrics"));
    });

    test("aggregated workers too; without server metrics no system port and --no-server-metrics", () => {
        const agg = withMetrics({ mode: "aggregated", prefill: { replicas: 0, extraArgs: [], env: {} } });
        const plan = planLocalRun(agg, {}, portsFromAllocation([41000, 21000, 21001], 2));
        assert.deepEqual(valuesAfter(plan.benchmarkPhases[0]!.argv, "--server-metrics"), ["http://127.0.0.1:21000/metrics", "http://127.0.0.1:21001/metrics"]);
        const off = localPlanInput(base);
        assert.deepEqual(
            portRequests(off).map((r) => r.name),
            ["frontend.port", "prefill[0] bootstrap port"],
        );
        const offPlan = planLocalRun(off, {}, portsFromAllocation([41000, 41001]));
        assert.ok(offPlan.processes.every((p) => p.env.DYN_SYSTEM_PORT === undefined));
        assert.ok(offPlan.benchmarkPhases[0]!.argv.includes("--no-server-metrics"));
        assert.equal(valuesAfter(offPlan.benchmarkPhases[0]!.argv, "--server-metrics"), undefined);
    });

    test("a plan without the system ports it needs is refused", () => {
        assert.throws(() => planLocalRun(withMetrics(), {}, portsFromAllocation([41000, 41001])), /expected 3 system ports with server metrics/);
    });

    test("bounded ports come from the allocator below the bound, distinct", async () => {
        const ports = await allocatePorts([{ name: "a" }, ...Array.from({ length: 4 }, (_, i) => ({ name: `s${i}`, atMost: MAX_SYSTEM_PORT }))]);
        const bounded = ports.slice(1);
        assert.ok(
            bounded.every((p) => p >= 10000 && p <= MAX_SYSTEM_PORT),
            String(bounded),
        );
        assert.equal(new Set(ports).size, ports.length);
    });

    test("loadArgv: extra URLs only with server metrics on", () => {
        const args = {
            tool: "aiperf" as const,
            servedModelName: "m",
            url: "http://h:1",
            endpointType: "chat" as const,
            phase: loadPhase({ concurrency: 1, requestCount: 1, inputTokens: 1, outputTokens: 1 }),
            tokenizer: "t",
            artifactDir: "/a",
            requestTimeoutSeconds: 1,
            serverMetricsUrls: ["http://w:2/metrics"],
        };
        assert.deepEqual(valuesAfter(loadArgv({ ...args, serverMetrics: true }), "--server-metrics"), ["http://w:2/metrics"]);
        assert.equal(valuesAfter(loadArgv({ ...args, serverMetrics: false }), "--server-metrics"), undefined);
    });
});

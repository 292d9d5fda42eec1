// benchmark.serverMetrics: AIPerf's scraping of the frontend's metrics, off by
// default on the local target and on by default on clusters; true/false force it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { loadArgv, serverMetricsOn } from "../../lib/benchmark/load-argv";
import { toolArgv } from "../../lib/kubernetes/benchmark";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { phaseProcess } from "../../lib/slurm/commands";
import { k8sSpec } from "./k8s-fixtures";
import { slurmSpec } from "./slurm-fixtures";

const OFF = "--no-server-metrics";
const MODEL = { id: "dynamo-bench/tiny-model" };

test("serverMetricsOn: auto is off on local only; a boolean wins everywhere", () => {
    assert.equal(serverMetricsOn("auto", "local"), false);
    assert.equal(serverMetricsOn("auto", "kubernetes"), true);
    assert.equal(serverMetricsOn("auto", "slurm"), true);
    assert.equal(serverMetricsOn(true, "local"), true);
    assert.equal(serverMetricsOn(false, "slurm"), false);
});

test("loadArgv: AIPerf gets --no-server-metrics only when scraping is off; genai-perf never", () => {
    const input = {
        servedModelName: "m",
        url: "http://f:8000",
        endpointType: "chat" as const,
        streaming: true,
        phase: {
            concurrency: 1,
            requestCount: 4,
            warmupRequests: 0,
            inputTokens: 8,
            inputTokensStddev: 0,
            outputTokens: 8,
            outputTokensStddev: 0,
            extraArgs: [],
        },
        tokenizer: "t",
        artifactDir: "/a",
        requestTimeoutSeconds: 60,
    };
    assert.ok(loadArgv({ ...input, tool: "aiperf", serverMetrics: false }).includes(OFF));
    assert.ok(!loadArgv({ ...input, tool: "aiperf", serverMetrics: true }).includes(OFF));
    assert.ok(!loadArgv({ ...input, tool: "aiperf" }).includes(OFF), "AIPerf's own default (on) when unsaid");
    assert.ok(!loadArgv({ ...input, tool: "genai-perf", serverMetrics: false }).includes(OFF));
});

test("the configuration's default is auto, and every target resolves it", () => {
    const local = (benchmark: Record<string, unknown> = {}) =>
        planInputFromSpec(loadSpec({ target: "local", model: MODEL, benchmark }, "local"), { env: {} }).benchmark.serverMetrics;
    assert.equal(loadSpec({ target: "local", model: MODEL }, "local").benchmark.serverMetrics, "auto");
    assert.equal(local(), false);
    assert.equal(local({ serverMetrics: true }), true);

    const k8s = (serverMetrics?: boolean) =>
        toolArgv(k8sSpec(serverMetrics === undefined ? {} : { benchmark: { serverMetrics } }), k8sSpec().phases[0]!, "h", 80, "/r");
    assert.ok(!k8s().includes(OFF));
    assert.ok(k8s(false).includes(OFF));

    const slurm = (serverMetrics?: boolean) => {
        const spec = slurmSpec(serverMetrics === undefined ? {} : { benchmark: { serverMetrics } });
        return phaseProcess({ spec, runDir: "/r", namespace: "n", frontendPort: 8000 }, spec.phases[0]!, "/r/a").argv;
    };
    assert.ok(!slurm().includes(OFF));
    assert.ok(slurm(false).includes(OFF));
});

test("a wrong value is refused naming the field", () => {
    assert.throws(() => loadSpec({ target: "local", model: MODEL, benchmark: { serverMetrics: "sometimes" } }, "local"), /benchmark\.serverMetrics/);
});

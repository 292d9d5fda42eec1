// benchmark.serverMetrics: AIPerf's scraping of the frontend's metrics, off by
// default on the local target and on by default on clusters; true/false force it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { loadArgv, serverMetricsOn } from "../../lib/benchmark/load-argv";
import { toolArgv } from "../../lib/kubernetes/benchmark";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { phaseProcess } from "../../lib/slurm/commands";
import { renderJob } from "../../lib/slurm/render";
import { k8sSpec } from "./k8s-fixtures";
import { slurmSpec } from "./slurm-fixtures";
import { jobScriptsOf } from "../helpers/job-scripts";
import { loadPhase } from "../helpers/load-phase";

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
        phase: loadPhase({ concurrency: 1 }),
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

test("Slurm: with server metrics every worker serves its system port and AIPerf scrapes each one on its node slot", () => {
    const job = (over: Record<string, unknown>) =>
        renderJob(slurmSpec({ decode: { replicas: 2 }, slurm: { topology: { decodeWorkersPerNode: 2 } }, ...over }), {
            scripts: jobScriptsOf(),
        });
    const sourcedArray = (envText: string, name: string) => {
        const line = envText.split("\n").find((l) => l.startsWith(`${name}=(`));
        assert.ok(line, `${name} in job.env`);
        return line;
    };
    const on = job({});
    const envText = on.files.find((f) => f.name === "job.env")!.content;
    // decode-0 and decode-1 share slot 0; prefill-0 is on slot 1: one URL per worker, each with its own system port.
    assert.deepEqual(
        on.plan.instances.map((i) => [i.id, i.slot]),
        [
            ["decode-0", 0],
            ["decode-1", 0],
            ["prefill-0", 1],
        ],
    );
    const phase = sourcedArray(envText, "P_PH0_ARGV");
    assert.match(
        phase,
        / --server-metrics 'http:\/\/\{slot_host_0\}:20001\/metrics' 'http:\/\/\{slot_host_0\}:20033\/metrics' 'http:\/\/\{slot_host_1\}:20065\/metrics'/,
    );
    for (const [i, port] of [20001, 20033, 20065].entries()) assert.match(sourcedArray(envText, `P_W${i}_ENV`), new RegExp(`DYN_SYSTEM_PORT=${port}\\b`));

    const off = job({ benchmark: { serverMetrics: false } }).files.find((f) => f.name === "job.env")!.content;
    assert.doesNotMatch(sourcedArray(off, "P_PH0_ARGV"), /slot_host|--server-metrics/);
    assert.doesNotMatch(sourcedArray(off, "P_W0_ENV"), /DYN_SYSTEM_PORT/);
    const systemOnly = job({ benchmark: { serverMetrics: false }, slurm: { workerSystemServer: true, topology: { decodeWorkersPerNode: 2 } } });
    assert.match(sourcedArray(systemOnly.files.find((f) => f.name === "job.env")!.content, "P_W0_ENV"), /DYN_SYSTEM_PORT=20001/);
});

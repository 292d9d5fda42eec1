import { test } from "node:test";
import assert from "node:assert/strict";
import { loadArgv, type LoadArgvInput } from "../../lib/benchmark/load-argv";

const phase = {
    concurrency: 8,
    requestCount: 80,
    warmupRequests: 4,
    inputTokens: 3000,
    inputTokensStddev: 0,
    outputTokens: 150,
    outputTokensStddev: 0,
    streaming: true,
    extraArgs: ["--goodput", "time_to_first_token:500"],
};
const base: LoadArgvInput = {
    tool: "aiperf",
    servedModelName: "llama",
    url: "http://bench-frontend.ns.svc.cluster.local:8000",
    endpointType: "chat",
    phase,
    tokenizer: "meta-llama/Llama-3.1-70B-Instruct",
    artifactDir: "/results/c8",
    requestTimeoutSeconds: 600,
};

/** The value that follows a flag (the last one when repeated, as argparse reads it). */
function flag(argv: string[], name: string): string | undefined {
    const i = argv.lastIndexOf(name);
    return i < 0 ? undefined : argv[i + 1];
}

test("aiperf: one phase's load as argv, phase arguments last", () => {
    const argv = loadArgv(base);
    assert.deepEqual(argv.slice(0, 2), ["aiperf", "profile"]);
    assert.equal(flag(argv, "--url"), base.url);
    assert.equal(flag(argv, "--concurrency"), "8");
    assert.equal(flag(argv, "--request-count"), "80");
    assert.equal(flag(argv, "--warmup-request-count"), "4");
    assert.equal(flag(argv, "--synthetic-input-tokens-mean"), "3000");
    assert.equal(flag(argv, "--ui"), "none");
    assert.ok(argv.includes("--streaming"));
    assert.ok(argv.includes("max_tokens:150"), "fixed output length is capped at the mean");
    assert.deepEqual(argv.slice(-2), ["--goodput", "time_to_first_token:500"]);
    assert.ok(!argv.includes("--no-gpu-telemetry"), "GPU telemetry stays on by default");
});

test("options: server token count, no GPU telemetry, own program, no warmup, variable output", () => {
    const argv = loadArgv({
        ...base,
        program: ["/venv/bin/aiperf", "profile"],
        useServerTokenCount: true,
        gpuTelemetry: false,
        phase: { ...phase, warmupRequests: 0, outputTokensStddev: 10, extraArgs: [] },
    });
    assert.equal(argv[0], "/venv/bin/aiperf");
    assert.ok(argv.includes("--use-server-token-count"));
    assert.ok(argv.includes("--no-gpu-telemetry"));
    assert.ok(!argv.includes("--warmup-request-count"));
    assert.ok(!argv.some((a) => a.startsWith("max_tokens:")), "no cap when output lengths vary");
});

test("genai-perf takes host:port and none of AIPerf's own flags", () => {
    const argv = loadArgv({ ...base, tool: "genai-perf", useServerTokenCount: true });
    assert.deepEqual(argv.slice(0, 2), ["genai-perf", "profile"]);
    assert.equal(flag(argv, "--url"), "bench-frontend.ns.svc.cluster.local:8000");
    for (const f of ["--ui", "--use-server-token-count", "--request-timeout-seconds"]) assert.ok(!argv.includes(f), f);
});

test("--streaming follows the phase's own streaming", () => {
    assert.ok(loadArgv(base).includes("--streaming"));
    assert.ok(!loadArgv({ ...base, phase: { ...phase, streaming: false } }).includes("--streaming"));
    assert.ok(!loadArgv({ ...base, tool: "genai-perf", phase: { ...phase, streaming: false } }).includes("--streaming"));
});

test("a phase flag replaces the planned one instead of repeating it (AIPerf refuses repeats)", () => {
    const argv = loadArgv({
        ...base,
        phase: { ...phase, extraArgs: ["--concurrency", "64", "--request-timeout-seconds=30", "--extra-inputs", "temperature:0"] },
    });
    assert.equal(argv.filter((a) => a === "--concurrency").length, 1);
    assert.equal(flag(argv, "--concurrency"), "64");
    assert.ok(!argv.includes("--request-timeout-seconds"), "the --x=v spelling overrides too");
    assert.ok(argv.includes("ignore_eos:true"), "--extra-inputs is a list: the user's items add to ours");
    assert.ok(argv.includes("temperature:0"));
});

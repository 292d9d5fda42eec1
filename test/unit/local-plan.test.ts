import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { planInputFromSpec, TINY_MODEL_ID, newRunId } from "../../lib/local/from-spec";
import { isLocalModelPath, namespaceFor, planLocalRun, PlanError, portRequests, portsFromAllocation, type LocalRunPlanInput } from "../../lib/local/plan";
import { countRegistered } from "../../lib/local/runner";
import { localPlanInput } from "../helpers/local-input";

function input(over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    return localPlanInput({ runId: "t-1", runDir: "/tmp/dbench-run", venv: "/opt/venv", modelPath: "/models/tiny" }, over);
}

const ports = { frontend: 41000, bootstrap: [41001] };

/** Value following a flag in an argv array. */
function flag(argv: string[], name: string): string | undefined {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
}

describe("planLocalRun: processes", () => {
    const plan = planLocalRun(input(), { PATH: "/usr/bin", HOME: "/root" }, ports);

    test("disaggregated: one frontend, one prefill and one decode process, named and logged separately", () => {
        assert.deepEqual(
            plan.processes.map((p) => [p.name, p.role]),
            [
                ["frontend", "frontend"],
                ["prefill-0", "prefill"],
                ["decode-0", "decode"],
            ],
        );
        assert.deepEqual(
            plan.processes.map((p) => p.logFile),
            ["/tmp/dbench-run/logs/frontend.log", "/tmp/dbench-run/logs/prefill-0.log", "/tmp/dbench-run/logs/decode-0.log"],
        );
    });

    test("argv arrays run the venv's python, never a shell", () => {
        for (const p of plan.processes) {
            assert.equal(p.argv[0], "/opt/venv/bin/python");
            assert.equal(p.argv[1], "-m");
            assert.ok(!p.argv.some((a) => a === "sh" || a === "bash" || a === "-c"));
        }
    });

    test("frontend: loopback HTTP on the allocated port, router mode; namespace and planes through the environment", () => {
        const fe = plan.processes[0]!;
        assert.equal(fe.argv[2], "dynamo.frontend");
        assert.equal(flag(fe.argv, "--http-host"), "127.0.0.1");
        assert.equal(flag(fe.argv, "--http-port"), "41000");
        assert.equal(flag(fe.argv, "--router-mode"), "round-robin");
        assert.equal(fe.env.DYN_NAMESPACE, "dbench-t-1");
        assert.equal(fe.env.DYN_REQUEST_PLANE, "tcp");
        assert.equal(fe.env.DYN_EVENT_PLANE, "zmq");
        assert.equal(plan.frontendUrl, "http://127.0.0.1:41000");
    });

    test("prefill: disaggregation mode prefill, its own bootstrap port, prefill endpoint in the run namespace", () => {
        const pf = plan.processes[1]!.argv;
        assert.equal(pf[2], "dynamo.mocker");
        assert.equal(flag(pf, "--disaggregation-mode"), "prefill");
        assert.equal(flag(pf, "--bootstrap-ports"), "41001");
        // The mocker registers a prefill worker under dyn://<DYN_NAMESPACE>.prefill.generate by itself.
        assert.equal(flag(pf, "--endpoint"), undefined);
        assert.equal(plan.processes[1]!.env.DYN_NAMESPACE, "dbench-t-1");
        assert.equal(flag(pf, "--model-path"), "/models/tiny");
        assert.equal(flag(pf, "--model-name"), "tiny");
        assert.equal(flag(pf, "--speedup-ratio"), "10");
        assert.equal(flag(pf, "--engine-type"), "vllm");
    });

    test("decode: disaggregation mode decode, no bootstrap port, backend endpoint", () => {
        const dc = plan.processes[2]!.argv;
        assert.equal(flag(dc, "--disaggregation-mode"), "decode");
        assert.equal(flag(dc, "--bootstrap-ports"), undefined);
        assert.equal(flag(dc, "--endpoint"), undefined);
    });

    test("environment: discovery folder inside the run, loopback advertising, offline hub for a local model, system port off", () => {
        for (const p of plan.processes) {
            assert.equal(p.env.DYN_FILE_KV, "/tmp/dbench-run/discovery");
            assert.equal(p.env.DYN_DISCOVERY_BACKEND, "file");
            assert.equal(p.env.DYN_TCP_RPC_HOST, "127.0.0.1");
            assert.equal(p.env.DYN_TCP_RESPONSE_STREAM_HOST, "127.0.0.1");
            assert.equal(p.env.DYN_EVENT_PLANE_HOST, "127.0.0.1");
            assert.equal(p.env.HF_HUB_OFFLINE, "1");
            assert.equal(p.env.TRANSFORMERS_OFFLINE, "1");
            assert.equal(p.env.DYN_SYSTEM_PORT, undefined);
            assert.equal(p.env.PATH, "/usr/bin");
        }
    });

    test("readiness expects one prefill and one decode instance, and probes with a one-token chat request", () => {
        assert.deepEqual(
            plan.readiness.expected.map((e) => [e.role, e.component, e.endpoint, e.count]),
            [
                ["prefill", "prefill", "generate", 1],
                ["decode", "backend", "generate", 1],
            ],
        );
        assert.equal(plan.readiness.probe.path, "/v1/chat/completions");
        assert.equal(plan.readiness.probe.body.max_tokens, 1);
        assert.equal(plan.readiness.probe.body.model, "tiny");
    });
});

describe("planLocalRun: environment hygiene", () => {
    test("inherited DYN_*, ETCD_* and NATS_* variables are dropped so a shell setting cannot redirect discovery", () => {
        const plan = planLocalRun(
            input(),
            { DYN_DISCOVERY_BACKEND: "etcd", ETCD_ENDPOINTS: "http://x:2379", NATS_SERVER: "nats://x", DYN_SYSTEM_PORT: "9090", KEEP: "1" },
            ports,
        );
        const env = plan.processes[1]!.env;
        assert.equal(env.DYN_DISCOVERY_BACKEND, "file");
        assert.equal(env.ETCD_ENDPOINTS, undefined);
        assert.equal(env.NATS_SERVER, undefined);
        assert.equal(env.DYN_SYSTEM_PORT, undefined);
        assert.equal(env.KEEP, "1");
    });

    test("spec env applies to every Dynamo process, role env after it", () => {
        const plan = planLocalRun(input({ env: { A: "global", B: "global" }, prefill: { replicas: 1, extraArgs: [], env: { B: "prefill" } } }), {}, ports);
        assert.equal(plan.processes[0]!.env.A, "global");
        assert.equal(plan.processes[1]!.env.B, "prefill");
        assert.equal(plan.processes[2]!.env.B, "global");
        assert.ok(plan.processes[1]!.plannedEnvKeys.includes("B"));
    });

    test("a HuggingFace id is not forced offline (the mocker downloads it)", () => {
        const plan = planLocalRun(input({ model: { path: "Qwen/Qwen3-0.6B", servedName: "q" } }), {}, ports);
        assert.equal(plan.processes[1]!.env.HF_HUB_OFFLINE, undefined);
        assert.equal(flag(plan.processes[1]!.argv, "--model-path"), "Qwen/Qwen3-0.6B");
    });

    test("AIPerf runs without the offline switches (aiperf 0.13.0 treats a local tokenizer path as a hub id when they are set)", () => {
        const plan = planLocalRun(input(), { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" }, ports);
        const env = plan.benchmarkPhases[0]!.env;
        assert.equal(env.HF_HUB_OFFLINE, undefined);
        assert.equal(env.TRANSFORMERS_OFFLINE, undefined);
        assert.equal(env.AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD, "0.5");
    });

    test("a caller's AIPerf flush period wins", () => {
        const plan = planLocalRun(input(), { AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD: "3" }, ports);
        assert.equal(plan.benchmarkPhases[0]!.env.AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD, "3");
    });
});

describe("planLocalRun: extra args, replicas and modes", () => {
    test("extra args follow the planned flags, so they override (argparse keeps the last value)", () => {
        const plan = planLocalRun(
            input({
                frontend: { routerMode: "kv", extraArgs: ["--router-mode", "random"], env: {} },
                decode: { replicas: 1, extraArgs: ["--num-gpu-blocks-override", "256"], env: {} },
            }),
            {},
            ports,
        );
        const fe = plan.processes[0]!.argv;
        assert.deepEqual(fe.slice(-2), ["--router-mode", "random"]);
        assert.ok(fe.indexOf("kv") < fe.lastIndexOf("random"));
        assert.deepEqual(plan.processes[2]!.argv.slice(-2), ["--num-gpu-blocks-override", "256"]);
    });

    test("N prefill replicas get N distinct bootstrap ports; decode replicas are numbered", () => {
        const inp = input({ prefill: { replicas: 2, extraArgs: [], env: {} }, decode: { replicas: 3, extraArgs: [], env: {} } });
        assert.deepEqual(
            portRequests(inp).map((r) => r.name),
            ["frontend.port", "prefill[0] bootstrap port", "prefill[1] bootstrap port"],
        );
        const plan = planLocalRun(inp, {}, portsFromAllocation([5000, 5001, 5002]));
        assert.deepEqual(
            plan.processes.map((p) => p.name),
            ["frontend", "prefill-0", "prefill-1", "decode-0", "decode-1", "decode-2"],
        );
        assert.deepEqual(
            plan.processes.filter((p) => p.role === "prefill").map((p) => flag(p.argv, "--bootstrap-ports")),
            ["5001", "5002"],
        );
        assert.deepEqual(
            plan.readiness.expected.map((e) => e.count),
            [2, 3],
        );
    });

    test("aggregated: no prefill process, workers in agg mode on the backend endpoint, no bootstrap ports requested", () => {
        const inp = input({ mode: "aggregated", prefill: { replicas: 0, extraArgs: [], env: {} }, decode: { replicas: 2, extraArgs: [], env: {} } });
        assert.deepEqual(
            portRequests(inp).map((r) => r.name),
            ["frontend.port"],
        );
        const plan = planLocalRun(inp, {}, { frontend: 5000, bootstrap: [] });
        assert.deepEqual(
            plan.processes.map((p) => [p.name, p.role]),
            [
                ["frontend", "frontend"],
                ["worker-0", "aggregated"],
                ["worker-1", "aggregated"],
            ],
        );
        assert.equal(flag(plan.processes[1]!.argv, "--disaggregation-mode"), "agg");
        assert.deepEqual(
            plan.readiness.expected.map((e) => [e.role, e.component, e.count]),
            [["aggregated", "backend", 2]],
        );
    });

    test("a fixed frontend port is requested as fixed", () => {
        assert.deepEqual(portRequests(input({ frontend: { routerMode: "kv", port: 8123, extraArgs: [], env: {} } }))[0], {
            name: "frontend.port",
            fixed: 8123,
        });
    });
});

describe("planLocalRun: benchmark phases", () => {
    const plan = planLocalRun(
        input({
            benchmark: {
                endpointType: "chat",
                useServerTokenCount: true,
                serverMetrics: false,
                randomSeed: 7,
                phases: [
                    {
                        name: "c1",
                        concurrency: 1,
                        requestCount: 10,
                        warmupRequests: 0,
                        inputTokens: 128,
                        inputTokensStddev: 0,
                        outputTokens: 32,
                        outputTokensStddev: 0,
                        streaming: true,
                        extraArgs: [],
                    },
                    {
                        name: "c8",
                        concurrency: 8,
                        requestCount: 80,
                        warmupRequests: 8,
                        inputTokens: 256,
                        inputTokensStddev: 4,
                        outputTokens: 64,
                        outputTokensStddev: 2,
                        streaming: true,
                        extraArgs: ["--request-rate", "5"],
                    },
                ],
            },
        }),
        {},
        ports,
    );

    test("one aiperf command per phase, each with its own artifact folder and log", () => {
        assert.deepEqual(
            plan.benchmarkPhases.map((p) => [p.name, p.artifactDir, p.logFile]),
            [
                ["c1", "/tmp/dbench-run/phases/c1", "/tmp/dbench-run/logs/aiperf-c1.log"],
                ["c8", "/tmp/dbench-run/phases/c8", "/tmp/dbench-run/logs/aiperf-c8.log"],
            ],
        );
    });

    test("aiperf profile flags: served model, frontend URL, chat, streaming, load, synthetic ISL/OSL, local tokenizer, no UI", () => {
        const a = plan.benchmarkPhases[1]!.argv;
        assert.deepEqual(a.slice(0, 2), ["/opt/venv/bin/aiperf", "profile"]);
        assert.equal(flag(a, "--model"), "tiny");
        assert.equal(flag(a, "--url"), "http://127.0.0.1:41000");
        assert.equal(flag(a, "--endpoint-type"), "chat");
        assert.ok(a.includes("--streaming"));
        assert.equal(flag(a, "--concurrency"), "8");
        assert.equal(flag(a, "--request-count"), "80");
        assert.equal(flag(a, "--warmup-request-count"), "8");
        assert.equal(flag(a, "--synthetic-input-tokens-mean"), "256");
        assert.equal(flag(a, "--synthetic-input-tokens-stddev"), "4");
        assert.equal(flag(a, "--output-tokens-mean"), "64");
        assert.equal(flag(a, "--output-tokens-stddev"), "2");
        assert.equal(flag(a, "--tokenizer"), "/models/tiny");
        assert.equal(flag(a, "--artifact-dir"), "/tmp/dbench-run/phases/c8");
        assert.equal(flag(a, "--ui"), "none");
        assert.equal(flag(a, "--random-seed"), "7");
        assert.ok(a.includes("--use-server-token-count"));
        assert.ok(a.includes("--no-gpu-telemetry"));
        assert.deepEqual(a.slice(-2), ["--request-rate", "5"]);
    });

    test("no warmup flag when the phase has no warmup; no --streaming when streaming is off", () => {
        assert.equal(flag(plan.benchmarkPhases[0]!.argv, "--warmup-request-count"), undefined);
        const base = input().benchmark;
        const phases = [
            { ...base.phases[0]!, streaming: false },
            { ...base.phases[0]!, name: "streamed", streaming: true },
        ];
        const off = planLocalRun(input({ benchmark: { ...base, phases, endpointType: "completions" } }), {}, ports);
        assert.ok(!off.benchmarkPhases[0]!.argv.includes("--streaming"));
        assert.ok(off.benchmarkPhases[1]!.argv.includes("--streaming"), "streaming is the phase's own");
        assert.equal(flag(off.benchmarkPhases[0]!.argv, "--endpoint-type"), "completions");
        assert.equal(off.readiness.probe.path, "/v1/completions");
    });
});

describe("planLocalRun: validation", () => {
    const bad: Array<[string, Partial<LocalRunPlanInput>, RegExp]> = [
        ["relative run folder", { runDir: "runs/x" }, /runDir must be an absolute path/],
        ["no decode worker", { decode: { replicas: 0, extraArgs: [], env: {} } }, /decode.replicas must be at least 1/],
        ["disaggregated without prefill", { prefill: { replicas: 0, extraArgs: [], env: {} } }, /prefill.replicas must be at least 1/],
        ["negative speedup", { speedupRatio: -1 }, /speedupRatio must be >= 0/],
        ["no phases", { benchmark: { ...input().benchmark, phases: [] } }, /phases is empty/],
        ["duplicate phase names", { benchmark: { ...input().benchmark, phases: [input().benchmark.phases[0]!, input().benchmark.phases[0]!] } }, /used twice/],
        ["phase name with a slash", { benchmark: { ...input().benchmark, phases: [{ ...input().benchmark.phases[0]!, name: "../x" }] } }, /folder-safe/],
        [
            "zero concurrency",
            { benchmark: { ...input().benchmark, phases: [{ ...input().benchmark.phases[0]!, concurrency: 0 }] } },
            /concurrency must be a positive integer/,
        ],
    ];
    for (const [name, over, says] of bad) {
        test(name, () =>
            assert.throws(
                () => planLocalRun(input(over), {}, ports),
                (e: unknown) => e instanceof PlanError && says.test(e.message),
            ),
        );
    }

    test("bootstrap ports must match the prefill replicas", () => {
        assert.throws(() => planLocalRun(input(), {}, { frontend: 1, bootstrap: [] }), /expected 1 bootstrap ports/);
    });
});

describe("helpers", () => {
    test("namespaceFor keeps a-z, 0-9, '-' and '_'", () => {
        assert.equal(namespaceFor("My Run/2026.11"), "dbench-my-run-2026-11");
        assert.equal(namespaceFor("///"), "dbench-run");
    });

    test("isLocalModelPath", () => {
        assert.ok(isLocalModelPath("/a/b"));
        assert.ok(isLocalModelPath("./m"));
        assert.ok(!isLocalModelPath("Qwen/Qwen3-0.6B"));
    });

    test("countRegistered counts instances per namespace, component and endpoint from GET /health", () => {
        const health = {
            status: "healthy",
            instances: [
                { namespace: "ns", component: "prefill", endpoint: "generate" },
                { namespace: "ns", component: "prefill", endpoint: "worker_kv_query_source_1" },
                { namespace: "ns", component: "backend", endpoint: "generate" },
                { namespace: "other", component: "backend", endpoint: "generate" },
            ],
        };
        const expected = [
            { role: "prefill" as const, component: "prefill", endpoint: "generate", count: 1 },
            { role: "decode" as const, component: "backend", endpoint: "generate", count: 2 },
        ];
        assert.deepEqual(countRegistered(health, "ns", expected), [1, 1]);
        assert.deepEqual(countRegistered({}, "ns", expected), [0, 0]);
    });

    test("newRunId is name-time-random", () => {
        assert.match(newRunId("bench", new Date("2026-01-02T03:04:05.678Z")), /^bench-20260102T030405-[0-9a-f]{4}$/);
    });
});

describe("planInputFromSpec", () => {
    const env = { HOME: "/home/u", DYNAMO_BENCH_CACHE: "/cache", DYNAMO_BENCH_VENV: "/venv" };

    test("maps the default local spec: tiny model from the cache, venv from the environment, one phase", () => {
        const spec = loadSpec({ model: { id: TINY_MODEL_ID } }, "local");
        const inp = planInputFromSpec(spec, { env, runId: "r1" });
        assert.equal(inp.model.path, "/cache/models/tiny-model");
        assert.equal(inp.model.servedName, TINY_MODEL_ID);
        assert.equal(inp.venv, "/venv");
        assert.equal(inp.runDir, "/cache/runs/r1");
        assert.equal(inp.mode, "disaggregated");
        assert.equal(inp.prefill.replicas, 1);
        assert.equal(inp.decode.replicas, 1);
        assert.equal(inp.speedupRatio, 10);
        assert.deepEqual(
            inp.benchmark.phases.map((p) => p.name),
            ["main"],
        );
        assert.equal(inp.frontend.port, undefined);
        // The mapped input plans without error.
        planLocalRun(inp, env, portsFromAllocation([1, 2]));
    });

    test("carries ports, replicas, router mode, extra args, env, phases and timeouts", () => {
        const spec = loadSpec(
            {
                model: { id: "/models/m", servedName: "m" },
                backend: "sglang",
                frontend: { routerMode: "kv", port: 8123, extraArgs: ["--x"] },
                prefill: { replicas: 2, env: { P: "1" } },
                decode: { replicas: 3, extraArgs: ["--max-num-seqs", "8"] },
                env: { G: "1" },
                local: { speedupRatio: 0, runDir: "/runs", venv: "/v2" },
                benchmark: {
                    phases: [
                        { name: "a", concurrency: 2 },
                        { name: "b", concurrency: 4 },
                    ],
                },
                timeouts: { readySeconds: 30, benchmarkSeconds: 90 },
            },
            "dev",
        );
        const inp = planInputFromSpec(spec, { env, runId: "r2", teardownGraceSeconds: 3 });
        assert.equal(inp.engineType, "sglang");
        assert.equal(inp.frontend.port, 8123);
        assert.equal(inp.frontend.routerMode, "kv");
        assert.deepEqual(inp.frontend.extraArgs, ["--x"]);
        assert.equal(inp.prefill.replicas, 2);
        assert.deepEqual(inp.prefill.env, { P: "1" });
        assert.deepEqual(inp.decode.extraArgs, ["--max-num-seqs", "8"]);
        assert.deepEqual(inp.env, { G: "1" });
        assert.equal(inp.speedupRatio, 0);
        assert.equal(inp.runDir, "/runs/r2");
        assert.equal(inp.venv, "/v2");
        assert.deepEqual(
            inp.benchmark.phases.map((p) => [p.name, p.concurrency]),
            [
                ["a", 2],
                ["b", 4],
            ],
        );
        assert.deepEqual(inp.timeouts, { readySeconds: 30, benchmarkSeconds: 90, teardownGraceSeconds: 3, stallSeconds: 60 });
    });

    test("aggregated mode maps to no prefill replicas", () => {
        const spec = loadSpec({ model: { id: "/m" }, mode: "aggregated", prefill: { replicas: 0 } }, "local");
        const inp = planInputFromSpec(spec, { env, runId: "r3" });
        assert.equal(inp.mode, "aggregated");
        assert.equal(inp.prefill.replicas, 0);
    });
});

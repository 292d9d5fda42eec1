// A disaggregated local run plan input (1 prefill + 1 decode, one AIPerf phase)
// for the local-target tests; each test overrides what it is about.
import type { LocalRunPlanInput } from "../../lib/local/plan";
import { DEFAULT_DYNAMO_VERSION } from "../../lib/dynamo";

export interface LocalInputBase {
    runId: string;
    runDir: string;
    venv: string;
    modelPath: string;
}

export function localPlanInput(base: LocalInputBase, over: Partial<LocalRunPlanInput> = {}): LocalRunPlanInput {
    return {
        runId: base.runId,
        runDir: base.runDir,
        venv: base.venv,
        model: { path: base.modelPath, servedName: "tiny" },
        dynamoVersion: DEFAULT_DYNAMO_VERSION,
        engineType: "vllm",
        speedupRatio: 10,
        mode: "disaggregated",
        frontend: { routerMode: "round-robin", extraArgs: [], env: {} },
        prefill: { replicas: 1, extraArgs: [], env: {} },
        decode: { replicas: 1, extraArgs: [], env: {} },
        env: {},
        benchmark: {
            endpointType: "chat",
            useServerTokenCount: true,
            serverMetrics: false,
            randomSeed: 0,
            phases: [
                {
                    name: "main",
                    concurrency: 4,
                    requestCount: 40,
                    warmupRequests: 4,
                    inputTokens: 64,
                    inputTokensStddev: 0,
                    outputTokens: 16,
                    outputTokensStddev: 0,
                    streaming: true,
                    extraArgs: [],
                },
            ],
        },
        timeouts: { readySeconds: 60, benchmarkSeconds: 120, teardownGraceSeconds: 5 },
        ...over,
    };
}

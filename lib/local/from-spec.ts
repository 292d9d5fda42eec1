// Maps the resolved BenchmarkSpec (config/resolve.ts) onto the local runner's
// own input. The only place that knows both shapes.
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { BenchmarkSpec } from "../../config/resolve";
import { serverMetricsOn } from "../benchmark/load-argv";
import { cacheDir, defaultVenv, tinyModelDir } from "../paths";
import type { LocalRunPlanInput } from "./plan";

/** model.id that means "the tiny offline model scripts/setup-python.sh makes". */
export const TINY_MODEL_ID = "dynamo-bench/tiny-model";

export interface LocalDefaults {
    /** Environment the defaults are read from (DYNAMO_BENCH_VENV, DYNAMO_BENCH_CACHE, HOME). */
    env: Record<string, string | undefined>;
    /** Overrides spec.local.runDir and the generated run folder. */
    runDir?: string;
    /** Overrides the generated run id. */
    runId?: string;
    /** Seed for AIPerf's synthetic prompts (default 0, so runs are comparable). */
    randomSeed?: number;
    teardownGraceSeconds?: number;
}

/** `<name>-<UTC yyyymmddThhmmss>-<4 hex>`: sortable and unique enough for parallel runs. */
export function newRunId(name: string, now = new Date()): string {
    const stamp = now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "");
    return `${name}-${stamp}-${randomBytes(2).toString("hex")}`;
}

export function resolveModelPath(id: string, env: Record<string, string | undefined>): string {
    if (id === TINY_MODEL_ID) return tinyModelDir(env);
    if (id.startsWith("~/")) return path.join(env.HOME || os.homedir(), id.slice(2));
    if (id.startsWith("./") || id.startsWith("../")) return path.resolve(id);
    return id;
}

export function planInputFromSpec(spec: BenchmarkSpec, defaults: LocalDefaults): LocalRunPlanInput {
    const env = defaults.env;
    const runId = defaults.runId ?? newRunId(spec.name);
    const runDir = path.resolve(defaults.runDir ?? (spec.local.runDir ? path.join(spec.local.runDir, runId) : path.join(cacheDir(env), "runs", runId)));
    const modelPath = resolveModelPath(spec.model.id, env);
    const worker = (w: { replicas: number; dataParallel: number; extraArgs: string[]; env: Record<string, string> } | undefined) => ({
        replicas: w?.replicas ?? 0,
        dataParallel: w?.dataParallel ?? 1,
        extraArgs: w?.extraArgs ?? [],
        env: w?.env ?? {},
    });
    return {
        runId,
        runDir,
        venv: spec.local.venv ?? defaultVenv(env),
        model: { path: modelPath, servedName: spec.servedModelName },
        dynamoVersion: spec.platform.version,
        // The config rules reject trtllm for the local target.
        engineType: spec.backend === "sglang" ? "sglang" : "vllm",
        speedupRatio: spec.local.speedupRatio,
        mocker: spec.local.mocker,
        mode: spec.mode,
        frontend: {
            routerMode: spec.frontend.routerMode,
            ...(spec.frontend.port !== undefined ? { port: spec.frontend.port } : {}),
            extraArgs: spec.frontend.extraArgs,
            env: spec.frontend.env,
        },
        prefill: worker(spec.prefill),
        decode: worker(spec.decode),
        env: spec.env,
        benchmark: {
            endpointType: spec.benchmark.endpointType,
            useServerTokenCount: true,
            serverMetrics: serverMetricsOn(spec.benchmark.serverMetrics, spec.target),
            randomSeed: defaults.randomSeed ?? 0,
            phases: spec.phases.map((p) => ({ ...p, extraArgs: [...p.extraArgs] })),
            betweenPhases: spec.benchmark.betweenPhases,
        },
        setup: spec.setup,
        timeouts: {
            readySeconds: spec.timeouts.readySeconds,
            benchmarkSeconds: spec.timeouts.benchmarkSeconds,
            teardownGraceSeconds: defaults.teardownGraceSeconds ?? 10,
            stallSeconds: spec.timeouts.stallSeconds,
        },
    };
}

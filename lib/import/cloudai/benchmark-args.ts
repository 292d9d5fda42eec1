// AIPerf and genai-perf arguments (CloudAI's `aiperf.args`, `genai_perf.args`,
// each phase's `args`) onto the benchmark settings; the rest are the client's
// own flags (benchmark.extraArgs). Run in a phase, only what a phase can
// override is a setting; the others must match the base or are reported.
import { flagOf } from "./draft";
import { setOrSweep } from "./sweep";
import type { MapContext } from "./table";

/** CloudAI argument -> benchmark setting; `phase`: a phase may override it. */
export const LOAD_ARGS: Record<string, { to: string; phase: boolean }> = {
    concurrency: { to: "concurrency", phase: true },
    request_rate: { to: "requestRate", phase: true },
    request_count: { to: "requestCount", phase: true },
    num_requests: { to: "requestCount", phase: true },
    warmup_request_count: { to: "warmupRequests", phase: true },
    synthetic_input_tokens_mean: { to: "inputTokens", phase: true },
    output_tokens_mean: { to: "outputTokens", phase: true },
    synthetic_input_tokens_stddev: { to: "inputTokensStddev", phase: false },
    output_tokens_stddev: { to: "outputTokensStddev", phase: false },
    endpoint_type: { to: "endpointType", phase: false },
    streaming: { to: "streaming", phase: true },
    server_metrics: { to: "serverMetrics", phase: false },
};

/** Flags dynamo-bench sets from what it deployed. */
const PLANNED = new Set(["url", "model", "artifact_dir", "tokenizer", "no_server_metrics"]);

/** CloudAI's "auto" scrapes the frontend and every worker; dynamo-bench's true scrapes the frontend (its "auto" is off locally). */
function serverMetrics(value: unknown, ctx: MapContext): boolean | "auto" {
    if (value !== "auto") return value !== false && value !== "false";
    if (ctx.target === "local")
        ctx.note("adjusted", `CloudAI's "auto" scrapes the servers' metrics; on the local target "auto" leaves it off (it skews a small machine's figures)`);
    return ctx.target === "local" ? "auto" : true;
}

/** One base argument (aiperf.args or genai_perf.args). */
export function applyBenchmarkArg(key: string, value: unknown, ctx: MapContext): void | false {
    const load = LOAD_ARGS[key];
    if (PLANNED.has(key)) {
        ctx.note("used", "dynamo-bench points the client at the frontend and model it deployed, and keeps the exports in the run folder");
        return false;
    }
    if (!load) {
        ctx.draft.addFlag("benchmark", flagOf(key), value);
        ctx.note("mapped", "the client's own flag", "benchmark.extraArgs");
        return false;
    }
    if (key === "endpoint_type") ctx.draft.set("benchmark.endpointType", value === "completions" ? "completions" : "chat");
    else if (key === "server_metrics") ctx.draft.set("benchmark.serverMetrics", serverMetrics(value, ctx));
    else if (key === "concurrency" || key === "request_rate") ctx.draft.set(`benchmark.${load.to}`, value);
    else setOrSweep(value, ctx, `benchmark.${load.to}`);
    const list = Array.isArray(value) && (key === "concurrency" || key === "request_rate");
    ctx.note("mapped", list ? "a list: one load phase per value (docs/sweeps.md#loads)" : "the benchmark setting of every phase", `benchmark.${load.to}`);
    return false;
}

/** A phase's `args`: what a phase overrides, or what must equal the base. */
export function phaseArgs(
    name: string,
    args: Record<string, unknown>,
    base: Record<string, unknown>,
    ctx: MapContext,
): { phase: Record<string, unknown>; extra: string[] } {
    const phase: Record<string, unknown> = {};
    const extra: string[] = [];
    for (const [key, value] of Object.entries(args)) {
        const load = LOAD_ARGS[key];
        if (load?.phase) phase[load.to] = value;
        else if (load && JSON.stringify(value) === JSON.stringify(base[key])) continue;
        else if (load)
            ctx.note(
                "not mapped",
                `phase ${name}: ${key} = ${JSON.stringify(value)} differs from the base, and ${load.to} is one setting for every phase here`,
            );
        else if (PLANNED.has(key)) continue;
        else extra.push(...(value === true ? [flagOf(key)] : value === false ? [] : [flagOf(key), String(value)]));
    }
    return { phase, extra };
}

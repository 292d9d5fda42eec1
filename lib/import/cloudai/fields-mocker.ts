// Field table, part 3: CloudAI's DynamoMocker test,
// onto the local target and its mocker knobs (local.mocker). Unknown keys of
// the engine, worker and frontend sections are extra flags in CloudAI
// (`--engine-<k>` and so on): here they are the processes' extraArgs.
import { flagOf, type ArgRole } from "./draft";
import { setOrSweep } from "./sweep";
import type { FieldRow, MapContext } from "./table";
import { splitWords } from "./words";

const section = (ctx: Pick<MapContext, "doc">, name: string) => ((ctx.doc.cmd_args as Record<string, unknown>)?.[name] ?? {}) as Record<string, unknown>;
const combined = (ctx: Pick<MapContext, "doc">) => (section(ctx, "worker").disaggregation_mode ?? "none") === "none";
const inCombined = (ctx: Pick<MapContext, "doc">) =>
    combined(ctx) ? "CloudAI ignores the role sections in combined mode (disaggregation_mode none)" : undefined;
const inDisagg = (ctx: Pick<MapContext, "doc">) =>
    combined(ctx) ? undefined : "CloudAI starts one worker per instance in disaggregated mode (num_nodes of each role)";
const tool = (ctx: Pick<MapContext, "doc">) => String((ctx.doc.cmd_args as Record<string, unknown>)?.benchmark_tool ?? "genai_perf");
const unlessTool = (name: string) => (ctx: Pick<MapContext, "doc">) =>
    tool(ctx) === name ? undefined : `CloudAI runs only the benchmark_tool (${tool(ctx)}); this section is not read`;

const flags = (roles: ArgRole[]) => (value: unknown, ctx: MapContext) => {
    for (const role of roles) ctx.draft.addFlag(role, flagOf(ctx.captures[ctx.captures.length - 1]!), value);
};

function roleRows(worker: "prefill_worker" | "decode_worker"): FieldRow[] {
    const role = worker === "prefill_worker" ? "prefill" : "decode";
    const at = `cmd_args.worker.${worker}`;
    const row = (field: string, outcome: FieldRow["outcome"], note: string, extra: Partial<FieldRow> = {}): FieldRow => ({
        scope: "DynamoMocker",
        field: `${at}.${field}`,
        outcome,
        note,
        ignoredWhen: inCombined,
        ...extra,
    });
    return [
        row("num_nodes", "mapped", "local instances of the role", { to: `${role}.replicas`, apply: (v, ctx) => setOrSweep(v, ctx, `${role}.replicas`) }),
        row("cmd", "used", "empty: python -m dynamo.mocker, what the launch model runs", {
            apply: (v, ctx) => {
                if (v) ctx.note("not mapped", "a custom mocker command; the local target runs python -m dynamo.mocker");
                return v ? false : undefined;
            },
        }),
        row("worker_initialized_regex", "not mapped", "readiness here is the frontend listing every worker (GET /health), not a log pattern"),
        row("extra_args", "mapped", "split into argv elements", {
            to: `${role}.extraArgs`,
            apply: (v, ctx) => void ctx.draft.args[role].push(...splitWords(String(v))),
        }),
        row("args.max_num_seqs", "mapped", "sequences per iteration", {
            to: `local.mocker.maxNumSeqs.${role}`,
            apply: (v, ctx) => setOrSweep(v, ctx, `local.mocker.maxNumSeqs.${role}`),
        }),
        row("args.*", "mapped", "a mocker flag of the role", { to: `${role}.extraArgs`, apply: flags([role]) }),
    ];
}

function clientRows(name: "aiperf" | "genai_perf"): FieldRow[] {
    const at = `cmd_args.${name}`;
    const row = (field: string, outcome: FieldRow["outcome"], note: string, extra: Partial<FieldRow> = {}): FieldRow => ({
        scope: "DynamoMocker",
        field: `${at}.${field}`,
        outcome,
        note,
        ignoredWhen: unlessTool(name),
        ...extra,
    });
    const set = (path: string) => (v: unknown, ctx: MapContext) => ctx.draft.set(path, v);
    return [
        row("input_tokens", "mapped", "synthetic prompt length", { to: "benchmark.inputTokens", apply: set("benchmark.inputTokens") }),
        row("output_tokens", "mapped", "output length", { to: "benchmark.outputTokens", apply: set("benchmark.outputTokens") }),
        row("output_tokens_stddev", "mapped", "output length spread", { to: "benchmark.outputTokensStddev", apply: set("benchmark.outputTokensStddev") }),
        row("input_tokens_stddev", "mapped", "prompt length spread", { to: "benchmark.inputTokensStddev", apply: set("benchmark.inputTokensStddev") }),
        row("request_count", "mapped", "requests per phase", { to: "benchmark.requestCount", apply: set("benchmark.requestCount") }),
        row("warmup_request_count", "mapped", "warm-up requests", { to: "benchmark.warmupRequests", apply: set("benchmark.warmupRequests") }),
        row("replay_concurrency", "mapped", "offline: concurrency; online: request rate (CloudAI reuses the number); a list is one load phase per value", {
            to: "benchmark.concurrency | benchmark.requestRate",
            apply: (v, ctx) => ctx.draft.set(section(ctx, name).replay_mode === "online" ? "benchmark.requestRate" : "benchmark.concurrency", v),
        }),
        row("replay_mode", "used", "offline: a concurrency, online: a request rate"),
        row("random_seed", "mapped", "the client's seed", { to: "benchmark.extraArgs", apply: (v, ctx) => ctx.draft.addFlag("benchmark", "--random-seed", v) }),
        row("cmd", "used", "empty: the client's own profile command", {
            apply: (v, ctx) => {
                if (v) ctx.note("not mapped", "a custom client command; dynamo-bench runs aiperf profile");
                return v ? false : undefined;
            },
        }),
        row("extra_args", "mapped", "split into argv elements", {
            to: "benchmark.extraArgs",
            apply: (v, ctx) => void ctx.draft.args.benchmark.push(...splitWords(String(v))),
        }),
        row("*", "mapped", "an extra flag of the client", { to: "benchmark.extraArgs", apply: flags(["benchmark"]) }),
    ];
}

const knob = (field: string, to: string, note: string, extra: Partial<FieldRow> = {}): FieldRow => ({
    scope: "DynamoMocker",
    field: `cmd_args.engine.${field}`,
    outcome: "mapped",
    to,
    note,
    apply: (v, ctx) => setOrSweep(v, ctx, to),
    ...extra,
});

export const MOCKER_ROWS: FieldRow[] = [
    {
        scope: "DynamoMocker",
        field: "cmd_args.model_path",
        outcome: "mapped",
        to: "model.id",
        note: "the model (tokenizer and KV size)",
        apply: (v, ctx) => ctx.draft.set("model.id", v),
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.nats_cmd",
        outcome: "not mapped",
        note: "the local target needs no NATS (file discovery, TCP requests, ZMQ events)",
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.benchmark_tool",
        outcome: "mapped",
        to: "benchmark.tool",
        note: "aiperf or genai-perf",
        apply: (v, ctx) => ctx.draft.set("benchmark.tool", v === "genai_perf" ? "genai-perf" : v),
    },
    knob("speedup_ratio", "local.speedupRatio", "the mocker's timing speed-up"),
    knob("block_size", "local.mocker.blockSize", "tokens per KV block"),
    knob("num_gpu_blocks_override", "local.mocker.numGpuBlocks", "KV capacity in blocks"),
    knob("enable_prefix_caching", "local.mocker.prefixCaching", "automatic prefix caching"),
    knob("kv_transfer_bandwidth", "local.mocker.kvTransferBandwidthGBps", "simulated prefill-to-decode transfer, GB/s", {
        ignoredWhen: (ctx) => (combined(ctx) ? "CloudAI passes it in disaggregated mode only" : undefined),
    }),
    {
        scope: "DynamoMocker",
        field: "cmd_args.engine.*",
        outcome: "mapped",
        to: "prefill.extraArgs, decode.extraArgs",
        note: "a mocker flag of every worker",
        apply: flags(["prefill", "decode"]),
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.worker.disaggregation_mode",
        outcome: "mapped",
        to: "mode",
        note: "prefill_decode -> disaggregated, none -> aggregated",
        apply: (v, ctx) => {
            ctx.draft.set("mode", v === "none" ? "aggregated" : "disaggregated");
            if (v === "none") ctx.draft.set("prefill.replicas", 0);
        },
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.worker.num_workers",
        outcome: "mapped",
        to: "decode.replicas",
        note: "combined mode: the aggregated workers",
        ignoredWhen: inDisagg,
        apply: (v, ctx) => setOrSweep(v, ctx, "decode.replicas"),
    },
    ...roleRows("prefill_worker"),
    ...roleRows("decode_worker"),
    {
        scope: "DynamoMocker",
        field: "cmd_args.worker.*",
        outcome: "mapped",
        to: "prefill.extraArgs, decode.extraArgs",
        note: "a mocker flag of every worker",
        apply: flags(["prefill", "decode"]),
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.frontend.http_port",
        outcome: "not mapped",
        note: "the local target picks a free port (set frontend.port to pin one); CloudAI's fixed 8000 collides with anything else listening there",
    },
    {
        scope: "DynamoMocker",
        field: "cmd_args.frontend.router_mode",
        outcome: "mapped",
        to: "frontend.routerMode, frontend.extraArgs",
        note: "round_robin -> round-robin; kv_router -> kv with --no-router-kv-events, as CloudAI starts it (the mocker emits no KV events)",
        apply: (v, ctx) => {
            const kv = v === "kv_router";
            ctx.draft.set("frontend.routerMode", kv ? "kv" : "round-robin");
            if (kv) ctx.draft.args.frontend.push("--no-router-kv-events");
        },
    },
    { scope: "DynamoMocker", field: "cmd_args.frontend.*", outcome: "mapped", to: "frontend.extraArgs", note: "a frontend flag", apply: flags(["frontend"]) },
    ...clientRows("aiperf"),
    ...clientRows("genai_perf"),
];

// A CloudAI worker's `args` table and `cmd`: each key is a flag of the engine
// (`--<key> <value>`). The parallel sizes have settings of their own; flags the
// launch model already generates for the backend are compared with what it
// generates; per-worker ports stay dynamo-bench's; the rest are extraArgs.
import { isDeepStrictEqual } from "node:util";
import { applyConnectorArg } from "./connectors";
import { flagOf } from "./draft";
import { setOrSweep, excludedFromSweep } from "./sweep";
import type { MapContext } from "./table";
import { splitWords } from "./words";

export type Role = "prefill" | "decode";

/** `prefill_worker` -> prefill. */
export const roleOf = (key: string): Role => (key.startsWith("prefill") ? "prefill" : "decode");

const PARALLEL: Record<string, string> = {
    tensor_parallel_size: "tensorParallel",
    pipeline_parallel_size: "pipelineParallel",
    data_parallel_size: "dataParallel",
};

/** Flags of a disaggregated worker the launch model sets itself (docs/launch-model.md), with its value where fixed. */
const GENERATED: Record<string, Record<string, unknown>> = {
    vllm: { kv_transfer_config: { kv_connector: "NixlConnector", kv_role: "kv_both" } },
    sglang: { page_size: 16, disaggregation_transfer_backend: "nixl", host: "0.0.0.0", skip_tokenizer_init: true },
};

/** Flags whose value is per worker process: a fixed one collides where workers share a node. */
const ALLOCATED = new Set(["disaggregation_bootstrap_port", "port", "bootstrap_port", "dist_init_addr", "nnodes", "node_rank"]);
/** Flags the launch model derives from the model and the role. */
const DERIVED = new Set(["model", "model_path", "served_model_name", "disaggregation_mode", "is_prefill_worker", "is_decode_worker"]);

const backendOf = (ctx: MapContext) => String((ctx.doc.cmd_args as Record<string, Record<string, unknown>>)?.dynamo?.backend ?? "vllm").replace("_dsr1", "");

const parse = (v: unknown) => {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
};

/** One key of `<role>_worker.args`. */
export function applyWorkerArg(role: Role, key: string, value: unknown, ctx: MapContext): void | false {
    const parallel = PARALLEL[key];
    if (parallel) {
        setOrSweep(value, ctx, `${role}.${parallel}`);
        if (!Array.isArray(value)) ctx.note("mapped", "the worker's parallel size", `${role}.${parallel}`);
        return false;
    }
    if (DERIVED.has(key)) {
        ctx.note("used", "derived by the launch model: the model from cmd_args.dynamo.model, the role from the worker's section");
        return false;
    }
    if (applyConnectorArg(role, key, value, ctx)) return false;
    if (ALLOCATED.has(key)) {
        ctx.note("not mapped", "dynamo-bench allocates it per worker process (a fixed value collides where workers share a node)");
        return false;
    }
    const generated = GENERATED[backendOf(ctx)] ?? {};
    if (key in generated && isDeepStrictEqual(parse(value), generated[key])) {
        ctx.note("used", "the launch model generates this flag with the same value for a disaggregated worker");
        return false;
    }
    if (ctx.target === "local") {
        ctx.note("not mapped", LOCAL_ENGINE_FLAGS);
        return false;
    }
    if (Array.isArray(value) && !excludedFromSweep(ctx)) {
        ctx.draft.argDimensions[role].push({ flag: flagOf(key), values: value });
        ctx.note("mapped", `a CloudAI design-space dimension: one ${role}.extraArgs set per value (${value.length})`, `sweep.grid.${role}.extraArgs`);
        return false;
    }
    ctx.draft.addFlag(role, flagOf(key), value);
    ctx.note("mapped", value === false ? "false: the flag is left out" : "an engine flag, one argv element each", `${role}.extraArgs`);
    return false;
}

/** Why a real engine's flags stay out of a local rehearsal (the engine judges showed the mocker refusing vLLM's). */
const LOCAL_ENGINE_FLAGS =
    "an engine flag, kept out of the local rehearsal: the mocker stands in for the engine and refuses flags such as --no-enable-expert-parallel; import with the cluster's --system to keep it";

/** `<role>_worker.cmd`: the engine module must be the backend's; its flags join extraArgs, its role switch is the launch model's. */
export function applyWorkerCmd(role: Role, value: unknown, ctx: MapContext): void | false {
    const words = splitWords(String(value));
    const firstFlag = words.findIndex((w) => w.startsWith("-") && w !== "-m");
    const program = firstFlag < 0 ? words : words.slice(0, firstFlag);
    const flags = firstFlag < 0 ? [] : words.slice(firstFlag);
    const backend = backendOf(ctx);
    const isPython = /^python(3(\.[0-9]+)?)?$/.test(program[0] ?? "") && program[1] === "-m";
    if (isPython && program[2] === `dynamo.${backend}`) {
        const kept = ctx.target === "local" ? [] : flags.filter((f) => f !== "--is-prefill-worker" && f !== "--is-decode-worker");
        ctx.draft.args[role].unshift(...kept);
        ctx.note(
            "used",
            `python -m dynamo.${backend} is what the launch model runs; ${kept.length ? `${kept.join(" ")} joins ${role}.extraArgs; ` : ""}the role is stated with --disaggregation-mode`,
        );
        return false;
    }
    if (ctx.target === "slurm") {
        ctx.draft.set(`slurm.commands.${role}`, program);
        if (flags.length) ctx.draft.args[role].unshift(...flags);
        ctx.note("mapped", "a custom program for the role; the generated flags follow it", `slurm.commands.${role}`);
        return false;
    }
    ctx.note("not mapped", `expected python3 -m dynamo.${backend} (the backend's engine); a custom program runs only on Slurm (slurm.commands.${role})`);
    return false;
}

/** `<role>_worker.extra_args`: a string is split into argv; a list is a CloudAI dimension of whole argument strings. */
export function applyWorkerExtraArgs(role: Role, value: unknown, ctx: MapContext): void | false {
    if (ctx.target === "local") {
        ctx.note("not mapped", LOCAL_ENGINE_FLAGS);
        return false;
    }
    if (Array.isArray(value) && !excludedFromSweep(ctx)) {
        ctx.draft.argDimensions[role].push({ flag: "", values: value.map((v) => String(v)) });
        ctx.note("mapped", `a CloudAI design-space dimension: one ${role}.extraArgs set per value (${value.length})`, `sweep.grid.${role}.extraArgs`);
        return false;
    }
    ctx.draft.args[role].push(...splitWords(String(value)));
}

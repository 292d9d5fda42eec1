// CloudAI's KV-cache connectors in dynamo-bench's kvCache (config/kv-cache.ts).
// CloudAI spreads one choice over several fields: a worker's `connector` arg
// (space- or comma-separated; dynamo.vllm 1.6.1 refuses --connector), its
// `kv-transfer-config` (LMCacheConnectorV1, DynamoConnector, or a pair with
// NIXL), SGLang's `enable-hierarchical-cache` and `hicache-*` args, the
// `lmcache` and `hicache` tables it renders into files, `storage_cache_dir`,
// and DYN_KVBM_* variables. Each field records what it says here; once every
// field is read, finishConnectors settles the connector and keeps only the
// settings of the one chosen, reporting the rest.
import { LMCACHE_CONTROLLER_KEYS, LMCACHE_FILE_PLACEHOLDER } from "../../dynamo/lmcache-controller";
import type { Draft } from "./draft";
import type { ReportLine } from "./report";
import type { FieldRow, MapContext, Target } from "./table";
import type { Role } from "./worker-args";
import { splitWords } from "./words";

type Tier = "lmcache" | "kvbm" | "hicache";

interface Facts {
    tier?: { name: Tier; field: string };
    lmcacheConfig?: Record<string, unknown>;
    hicacheExtra?: Record<string, unknown>;
    hicache: Record<string, unknown>;
    kvbm: Record<string, unknown>;
    storageCacheDir?: string;
    /** cmd_args.lmcache_controller.cmd as kvCache.lmcache.controller settings. */
    controller?: Record<string, unknown>;
}

const facts = new WeakMap<Draft, Facts>();
const of = (draft: Draft): Facts => {
    let f = facts.get(draft);
    if (!f) facts.set(draft, (f = { hicache: {}, kvbm: {} }));
    return f;
};

const MOCKER = "the mocker has no KV-cache connector (it simulates its own cache); import with the cluster's --system to keep it";

function record(ctx: MapContext, name: Tier, why: string): void {
    const f = of(ctx.draft);
    if (ctx.target === "local") return ctx.note("not mapped", MOCKER);
    f.tier ??= { name, field: ctx.field };
    ctx.note("mapped", `${why}: the ${name} connector, on the workers that compute prefill`, "kvCache.connector");
}

/** The connectors a vLLM --kv-transfer-config names, PdConnector/MultiConnector entries included. */
function namedConnectors(value: unknown): string[] {
    let v = value;
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            return [];
        }
    }
    const top = v as { kv_connector?: unknown; kv_connector_extra_config?: { connectors?: Array<{ kv_connector?: unknown }> } };
    return [String(top?.kv_connector ?? ""), ...(top?.kv_connector_extra_config?.connectors ?? []).map((c) => String(c?.kv_connector ?? ""))];
}

const HICACHE_ARGS: Record<string, string> = {
    hicache_ratio: "ratio",
    hicache_size: "sizeGb",
    hicache_write_policy: "writePolicy",
    hicache_storage_backend: "storageBackend",
};

/** A worker arg that states a connector; true when handled. */
export function applyConnectorArg(_role: Role, key: string, value: unknown, ctx: MapContext): boolean {
    if (key === "connector") {
        const names = String(value)
            .toLowerCase()
            .split(/[\s,]+/)
            .filter(Boolean);
        const tier = names.find((n): n is Tier => n === "kvbm" || n === "lmcache");
        if (tier) record(ctx, tier, `--connector ${names.join(" ")} (dynamo.vllm 1.6.1 refuses --connector; its --kv-transfer-config comes from kvCache)`);
        else
            ctx.note(
                "used",
                `${names.join(" ") || "(empty)"}: NIXL is the default transfer between prefill and decode (dynamo.vllm 1.6.1 refuses --connector)`,
            );
        return true;
    }
    if (key === "kv_transfer_config") {
        const named = namedConnectors(value);
        const tier: Tier | undefined = named.includes("LMCacheConnectorV1") ? "lmcache" : named.includes("DynamoConnector") ? "kvbm" : undefined;
        if (!tier) return false;
        record(ctx, tier, `--kv-transfer-config names ${named.filter(Boolean).join(", ")}`);
        return true;
    }
    if (key === "enable_hierarchical_cache") {
        if (value === true || String(value).toLowerCase() === "true") record(ctx, "hicache", "--enable-hierarchical-cache");
        else ctx.note("used", "false: no hierarchical cache");
        return true;
    }
    const setting = HICACHE_ARGS[key];
    if (setting) {
        of(ctx.draft).hicache[setting] = value;
        if (ctx.target === "local") ctx.note("not mapped", MOCKER);
        else ctx.note("mapped", "a HiCache setting (kept when the hierarchical cache is on)", `kvCache.hicache.${setting}`);
        return true;
    }
    if (key === "hicache_storage_backend_extra_config") {
        ctx.note(
            "not mapped",
            "dynamo-bench writes the storage backend's config from cmd_args.hicache (kvCache.hicache.storageBackendExtraConfig) and points the flag at it",
        );
        return true;
    }
    return false;
}

const KVBM_ENV: Record<string, [string, (v: string) => unknown]> = {
    DYN_KVBM_CPU_CACHE_GB: ["cpuCacheGb", Number],
    DYN_KVBM_DISK_CACHE_GB: ["diskCacheGb", Number],
    DYN_KVBM_DISK_CACHE_DIR: ["diskCacheDir", String],
    DYN_KVBM_DISABLE_DISK_OFFLOAD_FILTER: ["diskOffloadFilter", (v) => !/^(1|true|yes|on)$/i.test(v)],
    DYN_KVBM_METRICS: ["metrics", (v) => /^(1|true|yes|on)$/i.test(v)],
};
const ALLOCATED_ENV = new Set(["DYN_KVBM_LEADER_ZMQ_PUB_PORT", "DYN_KVBM_LEADER_ZMQ_ACK_PORT", "DYN_KVBM_METRICS_PORT"]);

/** An environment variable that is a connector setting; true when handled. */
export function applyConnectorEnv(name: string, text: string, ctx: MapContext): boolean {
    const kvbm = KVBM_ENV[name];
    if (kvbm) {
        const [setting, parse] = kvbm;
        of(ctx.draft).kvbm[setting] = parse(text);
        if (ctx.target === "local") ctx.note("not mapped", MOCKER);
        else ctx.note("mapped", "a KVBM setting (kept when the workers use KVBM)", `kvCache.kvbm.${setting}`);
        return true;
    }
    if (ALLOCATED_ENV.has(name)) {
        ctx.note(
            "not mapped",
            "dynamo-bench allocates KVBM's ports per worker process with its other ports (a fixed value collides where workers share a node)",
        );
        return true;
    }
    if (name === "LMCACHE_CONFIG_FILE" || name === "HICACHE_CONFIG_FILE") {
        ctx.note("not mapped", "dynamo-bench writes the connector's config file itself (from cmd_args.lmcache / cmd_args.hicache) and names it");
        return true;
    }
    return false;
}

const stash =
    (key: "lmcacheConfig" | "hicacheExtra" | "storageCacheDir", to: string, what: string) =>
    (value: unknown, ctx: MapContext): false => {
        const f = of(ctx.draft);
        // TOML tables come without a prototype: a plain copy is what the stack file and the schema take.
        (f as unknown as Record<string, unknown>)[key] = JSON.parse(JSON.stringify(value));
        ctx.note(ctx.target === "local" ? "not mapped" : "mapped", ctx.target === "local" ? MOCKER : what, ctx.target === "local" ? undefined : to);
        return false;
    };

export const CONNECTOR_ROWS: FieldRow[] = [
    {
        scope: "AIDynamo",
        field: "cmd_args.lmcache.**",
        outcome: "mapped",
        to: "kvCache.lmcache.config",
        note: "LMCache's configuration, written as a file next to the workers (LMCACHE_CONFIG_FILE); kept when the workers use LMCache",
        apply: stash("lmcacheConfig", "kvCache.lmcache.config", "LMCache's configuration, written as a file next to the workers (LMCACHE_CONFIG_FILE)"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.hicache.**",
        outcome: "mapped",
        to: "kvCache.hicache.storageBackendExtraConfig",
        note: "the HiCache storage backend's configuration, written as a file (--hicache-storage-backend-extra-config @<file>); kept when the workers use HiCache",
        apply: stash(
            "hicacheExtra",
            "kvCache.hicache.storageBackendExtraConfig",
            "the HiCache storage backend's configuration, written as a file (--hicache-storage-backend-extra-config @<file>)",
        ),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.storage_cache_dir",
        outcome: "mapped",
        to: "kvCache.kvbm.diskCacheDir",
        note: "with KVBM, its disk tier goes under <dir>/kvbm/cache (CloudAI adds its user and frontend node names too)",
        apply: stash("storageCacheDir", "kvCache.kvbm.diskCacheDir", "with KVBM, its disk tier goes under <dir>/kvbm/cache"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.lmcache_controller.**",
        outcome: "mapped",
        to: "kvCache.lmcache.controller",
        note: "LMCache's controller, started next to the frontend (a Deployment and Service on Kubernetes) and named to every LMCache worker; its --port and --monitor-ports/--monitor-port become the controller's ports, other flags its extraArgs; kept when the workers use LMCache",
        apply: applyController,
    },
];

/** cmd_args.lmcache_controller: its cmd's program and flags as kvCache.lmcache.controller. */
function applyController(value: unknown, ctx: MapContext): false {
    if (ctx.target === "local") {
        ctx.note("not mapped", MOCKER);
        return false;
    }
    const cmd = (value as { cmd?: unknown } | undefined)?.cmd;
    if (typeof cmd !== "string" || cmd.trim() === "") {
        ctx.note("not mapped", "no cmd: CloudAI starts no controller");
        return false;
    }
    const { controller, notes } = parseControllerCmd(cmd);
    of(ctx.draft).controller = controller;
    ctx.note(
        "mapped",
        "LMCache's controller, next to the frontend, named to every LMCache worker (kept when the workers use LMCache)",
        "kvCache.lmcache.controller",
    );
    for (const [outcome, note] of notes) ctx.note(outcome, note, "kvCache.lmcache.controller");
    return false;
}

const asPort = (v: unknown): number | undefined => (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : undefined);

/** lmcache_controller's argparse (lmcache 0.3.9.post2 to 0.5.6): --host, --port, --monitor-ports JSON, --monitor-port; the rest is passed on. */
export function parseControllerCmd(cmd: string): { controller: Record<string, unknown>; notes: Array<[ReportLine["outcome"], string]> } {
    const words = splitWords(cmd);
    // The program ends at the first long flag (python3 -m lmcache.v1.api_server keeps its -m).
    const first = words.findIndex((w) => w.startsWith("--"));
    const program = first < 0 ? words : words.slice(0, first);
    const controller: Record<string, unknown> = {};
    const notes: Array<[ReportLine["outcome"], string]> = [];
    const extra: string[] = [];
    if (program.length > 0 && !(program.length === 1 && program[0] === "lmcache_controller")) controller.command = program;
    const rest = first < 0 ? [] : words.slice(first);
    for (let i = 0; i < rest.length; i++) {
        const word = rest[i]!;
        const eq = word.indexOf("=");
        const name = eq > 0 ? word.slice(0, eq) : word;
        const hasValue = eq > 0 || (i + 1 < rest.length && !rest[i + 1]!.startsWith("--"));
        const value = eq > 0 ? word.slice(eq + 1) : hasValue ? rest[++i]! : undefined;
        if (name === "--host") {
            if (value !== "0.0.0.0")
                notes.push([
                    "adjusted",
                    `--host ${value ?? ""}: dynamo-bench binds the controller to 0.0.0.0, so the workers reach it at the frontend node's (or its Service's) address`,
                ]);
        } else if (name === "--port" && asPort(value) !== undefined) {
            controller.port = asPort(value);
        } else if (name === "--monitor-ports") {
            let ports: { pull?: unknown; reply?: unknown } | undefined;
            try {
                ports = JSON.parse(value ?? "") as { pull?: unknown; reply?: unknown };
            } catch {
                ports = undefined;
            }
            if (asPort(ports?.pull) !== undefined && asPort(ports?.reply) !== undefined) {
                controller.pullPort = asPort(ports!.pull);
                controller.replyPort = asPort(ports!.reply);
            } else
                notes.push([
                    "not mapped",
                    `--monitor-ports ${value ?? ""}: expected JSON {"pull": <port>, "reply": <port>}; the controller's default ports are used`,
                ]);
        } else if (name === "--monitor-port" && asPort(value) !== undefined) {
            controller.pullPort = asPort(value);
            notes.push([
                "adjusted",
                `--monitor-port ${value}: LMCache's deprecated form opens no reply socket; dynamo-bench passes --monitor-ports with this pull port and a reply port (kvCache.lmcache.controller.replyPort)`,
            ]);
        } else {
            extra.push(word, ...(eq < 0 && value !== undefined ? [value] : []));
        }
    }
    if (extra.length > 0) {
        controller.extraArgs = extra;
        notes.push(["mapped", `${extra.join(" ")}: passed to the controller as given (kvCache.lmcache.controller.extraArgs)`]);
    }
    return { controller, notes };
}

/** CloudAI's {placeholders} it renders into the LMCache file at run time; dynamo-bench renders none (its config rules refuse them). */
const PLACEHOLDER = /\{(frontend_node|frontend_ip|results_dir|storage_cache_dir)\}/g;

/**
 * CloudAI's LMCache table as dynamo-bench's file: with the controller, the keys naming it are
 * the plan's; {storage_cache_dir} becomes the folder under storage_cache_dir (as for KVBM);
 * a key still holding a placeholder dynamo-bench cannot fill is left out and reported.
 */
function lmcacheFile(f: Facts, line: (outcome: ReportLine["outcome"], note: string, to?: string) => void): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    const planKeys = new Set<string>(LMCACHE_CONTROLLER_KEYS);
    const dropped: string[] = [];
    for (const [key, raw] of Object.entries(f.lmcacheConfig ?? {})) {
        if (planKeys.has(key) && f.controller) {
            line(
                "adjusted",
                `cmd_args.lmcache.${key}: set by dynamo-bench from kvCache.lmcache.controller (the controller's address and the worker ports it allocates)`,
            );
            continue;
        }
        let value = raw;
        if (typeof value === "string" && value.includes("{storage_cache_dir}") && f.storageCacheDir !== undefined) {
            const dir = `${f.storageCacheDir.replace(/\/+$/, "")}/lmcache/cache`;
            value = value.replaceAll("{storage_cache_dir}", dir);
            line(
                "adjusted",
                `cmd_args.lmcache.${key}: {storage_cache_dir} is ${dir} (CloudAI adds its user and frontend node names too)`,
                `kvCache.lmcache.config.${key}`,
            );
        }
        if (LMCACHE_FILE_PLACEHOLDER.test(JSON.stringify(value))) {
            const words = [...new Set(JSON.stringify(value).match(PLACEHOLDER) ?? [])];
            dropped.push(key);
            const why = planKeys.has(key)
                ? "it names a controller CloudAI would start from cmd_args.lmcache_controller.cmd, which the test does not set"
                : `dynamo-bench renders no placeholders in the LMCache file (${words.join(", ") || "an unknown placeholder"}: a run-time address or folder); write the value for your cluster`;
            line("not mapped", `cmd_args.lmcache.${key} = ${JSON.stringify(raw)}: left out, ${why}`);
            continue;
        }
        config[key] = value;
    }
    // Without the controller's address LMCache refuses enable_controller (0.5.6: "controller_pull_url is required"): it goes too.
    if (!f.controller && dropped.some((k) => planKeys.has(k)) && "enable_controller" in config) {
        delete config.enable_controller;
        line(
            "not mapped",
            "cmd_args.lmcache.enable_controller: left out with the controller's address (LMCache refuses enable_controller without controller_pull_url)",
        );
    }
    return config;
}

/** Settles kvCache once every field is read. */
export function finishConnectors(draft: Draft, target: Target, lines: ReportLine[], source: string): void {
    const f = facts.get(draft);
    if (!f || target === "local") return;
    const connector = f.tier?.name ?? "nixl";
    const line = (outcome: ReportLine["outcome"], note: string, to?: string) =>
        lines.push({ field: "(connector)", source, outcome, note, ...(to ? { to } : {}) });
    if (connector !== "nixl") {
        draft.set("kvCache.connector", connector);
        line("mapped", `${connector}, from ${f.tier!.field}`, "kvCache.connector");
    }
    if (f.lmcacheConfig) {
        if (connector === "lmcache") {
            const config = lmcacheFile(f, line);
            if (Object.keys(config).length > 0) draft.set("kvCache.lmcache.config", config);
        } else line("not mapped", `cmd_args.lmcache: no worker uses LMCache (connector ${connector}), so CloudAI's file is unused too`);
    }
    if (f.controller) {
        if (connector === "lmcache") draft.set("kvCache.lmcache.controller", f.controller);
        else
            line(
                "not mapped",
                `cmd_args.lmcache_controller: CloudAI starts it on the frontend node whenever cmd is set, but no worker uses LMCache (connector ${connector}), so nothing would talk to it; dynamo-bench starts the controller only with kvCache.connector lmcache`,
            );
    }
    const hicache = { ...f.hicache, ...(f.hicacheExtra ? { storageBackendExtraConfig: f.hicacheExtra } : {}) };
    if (Object.keys(hicache).length > 0) {
        if (connector === "hicache") draft.set("kvCache.hicache", hicache);
        else line("not mapped", `the HiCache settings apply with --enable-hierarchical-cache, which no worker sets (connector ${connector})`);
    }
    const kvbm = { ...f.kvbm };
    if (connector === "kvbm") {
        if (f.storageCacheDir !== undefined && kvbm.diskCacheDir === undefined && kvbm.diskCacheGb !== undefined)
            kvbm.diskCacheDir = `${f.storageCacheDir.replace(/\/+$/, "")}/kvbm/cache`;
        if (Object.keys(kvbm).length > 0) draft.set("kvCache.kvbm", kvbm);
    } else if (Object.keys(kvbm).length > 0) {
        line("not mapped", `the DYN_KVBM_* settings apply to KVBM, which no worker uses (connector ${connector})`);
    }
}

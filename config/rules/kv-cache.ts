// Rules of kvCache (config/kv-cache.ts): the connector must be one the
// backend's worker takes, settings of another connector are refused instead
// of silently unused, the mocker (local target, Slurm engine mocker) has no
// connector to configure, and a user's own --kv-transfer-config cannot
// contradict the connector the plan configures.
import type { ParsedSpec } from "../schema";
import { CONNECTORS_BY_BACKEND } from "../kv-cache";
import { checkLmcacheRules } from "./lmcache";
import type { RuleViolation } from "./violation";

/** Whether the workers are Dynamo's mocker instead of a real engine. */
export function runsMocker(spec: Pick<ParsedSpec, "target" | "slurm">): boolean {
    return spec.target === "local" || (spec.target === "slurm" && spec.slurm.engine === "mocker");
}

const SETTINGS = ["lmcache", "kvbm", "hicache"] as const;

export function checkKvCacheRules(spec: ParsedSpec): RuleViolation[] {
    const kv = spec.kvCache;
    const out: RuleViolation[] = [];
    const allowed = CONNECTORS_BY_BACKEND[spec.backend];
    if (!allowed.includes(kv.connector)) {
        out.push({
            path: "kvCache.connector",
            message: `expected a connector the ${spec.backend} worker takes (${allowed.join(", ")}), got ${kv.connector}; pick one of them or change backend`,
        });
    }
    for (const name of SETTINGS) {
        if (kv[name] !== undefined && kv.connector !== name) {
            out.push({
                path: `kvCache.${name}`,
                message: `configures the ${name} connector, but kvCache.connector is ${kv.connector}; set kvCache.connector to ${name} or remove kvCache.${name}`,
            });
        }
    }
    if (kv.connector === "kvbm" && kv.kvbm?.cpuCacheGb === undefined && kv.kvbm?.diskCacheGb === undefined) {
        out.push({
            path: "kvCache.kvbm",
            message:
                "expected a cache tier for KVBM (it refuses to start without one), got neither; set kvCache.kvbm.cpuCacheGb and/or kvCache.kvbm.diskCacheGb",
        });
    }
    if (kv.connector !== "nixl" && runsMocker(spec)) {
        out.push({
            path: "kvCache.connector",
            message: `expected nixl with the mocker (it simulates its own KV cache and loads no connector), got ${kv.connector}; rehearse without kvCache, or run the real engines (target kubernetes, or slurm with slurm.engine backend)`,
        });
    }
    out.push(...checkLmcacheRules(spec));
    if (kv.connector !== "nixl") {
        const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
        for (const role of roles) {
            spec[role].extraArgs.forEach((arg, i) => {
                if (arg.split("=")[0] !== "--kv-transfer-config") return;
                out.push({
                    path: `${role}.extraArgs[${i}]`,
                    message: `expected no --kv-transfer-config with kvCache.connector ${kv.connector} (the plan sets the ${kv.connector} connector there); remove it, or set kvCache.connector nixl to pass your own`,
                });
            });
        }
    }
    return out;
}

// Rules of kvCache.lmcache (config/kv-cache.ts): its file is written as given,
// and with the controller the plan owns the controller's address and ports.
import type { ParsedSpec } from "../schema";
import {
    LMCACHE_CONTROLLER_KEYS,
    LMCACHE_CONTROLLER_PLAN_FLAGS,
    LMCACHE_FILE_PLACEHOLDER,
    lmcacheControllerPorts,
    lmcacheEnvName,
} from "../../lib/dynamo/lmcache-controller";
import { SLURM_PLACEHOLDER_WORDS } from "../../lib/facts/slurm-placeholders";
import { stringsIn } from "./values";
import type { RuleViolation } from "./violation";

/**
 * kvCache.lmcache: the file is written as given, so a {placeholder} in it would reach
 * LMCache verbatim; with the controller, its address and the worker ports are the plan's
 * (LMCACHE_* variables, lib/dynamo/lmcache-controller.ts), so the same keys in the file
 * or the env, or the controller's own flags in extraArgs, are refused instead of
 * silently losing to the plan's or moving a port the plan checked.
 */
export function checkLmcacheRules(spec: ParsedSpec): RuleViolation[] {
    const lmcache = spec.kvCache.lmcache;
    if (!lmcache) return [];
    const out: RuleViolation[] = [];
    for (const s of stringsIn(lmcache.config, "kvCache.lmcache.config")) {
        const word = LMCACHE_FILE_PLACEHOLDER.exec(s.text)?.[0];
        // On Slurm the node-script words have their own rule (config/rules/values.ts).
        if (word === undefined || (spec.target === "slurm" && SLURM_PLACEHOLDER_WORDS.some((w) => s.text.includes(w)))) continue;
        out.push({
            path: s.path,
            message: `expected no placeholder ${word}: dynamo-bench writes the LMCache file as given and renders nothing in it, so LMCache would read ${JSON.stringify(s.text)} as written; for the controller's address set kvCache.lmcache.controller (the plan names it to every worker), otherwise write the value itself`,
        });
    }
    const c = lmcache.controller;
    if (!c) return out;
    const keys = new Set<string>(LMCACHE_CONTROLLER_KEYS);
    for (const key of Object.keys(lmcache.config)) {
        if (!keys.has(key)) continue;
        out.push({
            path: `kvCache.lmcache.config.${key}`,
            message: `is set by the plan with kvCache.lmcache.controller (the controller's address and the worker ports it checked); remove it, and set the ports in kvCache.lmcache.controller`,
        });
    }
    const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    const envNames = new Set([...keys].map(lmcacheEnvName));
    for (const [path, env] of [["env", spec.env], ...roles.map((role) => [`${role}.env`, spec[role].env] as const)] as const) {
        for (const name of Object.keys(env)) {
            if (!envNames.has(name)) continue;
            out.push({
                path: `${path}.${name}`,
                message: `is set by the plan with kvCache.lmcache.controller (LMCache reads it over its file); remove it, and set the ports in kvCache.lmcache.controller`,
            });
        }
    }
    c.extraArgs.forEach((arg, i) => {
        const name = arg.split("=")[0]!;
        if (!Object.hasOwn(LMCACHE_CONTROLLER_PLAN_FLAGS, name)) return;
        out.push({
            path: `kvCache.lmcache.controller.extraArgs[${i}]`,
            message: `expected no ${name}: the plan sets it and names the controller's ports to the workers, got ${JSON.stringify(arg)}; remove it and set ${LMCACHE_CONTROLLER_PLAN_FLAGS[name]}`,
        });
    });
    // On Slurm the port rules check them with every other port of the frontend's node (config/rules/ports.ts).
    const ports = lmcacheControllerPorts(c);
    if (spec.target !== "slurm")
        ports.forEach(({ setting, port }, i) => {
            const same = ports.slice(0, i).find((p) => p.port === port);
            if (same) {
                out.push({
                    path: `kvCache.lmcache.controller.${setting}`,
                    message: `expected a port apart from kvCache.lmcache.controller.${same.setting} (the controller binds both), got ${port} for both; change one of them`,
                });
            }
        });
    // Every data-parallel rank of a worker is an LMCache engine of its own whose ranks start at 0: they would bind the same worker ports.
    const tierRoles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill"] as const);
    const ids = lmcache.config.lmcache_worker_ids;
    if (ids !== undefined) {
        // The plan gives one port per named rank (lib/dynamo/lmcache-controller.ts lmcacheWorkerPortsOf): each must be a rank of the engine.
        const ranks = Math.min(...tierRoles.map((role) => spec[role].tensorParallel * spec[role].pipelineParallel));
        const ok = Array.isArray(ids) && ids.length > 0 && ids.every((id) => Number.isInteger(id) && (id as number) >= 0 && (id as number) < ranks);
        if (!ok) {
            out.push({
                path: "kvCache.lmcache.config.lmcache_worker_ids",
                message: `expected a list of the engine's ranks (integers 0..${ranks - 1}: tensorParallel x pipelineParallel of the LMCache workers), got ${JSON.stringify(ids)}; fix it or remove it (then every rank runs an LMCache worker)`,
            });
        }
    }
    for (const role of tierRoles) {
        if (spec[role].dataParallel > 1) {
            out.push({
                path: `${role}.dataParallel`,
                message: `expected 1 with kvCache.lmcache.controller (each data-parallel rank is an LMCache engine whose ranks bind the same worker ports on one node), got ${spec[role].dataParallel}; use replicas instead, or remove the controller`,
            });
        }
    }
    return out;
}

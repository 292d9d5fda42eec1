// Rules of the benchmark's load: a list of concurrencies or request rates is a
// set of load phases of its own, so it cannot also be split into named phases,
// and each phase applies one kind of load (genai-perf refuses both at once).
import type { ParsedSpec } from "../schema";
import { loadPhaseName } from "../names";
import type { RuleViolation } from "./violation";

export function checkLoadRules(benchmark: ParsedSpec["benchmark"]): RuleViolation[] {
    const out: RuleViolation[] = [];
    const concurrencyList = Array.isArray(benchmark.concurrency);
    const rateList = Array.isArray(benchmark.requestRate);
    if (concurrencyList && benchmark.requestRate !== undefined) {
        out.push({
            path: "benchmark.requestRate",
            message:
                "expected either a concurrency list or a requestRate, got both; a request rate replaces the concurrency (each load phase applies one of them)",
        });
    }
    if ((concurrencyList || rateList) && benchmark.phases.length > 0) {
        const list = rateList ? "benchmark.requestRate" : "benchmark.concurrency";
        out.push({
            path: "benchmark.phases",
            message: `expected either named phases or a load list in ${list}, got both; a list already makes one phase per value (named like ${rateList ? "r10" : "c8"}), so move the per-phase settings into benchmark or drop the list`,
        });
    }
    for (const [key, values] of [
        ["concurrency", benchmark.concurrency],
        ["requestRate", benchmark.requestRate],
    ] as const) {
        if (!Array.isArray(values)) continue;
        const seen = new Set<string>();
        for (const value of values) {
            const name = loadPhaseName(key === "concurrency" ? { concurrency: value } : { requestRate: value });
            if (seen.has(name)) out.push({ path: `benchmark.${key}`, message: `expected distinct values (one phase each), got ${value} twice` });
            seen.add(name);
        }
    }
    benchmark.phases.forEach((phase, i) => {
        if (phase.accuracy && benchmark.tool !== "aiperf") {
            out.push({
                path: `benchmark.phases[${i}].accuracy`,
                message: `expected benchmark.tool aiperf for an accuracy phase (AIPerf's accuracy mode; genai-perf has none), got ${benchmark.tool}`,
            });
        }
        if (phase.concurrency !== undefined && phase.requestRate !== undefined) {
            out.push({
                path: `benchmark.phases[${i}].requestRate`,
                message: `expected either concurrency or requestRate in phase "${phase.name}", got both; a request rate replaces the concurrency`,
            });
        }
    });
    return out;
}

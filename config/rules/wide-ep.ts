// Rules of prefill.wideEp / decode.wideEp (config/wide-ep.ts): SGLang only, on
// real engines, one pipeline stage, and an expert-parallel size that divides
// the worker's GPUs (SGLang requires ep-size x moe-dp-size = tp-size).
import type { ParsedSpec } from "../schema";
import { runsMocker } from "./kv-cache";
import type { RuleViolation } from "./violation";

export function checkWideEpRules(spec: ParsedSpec): RuleViolation[] {
    const out: RuleViolation[] = [];
    const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    for (const role of roles) {
        const w = spec[role];
        const wideEp = w.wideEp;
        if (!wideEp) continue;
        const path = `${role}.wideEp`;
        if (spec.backend !== "sglang") {
            out.push({
                path,
                message: `expected backend sglang (wide expert parallelism is launched through SGLang's flags), got ${spec.backend}; remove ${path}, or pass the engine's own flags in ${role}.extraArgs`,
            });
            continue;
        }
        if (runsMocker(spec)) {
            out.push({
                path,
                message: `expected a real engine (the mocker has no experts to spread), got target ${spec.target}${spec.target === "slurm" ? " with slurm.engine mocker" : ""}; remove ${path} to rehearse with the mocker`,
            });
        }
        if (w.pipelineParallel !== 1) {
            out.push({
                path: `${role}.pipelineParallel`,
                message: `expected 1 with ${path} (experts and attention groups span the tensor-parallel world), got ${w.pipelineParallel}`,
            });
        }
        const world = w.tensorParallel * w.dataParallel;
        const ep = wideEp.expertParallel;
        if (ep !== undefined && (ep > world || world % ep !== 0)) {
            out.push({
                path: `${path}.expertParallel`,
                message: `expected a divisor of the worker's ${world} GPUs (tensorParallel ${w.tensorParallel} x dataParallel ${w.dataParallel}; SGLang needs ep-size x moe-dp-size = tp-size), got ${ep}; use ${divisors(world).join(", ")} or leave it unset for ${world}`,
            });
        }
    }
    return out;
}

function divisors(n: number): number[] {
    const out: number[] = [];
    for (let d = 1; d <= n && out.length < 12; d++) if (n % d === 0) out.push(d);
    return out;
}

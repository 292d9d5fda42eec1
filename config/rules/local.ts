// Rules of the local target: the mocker knobs must hold the load. A disaggregated mocker run hands
// every request from prefill to decode (--bootstrap-ports), and each side of
// the handoff holds at most its --max-num-seqs handoffs at once: the request
// beyond that fails with "mocker handoff session limit reached" instead of
// waiting (on the decode side the worker's endpoint then stops serving).
// Measured with ai-dynamo 1.6.1 at concurrency 10 (docs/migrating-from-cloudai.md):
// prefill 10 / decode 16 ran 50 of 50 requests; prefill 9 failed 41 of 50;
// prefill 16 / decode 4 failed all 50. So both must cover the most requests
// the client keeps in flight. Without the handoff (local.mocker.handoff false,
// as CloudAI runs its mocker) nothing is held, and CloudAI's values ran 50 of 50.
import type { ParsedSpec } from "../schema";
import type { RuleViolation } from "./violation";

export function checkLocalRules(spec: ParsedSpec): RuleViolation[] {
    return checkHandoffLimit(spec);
}

function checkHandoffLimit(spec: ParsedSpec): RuleViolation[] {
    if (spec.target !== "local" || spec.mode !== "disaggregated" || !spec.local.mocker.handoff) return [];
    const b = spec.benchmark;
    const openLoop = b.requestRate !== undefined || b.phases.some((p) => p.requestRate !== undefined);
    const loads = [...(Array.isArray(b.concurrency) ? b.concurrency : [b.concurrency]), ...b.phases.flatMap((p) => p.concurrency ?? [])];
    const highest = Math.max(...loads);
    const out: RuleViolation[] = [];
    for (const role of ["prefill", "decode"] as const) {
        const limit = spec.local.mocker.maxNumSeqs[role];
        if (limit === undefined) continue;
        const path = `local.mocker.maxNumSeqs.${role}`;
        if (openLoop) {
            out.push({
                path,
                message: `expected no request-rate load with it set (open-loop load has no bound on requests in flight, and a ${role} worker fails every prefill-to-decode handoff beyond ${limit}), got benchmark.requestRate; use concurrency phases, or unset ${path}`,
            });
        } else if (highest > limit) {
            out.push({
                path,
                message: `expected at least the highest benchmark concurrency (${highest}) in disaggregated mode: the router may send every request in flight to one ${role} worker, which fails each prefill-to-decode handoff beyond its limit ("mocker handoff session limit reached"), got ${limit}; raise it to ${highest} or lower the concurrency`,
            });
        }
    }
    return out;
}

// Validity over a whole stack: the benchmark's phases, or every collected sweep
// point's, against what the spec asked of each phase. Pure.
import type { ResolvedPhase } from "../../config/resolve";
import type { GatesSpec } from "../../config/gates";
import { judgedUnits, type GatedOutputs } from "./verdict";
import { phasesProblems, type PhaseAsk } from "./validity";

/** What each phase asked, for one benchmark or per sweep point. */
export type AskedPlan = { single: AskedSpec; points?: undefined } | { points: Record<string, AskedSpec>; single?: undefined };

export interface AskedSpec {
    phases: readonly ResolvedPhase[];
    benchmark: { repeats: number };
}

function asked(spec: AskedSpec): Record<string, PhaseAsk> {
    return Object.fromEntries(
        spec.phases.map((p) => [
            p.name,
            {
                requestCount: p.requestCount,
                outputTokens: p.outputTokens,
                outputTokensStddev: p.outputTokensStddev,
                streaming: p.streaming,
                repeats: spec.benchmark.repeats,
            },
        ]),
    );
}

/** Why nothing is judged: no part of the stack collected figures (Kubernetes render mode, slurm.submit false). */
export function notJudgedReason(outputs: GatedOutputs): string | undefined {
    if (judgedUnits(outputs).length > 0) return undefined;
    return `nothing to judge: resultsStatus ${JSON.stringify(outputs.resultsStatus ?? "unknown")}`;
}

export function validityProblems(outputs: GatedOutputs, plan: AskedPlan, gates: Pick<GatesSpec, "maxErrorRate" | "outputTokensTolerance">): string[] {
    const rules = { maxErrorRate: gates.maxErrorRate, outputTokensTolerance: gates.outputTokensTolerance };
    return judgedUnits(outputs).flatMap((unit) => {
        // A sweep unit's prefix is "<point id>/".
        const spec = plan.single ?? plan.points[unit.prefix.slice(0, -1)];
        return spec ? phasesProblems(unit.phases, asked(spec), rules, unit.prefix) : [];
    });
}

// The SLO gate: every phase (or the phase an SLO names) must meet each limit.
// A repeated phase is judged on its mean. Pure.
import { meets, type Slo } from "./expressions";
import { metricValue } from "./metrics";
import type { PhaseFigures } from "./repeats";

export interface SloResult {
    /** Where it was judged: "c8", or "<point>/c8" in a sweep. */
    where: string;
    slo: string;
    /** The measured value; absent when the figures lack the metric. */
    value?: number;
    pass: boolean;
}

export function judgeSlos(phases: Record<string, PhaseFigures>, slos: readonly Slo[], prefix = ""): SloResult[] {
    return slos.flatMap((slo) => {
        const names = slo.phase === undefined ? Object.keys(phases) : [slo.phase];
        return names.map((name) => {
            const value = metricValue(phases[name], slo.metric);
            return { where: `${prefix}${name}`, slo: slo.text, ...(value !== undefined ? { value } : {}), pass: value !== undefined && meets(value, slo) };
        });
    });
}

/** One failing SLO as a line: where, the limit, and what was measured. */
export function describeSloFailure(r: SloResult): string {
    const measured = r.value === undefined ? "not measured" : `measured ${+r.value.toFixed(3)}`;
    return `${r.where}: SLO ${r.slo} not met, ${measured}`;
}

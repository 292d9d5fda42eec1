// The regression gate: a metric is a regression when it moved the worse way
// (latency up, throughput down) by more than its tolerance (percent of the
// baseline) AND by more than the measured spread, the larger of the two runs'
// max - min over their repeats. A run without repeats has no measured spread
// (0), so the tolerance alone decides. Pure.
import { directionOf, metricValue } from "./metrics";
import type { PhaseFigures } from "./repeats";

export type RegressionVerdict = "regression" | "within tolerance" | "within spread" | "better or equal" | "not compared";

export interface RegressionRow {
    where: string;
    metric: string;
    baseline?: number;
    current?: number;
    /** current - baseline. */
    difference?: number;
    /** difference / baseline, in percent. */
    differencePct?: number;
    tolerancePct: number;
    /** The measured noise the difference must exceed (0 without repeats). */
    spread: number;
    verdict: RegressionVerdict;
    /** Why it was not compared. */
    note?: string;
}

export function comparePhases(
    current: Record<string, PhaseFigures>,
    baseline: Record<string, PhaseFigures>,
    tolerances: Readonly<Record<string, number>>,
    prefix = "",
): RegressionRow[] {
    return Object.keys(current).flatMap((name) =>
        Object.entries(tolerances).map(([metric, tolerancePct]) => compareOne(`${prefix}${name}`, metric, tolerancePct, current[name], baseline[name])),
    );
}

function compareOne(where: string, metric: string, tolerancePct: number, cur: PhaseFigures | undefined, base: PhaseFigures | undefined): RegressionRow {
    const row = { where, metric, tolerancePct };
    if (base === undefined) return { ...row, spread: 0, verdict: "not compared", note: `the baseline has no phase ${where}` };
    const current = metricValue(cur, metric);
    const baseline = metricValue(base, metric);
    const spread = Math.max(metricValue(cur?.repeats?.spread, metric) ?? 0, metricValue(base.repeats?.spread, metric) ?? 0);
    const known = { ...row, ...(current !== undefined ? { current } : {}), ...(baseline !== undefined ? { baseline } : {}), spread };
    if (current === undefined || baseline === undefined) {
        return { ...known, verdict: "not compared", note: `${metric} was not measured ${current === undefined ? "in this run" : "in the baseline"}` };
    }
    const difference = current - baseline;
    const differencePct = baseline !== 0 ? (difference / Math.abs(baseline)) * 100 : difference === 0 ? 0 : Infinity * Math.sign(difference);
    const worse = directionOf(metric) === "lower" ? difference > 0 : difference < 0;
    const verdict: RegressionVerdict = !worse
        ? "better or equal"
        : Math.abs(differencePct) <= tolerancePct
          ? "within tolerance"
          : Math.abs(difference) <= spread
            ? "within spread"
            : "regression";
    return { ...known, difference, differencePct, verdict };
}

const fmt = (x: number) => `${+x.toFixed(3)}`;
const signed = (x: number) => `${x >= 0 ? "+" : ""}${fmt(x)}`;

/** One regression as a line: the metric, both values, the difference and the tolerance (and the spread it exceeded). */
export function describeRegression(r: RegressionRow): string {
    const spread = r.spread > 0 ? `, beyond the measured spread ${fmt(r.spread)}` : "";
    const better = directionOf(r.metric) === "lower" ? "lower is better" : "higher is better";
    return `${r.where}: ${r.metric} regressed from ${fmt(r.baseline!)} (baseline) to ${fmt(r.current!)}: ${signed(r.difference!)} (${signed(r.differencePct!)}%), tolerance ${fmt(r.tolerancePct)}% (${better})${spread}`;
}

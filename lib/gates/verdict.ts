// All gates together, over a stack's outputs (one benchmark, or every point of a
// sweep): the validity reasons, the SLO results and the baseline comparison, and
// which of them fail the run under gates.onInvalid and gates.onRegression (an
// SLO not met always fails: a limit that only records is a report, not a gate).
// Pure; the program (components/gates.ts) and `dynamo-bench gate` both call it.
import { RESULTS_COLLECTED } from "../outputs";
import type { Slo } from "./expressions";
import { comparePhases, describeRegression, type RegressionRow } from "./regression";
import type { PhaseFigures } from "./repeats";
import { describeSloFailure, judgeSlos, type SloResult } from "./slo";

/** The parts of stack outputs the gates read (lib/outputs.ts, lib/sweep/outputs.ts). */
export interface GatedOutputs {
    resultsStatus?: string;
    phases?: Record<string, PhaseFigures>;
    points?: Record<string, { resultsStatus?: string; phases?: Record<string, PhaseFigures> }>;
}

export interface GateSettings {
    onInvalid: "fail" | "record";
    slo: readonly Slo[];
    tolerances: Readonly<Record<string, number>>;
    onRegression: "fail" | "record";
}

export interface Baseline {
    /** What it is, for messages: "stack org/proj/base" or "file base.json". */
    label: string;
    outputs: GatedOutputs;
}

export type GateStatus = "pass" | "fail" | "not judged";

/** The `gates` stack output. */
export interface GatesVerdict {
    status: GateStatus;
    slo: SloResult[];
    regression?: { baseline: string; rows: RegressionRow[] };
    /** What fails `up` (and `dynamo-bench gate`). */
    failures: string[];
    /** Problems found under a `record` setting: kept, not failing. */
    recorded: string[];
}

/** A judged part of the outputs: the benchmark's phases, or one sweep point's, with the prefix its lines get. */
interface Unit {
    prefix: string;
    phases: Record<string, PhaseFigures>;
}

/** The parts that ran: the stack's own phases, or each collected sweep point's ("<point>/<phase>"). */
export function judgedUnits(outputs: GatedOutputs): Unit[] {
    if (outputs.points) {
        return Object.entries(outputs.points)
            .filter(([, p]) => p.resultsStatus === RESULTS_COLLECTED)
            .map(([id, p]) => ({ prefix: `${id}/`, phases: p.phases ?? {} }));
    }
    return outputs.resultsStatus === RESULTS_COLLECTED ? [{ prefix: "", phases: outputs.phases ?? {} }] : [];
}

export function judgeGates(outputs: GatedOutputs, invalidReasons: readonly string[], settings: GateSettings, baseline?: Baseline): GatesVerdict {
    const units = judgedUnits(outputs);
    if (units.length === 0) return { status: "not judged", slo: [], failures: [], recorded: [] };
    const slo = units.flatMap((u) => judgeSlos(u.phases, settings.slo, u.prefix));
    // A baseline without figures is a mistake of the setup, not a pass: it fails whatever onRegression says.
    const unusable = baseline ? baselineProblem(baseline) : undefined;
    const regression = baseline && !unusable ? compare(units, settings.tolerances, baseline) : undefined;
    const failures: string[] = unusable ? [`regression: ${unusable}`] : [];
    const recorded: string[] = [];
    (settings.onInvalid === "fail" ? failures : recorded).push(...invalidReasons.map((r) => `invalid: ${r}`));
    failures.push(...slo.filter((r) => !r.pass).map(describeSloFailure));
    if (regression) (settings.onRegression === "fail" ? failures : recorded).push(...regressionProblems(regression.rows, regression.baseline));
    return { status: failures.length > 0 ? "fail" : "pass", slo, ...(regression ? { regression } : {}), failures, recorded };
}

function compare(units: Unit[], tolerances: Readonly<Record<string, number>>, baseline: Baseline): { baseline: string; rows: RegressionRow[] } {
    const theirs = new Map(judgedUnits(baseline.outputs).map((u) => [u.prefix, u.phases]));
    const rows = units.flatMap((u) => comparePhases(u.phases, theirs.get(u.prefix) ?? {}, tolerances, u.prefix));
    return { baseline: baseline.label, rows };
}

function regressionProblems(rows: RegressionRow[], label: string): string[] {
    const regressions = rows.filter((r) => r.verdict === "regression").map((r) => `regression against ${label}: ${describeRegression(r)}`);
    // A comparison that compared nothing must not pass quietly (loads renamed, a baseline that never ran).
    if (rows.length > 0 && rows.every((r) => r.verdict === "not compared")) {
        return [...regressions, `regression: nothing could be compared with ${label}: ${rows[0]!.note}`];
    }
    return regressions;
}

/** Checks a baseline has figures at all; the message names where it came from. */
export function baselineProblem(baseline: Baseline): string | undefined {
    const units = judgedUnits(baseline.outputs);
    if (units.length > 0 && units.some((u) => Object.keys(u.phases).length > 0)) return undefined;
    const status = baseline.outputs.resultsStatus;
    return `the baseline ${baseline.label} has no figures (resultsStatus: ${status === undefined ? "none, not dynamo-bench stack outputs" : JSON.stringify(status)})`;
}

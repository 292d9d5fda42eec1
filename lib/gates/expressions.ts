// The gates' small texts, parsed strictly in one place for the stack config and
// the command line alike: an SLO "ttftMs.p99 <= 500" (optionally "in c8"), and a
// tolerance "10" or "10%" (percent of the baseline).
import { isMetric, unknownMetric } from "./metrics";

export const SLO_OPERATORS = ["<=", "<", ">=", ">"] as const;
export type SloOperator = (typeof SLO_OPERATORS)[number];

export interface Slo {
    metric: string;
    op: SloOperator;
    limit: number;
    /** Only this phase; every phase when unset. */
    phase?: string;
    /** The text as written, for messages. */
    text: string;
}

/** Percent, inclusive: a tolerance above 100 % could never catch a throughput drop and is a typo for a fraction or a wrong unit. */
export const TOLERANCE_RANGE = { min: 0, max: 100 } as const;

const SLO_FORM =
    /^\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:\s+in\s+([A-Za-z0-9][A-Za-z0-9_.-]*))?\s*$/;

export const SLO_EXAMPLE = `"ttftMs.p99 <= 500" or "outputTokenThroughputPerGpuTokPerS >= 800 in c8"`;

/** An SLO from its text, or what was expected instead (the caller adds what it got). */
export function parseSlo(text: string): { slo: Slo } | { error: string } {
    const m = SLO_FORM.exec(text);
    if (!m) return { error: `expected "<metric> <=|<|>=|> <number> [in <phase>]" such as ${SLO_EXAMPLE}` };
    const [, metric, op, limit, phase] = m;
    if (!isMetric(metric!)) return { error: `${unknownMetric()} before the operator; ${JSON.stringify(metric)} is not one` };
    return { slo: { metric: metric!, op: op as SloOperator, limit: Number(limit), ...(phase ? { phase } : {}), text: text.trim() } };
}

/** A tolerance in percent from a number or "N%", or what was expected instead. */
export function parseTolerance(value: unknown): { percent: number } | { error: string } {
    const text = typeof value === "string" ? value.trim().replace(/%$/, "") : value;
    const n = typeof text === "number" ? text : typeof text === "string" && /^[-+]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(n)) return { error: `expected a percentage such as 10 or "10%"` };
    if (n < TOLERANCE_RANGE.min || n > TOLERANCE_RANGE.max) return { error: `expected a percentage from ${TOLERANCE_RANGE.min} to ${TOLERANCE_RANGE.max}` };
    return { percent: n };
}

/** Does `value` meet the SLO? */
export function meets(value: number, slo: Pick<Slo, "op" | "limit">): boolean {
    switch (slo.op) {
        case "<=":
            return value <= slo.limit;
        case "<":
            return value < slo.limit;
        case ">=":
            return value >= slo.limit;
        case ">":
            return value > slo.limit;
    }
}

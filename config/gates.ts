// The `gates` section of the stack config: when a run counts (validity), the
// limits it must meet (SLOs) and how far it may fall behind a baseline
// (regression). Judged after the run by lib/gates; nothing here changes what
// runs, so the program keeps it out of the BenchmarkSpec and a changed gate
// judges the recorded figures again without re-running the benchmark.
import { z } from "zod";
import { parseSlo, parseTolerance, type Slo } from "../lib/gates/expressions";
import { COMPARABLE_METRICS, describeMetrics, isMetric, unknownMetric } from "../lib/gates/metrics";

const onVerdict = z.enum(["fail", "record"]);

const sloSchema = z.string().transform((text, ctx): Slo => {
    const parsed = parseSlo(text);
    if ("slo" in parsed) return parsed.slo;
    ctx.addIssue({ code: "custom", message: parsed.error, input: text });
    return z.NEVER;
});

const percentSchema = z.union([z.number(), z.string()]).transform((value, ctx): number => {
    const parsed = parseTolerance(value);
    if ("percent" in parsed) return parsed.percent;
    ctx.addIssue({ code: "custom", message: parsed.error, input: value });
    return z.NEVER;
});

export const baselineSchema = z
    .strictObject({
        /** Another stack's outputs, read through a Pulumi StackReference: "<org>/<project>/<stack>" (or the stack's name in the same project). */
        stack: z.string().min(1).optional(),
        /** A file of `pulumi stack output --json`, relative to the project folder. */
        file: z.string().min(1).optional(),
    })
    .refine((b) => (b.stack === undefined) !== (b.file === undefined), { message: "expected exactly one of stack and file" });

export const gatesSchema = z
    .strictObject({
        /** Failed requests / all requests a valid phase may have, 0..1. */
        maxErrorRate: z.number().min(0).max(1).default(0),
        /** With fixed output lengths (outputTokensStddev 0): how far, in percent, a request's output may be from outputTokens. */
        outputTokensTolerance: percentSchema.default(5),
        onInvalid: onVerdict.default("fail"),
        /** Limits every phase (or the phase named after "in") must meet. */
        slo: z.array(sloSchema).default([]),
        baseline: baselineSchema.optional(),
        /** Metric -> how much worse than the baseline it may get, in percent. */
        tolerances: z.record(z.string(), percentSchema).default({}),
        onRegression: onVerdict.default("fail"),
    })
    .superRefine((gates, ctx) => {
        for (const metric of Object.keys(gates.tolerances)) {
            if (!isMetric(metric)) ctx.addIssue({ code: "custom", path: ["tolerances", metric], message: unknownMetric(), input: metric });
            else if (!COMPARABLE_METRICS.includes(metric)) {
                const message = `expected a metric with a better direction (${describeMetrics(COMPARABLE_METRICS)})`;
                ctx.addIssue({ code: "custom", path: ["tolerances", metric], message, input: metric });
            }
        }
        const tolerances = Object.keys(gates.tolerances).length;
        if (tolerances > 0 && !gates.baseline) {
            const message = "expected gates.baseline (stack or file) to compare with, since gates.tolerances is set";
            ctx.addIssue({ code: "custom", path: ["baseline"], message, input: undefined });
        }
        if (tolerances === 0 && gates.baseline) {
            const message = 'expected at least one metric to compare with the baseline, such as { "ttftMs.p99": 10 }';
            ctx.addIssue({ code: "custom", path: ["tolerances"], message, input: {} });
        }
    });

/**
 * benchmark.goodput: per-request limits in ms; the client counts a request as
 * good when it meets all of them and reports goodputReqPerS (AIPerf's and
 * genai-perf's --goodput), which an SLO can then bound. Unlike `gates`, this
 * changes what the client measures, so it is part of the benchmark.
 */
export const goodputSchema = z.strictObject({
    ttftMs: z.number().positive().optional(),
    itlMs: z.number().positive().optional(),
    requestLatencyMs: z.number().positive().optional(),
});

/** The client's metric tag for each goodput limit. */
const GOODPUT_TAGS: Record<keyof z.output<typeof goodputSchema>, string> = {
    ttftMs: "time_to_first_token",
    itlMs: "inter_token_latency",
    requestLatencyMs: "request_latency",
};

/** `--goodput "time_to_first_token:500 inter_token_latency:20"`, or nothing without limits. */
export function goodputArgs(goodput: z.output<typeof goodputSchema> | undefined): string[] {
    const pairs = Object.entries(goodput ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${GOODPUT_TAGS[k as keyof typeof GOODPUT_TAGS]}:${v}`);
    return pairs.length > 0 ? ["--goodput", pairs.join(" ")] : [];
}

export type GatesSpec = z.output<typeof gatesSchema>;
export type BaselineSpec = z.output<typeof baselineSchema>;

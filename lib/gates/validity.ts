// The validity gate: does a phase's figures show the run the spec asked for?
// A run that errored, stopped short, cut its outputs, measured nothing or (when
// streaming) no first token is not a benchmark result, however good its
// numbers look. Pure; the reasons name the figure, its value and the limit.
import type { StackOutputs } from "../results/outputs";
import type { PhaseFigures } from "./repeats";

/** What a phase asked of the client (config/resolve.ts ResolvedPhase). */
export interface PhaseAsk {
    requestCount: number;
    outputTokens: number;
    outputTokensStddev: number;
    /** The phase's streaming: a streamed response has a first token to time. */
    streaming: boolean;
    /** benchmark.repeats: runs of the phase. */
    repeats: number;
}

export interface ValidityRules {
    /** gates.maxErrorRate, 0..1. */
    maxErrorRate: number;
    /** gates.outputTokensTolerance, percent. */
    outputTokensTolerance: number;
}

const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;
const num = (x: number) => `${+x.toFixed(3)}`;

/** Why one run's figures are not a valid result; empty when they are. */
export function runProblems(figures: StackOutputs, asked: PhaseAsk, rules: ValidityRules): string[] {
    if (Object.keys(figures).length === 0) return ["no figures were collected"];
    return [...requestProblems(figures, asked, rules), ...lengthProblems(figures, asked, rules), ...measureProblems(figures, asked)];
}

function requestProblems(f: StackOutputs, asked: PhaseAsk, rules: ValidityRules): string[] {
    const problems: string[] = [];
    const completed = f.requestCount ?? 0;
    const failed = f.errorCount;
    if (failed !== undefined && failed > 0) {
        const rate = failed / (completed + failed);
        if (rate > rules.maxErrorRate) {
            problems.push(`${num(failed)} of ${num(completed + failed)} requests failed (${pct(rate)}), above gates.maxErrorRate ${rules.maxErrorRate}`);
        }
    }
    // Failed requests are the error gate's business; here: requests that neither completed nor failed.
    if (completed + (failed ?? 0) < asked.requestCount) {
        const errors = failed === undefined ? " (the client reports no error count)" : failed > 0 ? ` and ${num(failed)} failed` : "";
        problems.push(`${num(completed)} requests completed${errors} of the ${asked.requestCount} asked (benchmark.requestCount)`);
    }
    return problems;
}

/** With a fixed output length (stddev 0, max_tokens and ignore_eos sent), every request must produce it. */
function lengthProblems(f: StackOutputs, asked: PhaseAsk, rules: ValidityRules): string[] {
    const osl = f.outputSequenceLengthTokens;
    if (asked.outputTokensStddev !== 0 || osl?.avg === undefined) return [];
    const bound = (asked.outputTokens * rules.outputTokensTolerance) / 100;
    const shortest = osl.min ?? osl.avg;
    const longest = osl.max ?? osl.avg;
    const limit = `asked ${asked.outputTokens} per request (benchmark.outputTokens, gates.outputTokensTolerance ${rules.outputTokensTolerance}%)`;
    const problems: string[] = [];
    if (shortest < asked.outputTokens - bound) problems.push(`output tokens per request as low as ${num(shortest)} (avg ${num(osl.avg)}), ${limit}`);
    if (longest > asked.outputTokens + bound) problems.push(`output tokens per request as high as ${num(longest)} (avg ${num(osl.avg)}), ${limit}`);
    return problems;
}

function measureProblems(f: StackOutputs, asked: PhaseAsk): string[] {
    const problems: string[] = [];
    const throughput = f.outputTokenThroughputTokPerS;
    if (throughput === undefined) problems.push("no output token throughput was measured");
    else if (throughput <= 0) problems.push(`output token throughput is ${num(throughput)} tok/s`);
    if (f.benchmarkDurationS !== undefined && f.benchmarkDurationS <= 0) problems.push(`the measured duration is ${num(f.benchmarkDurationS)} s`);
    if (asked.streaming && !(f.ttftMs?.avg !== undefined && f.ttftMs.avg > 0)) {
        problems.push("a streaming run without a time to first token (ttftMs)");
    }
    return problems;
}

/**
 * Every problem of the phases, each prefixed with where it is: "c8: ...", or
 * "c8 run 2: ..." when the phase was repeated (every run must be valid; the
 * mean of a broken run and good ones is not a result). A phase the spec asked
 * for and the figures lack is a problem too.
 */
export function phasesProblems(phases: Record<string, PhaseFigures>, asked: Record<string, PhaseAsk>, rules: ValidityRules, prefix = ""): string[] {
    return Object.entries(asked).flatMap(([name, ask]) => {
        const figures = phases[name];
        if (figures === undefined) return [`${prefix}${name}: no figures were collected`];
        const runs = figures.repeats?.runs ?? [figures];
        const missing = runs.length < ask.repeats ? [`${prefix}${name}: ${runs.length} of the ${ask.repeats} runs have figures (benchmark.repeats)`] : [];
        const where = (i: number) => `${prefix}${name}${runs.length > 1 ? ` run ${i + 1}` : ""}`;
        return [...missing, ...runs.flatMap((run, i) => runProblems(run, ask, rules).map((p) => `${where(i)}: ${p}`))];
    });
}

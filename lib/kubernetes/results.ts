// From the export files a benchmark Job printed to the results summary the
// stack outputs carry: one summary per phase, through lib/results.
import { phaseResult, summarizeExports, type PhaseResult, type ToolName } from "../results";
import { ACCURACY_FILE, parseAccuracyCsv } from "../results/accuracy";
import type { ExportFile, PhaseRef } from "./collect";

export interface CollectedResults {
    schema: "dynamo-bench/k8s-results@1";
    tool?: ToolName;
    gpus?: number;
    phases: PhaseResult[];
}

/**
 * Summarizes each phase's files. Phases come in the expected order; with no
 * expectation, in the order the log printed them.
 */
export function summarizeCollected(files: readonly ExportFile[], phases: readonly PhaseRef[], ctx: { tool?: ToolName; gpus?: number } = {}): CollectedResults {
    const order: PhaseRef[] = phases.length > 0 ? [...phases] : [...new Set(files.map((f) => f.phase))].map((name) => ({ name }));
    return {
        schema: "dynamo-bench/k8s-results@1",
        ...(ctx.tool ? { tool: ctx.tool } : {}),
        ...(ctx.gpus ? { gpus: ctx.gpus } : {}),
        phases: order.map((phase) => {
            const mine = files.filter((f) => f.phase === phase.name).map(({ name, content }) => ({ name, content }));
            const own = mine.filter((f) => f.name !== ACCURACY_FILE);
            const summary = summarizeExports(own, {
                phase: phase.name,
                ...(ctx.tool ? { tool: ctx.tool } : {}),
                ...(ctx.gpus ? { gpus: ctx.gpus } : {}),
                ...(phase.concurrency ? { concurrency: phase.concurrency } : {}),
            });
            // An accuracy phase's scores, next to its figures as on the other targets.
            const scores = mine.find((f) => f.name === ACCURACY_FILE);
            return phaseResult(phase.name, summary, phase.concurrency, scores ? parseAccuracyCsv(scores.content, `${phase.name}/${ACCURACY_FILE}`) : undefined);
        }),
    };
}

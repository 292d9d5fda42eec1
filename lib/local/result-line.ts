// Reads the one result line `dynamo-bench local-run` prints on stdout, so the
// LocalBenchmark component can turn it into stack outputs.
import type { StackOutputs } from "../results";

export const RESULT_MARKER = "DYNAMO_BENCH_RESULT";

export interface LocalRunResultLine {
    ok: boolean;
    runId?: string;
    runDir?: string;
    phases?: Array<{ name: string; artifactDir: string; outputs?: StackOutputs; summaryError?: string }>;
    timings?: Record<string, unknown>;
    error?: { kind: string; message: string };
}

export interface LocalResults {
    runId: string;
    runDir: string;
    /** Stack outputs per phase name. */
    phases: Record<string, StackOutputs>;
    timings: Record<string, unknown>;
}

/** The last marker line of the command's stdout; anything else there is ignored. */
export function parseLocalRunStdout(stdout: string): LocalResults {
    const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(`${RESULT_MARKER} `));
    if (!line) throw new Error(`local-run printed no ${RESULT_MARKER} line; its output was:\n${stdout.slice(-2000)}`);
    const result = JSON.parse(line.slice(RESULT_MARKER.length + 1)) as LocalRunResultLine;
    if (!result.ok) throw new Error(`local run failed (${result.error?.kind}): ${result.error?.message}`);
    const phases: Record<string, StackOutputs> = {};
    const unreadable: string[] = [];
    for (const phase of result.phases ?? []) {
        if (phase.outputs) phases[phase.name] = phase.outputs;
        else unreadable.push(`${phase.name}: ${phase.summaryError ?? "no exports"} (${phase.artifactDir})`);
    }
    // A phase without numbers is a failed benchmark, not an empty result.
    if (unreadable.length > 0) throw new Error(`benchmark exports could not be read:\n  ${unreadable.join("\n  ")}`);
    return { runId: result.runId ?? "", runDir: result.runDir ?? "", phases, timings: result.timings ?? {} };
}

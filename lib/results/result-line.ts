// The one protocol between the `dynamo-bench` commands a target runs
// (local-run, k8s-collect, slurm-wait) and the target's component: the last
// stdout line `DYNAMO_BENCH_RESULT <json>`. Progress and tool chatter may share
// stdout, so the marker, not the whole stream, delimits the document.
import type { StackOutputs } from "./outputs";

export const RESULT_MARKER = "DYNAMO_BENCH_RESULT";

/** What every result line holds; each command adds its own fields (run folder, job id, timings...). */
export interface ResultLine {
    ok: boolean;
    phases?: Array<{ name: string; outputs?: StackOutputs; summaryError?: string; artifactDir?: string }>;
    timings?: unknown;
    error?: { kind: string; message: string };
}

/** The line a command prints last on stdout. */
export function formatResultLine(result: ResultLine): string {
    return `${RESULT_MARKER} ${JSON.stringify(result)}\n`;
}

/**
 * The last marker line of a command's stdout. Throws when there is none, when
 * the command reported a failure, or when a phase has no figures: a phase
 * without numbers is a failed benchmark, not an empty result.
 */
export function parseResultLine<T extends ResultLine = ResultLine>(stdout: string, command: string): T {
    const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(`${RESULT_MARKER} `));
    if (!line) throw new Error(`${command} printed no ${RESULT_MARKER} line; its output was:\n${stdout.slice(-2000)}`);
    const result = readLine<T>(line.slice(RESULT_MARKER.length + 1), command);
    if (!result.ok) throw new Error(`${command} failed (${result.error?.kind ?? "unknown"}): ${result.error?.message ?? "no reason given"}`);
    const unreadable = (result.phases ?? [])
        .filter((p) => !p.outputs)
        .map((p) => `${p.name}: ${p.summaryError ?? "no exports"}${p.artifactDir ? ` (${p.artifactDir})` : ""}`);
    if (unreadable.length > 0) throw new Error(`benchmark exports could not be read:\n  ${unreadable.join("\n  ")}`);
    return result;
}

/** The marker line's document, checked for the fields read here; a cut-off or corrupted line is one error naming the command. */
function readLine<T extends ResultLine>(json: string, command: string): T {
    const bad = (why: string) => new Error(`${command} printed a ${RESULT_MARKER} line that ${why} (cut off or corrupted output?): ${json.slice(0, 300)}`);
    let doc: unknown;
    try {
        doc = JSON.parse(json);
    } catch (e) {
        throw bad(`is not valid JSON (${(e as Error).message})`);
    }
    const r = doc as Partial<ResultLine> | null;
    if (typeof r !== "object" || r === null || Array.isArray(r) || typeof r.ok !== "boolean") throw bad("has no ok field");
    if (r.phases !== undefined) {
        if (!Array.isArray(r.phases)) throw bad("has a phases field that is not a list");
        for (const [i, p] of r.phases.entries()) {
            if (typeof p !== "object" || p === null || typeof p.name !== "string") throw bad(`has a phases[${i}] without a name`);
            if (p.outputs !== undefined && (typeof p.outputs !== "object" || p.outputs === null || Array.isArray(p.outputs)))
                throw bad(`has phases[${i}].outputs that are not an object`);
        }
    }
    if (r.error !== undefined && (typeof r.error !== "object" || r.error === null)) throw bad("has an error field that is not an object");
    return r as T;
}

/** Per-phase figures keyed by phase name, the shape of the `phases` stack output. */
export function phaseFigures(result: ResultLine): Record<string, StackOutputs> {
    return Object.fromEntries((result.phases ?? []).map((p) => [p.name, p.outputs ?? {}]));
}

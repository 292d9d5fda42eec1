// A sweep job's results, point by point: SWEEP.tsv (written by sweep.sh) says
// how each point ended; a point that succeeded is summarized exactly like a job
// of its own (collectResults), one that failed keeps its reason and the log
// tail of its failure marker, and the other points keep their figures.
import * as fs from "node:fs";
import * as path from "node:path";
import { isResultsError, type ToolName } from "../results";
import { collectResults, firstRequestOfRun, localPath, parseSuccessMarker, type SlurmResults } from "./results";
import type { SweepManifest } from "./sweep-render";

export type SweepPointStatus = "ok" | "failed" | "not run";

/** One line of SWEEP.tsv. */
export interface SweepOutcomeRow {
    id: string;
    status: SweepPointStatus;
    /** Wall clock (ns) when sweep.sh started the point, when its batch script exited, and when nothing of it was left. */
    startNs?: number;
    endNs?: number;
    clearNs?: number;
    reason: string;
}

const STATUSES: readonly string[] = ["ok", "failed", "not run"];

export function parseSweepOutcome(text: string): SweepOutcomeRow[] {
    const [header, ...lines] = text.split("\n").filter((l) => l.length > 0);
    if (header !== "id\tstatus\tstartNs\tendNs\tclearNs\treason") throw new Error(`SWEEP.tsv has an unexpected header: ${header?.slice(0, 200)}`);
    const ns = (v: string | undefined) => (v && /^[0-9]+$/.test(v) ? Number(v) : undefined);
    return lines.map((line) => {
        const [id, status, start, end, clear, ...reason] = line.split("\t");
        if (!id || !status || !STATUSES.includes(status)) throw new Error(`SWEEP.tsv has an unexpected line: ${line.slice(0, 200)}`);
        return { id, status: status as SweepPointStatus, startNs: ns(start), endNs: ns(end), clearNs: ns(clear), reason: reason.join("\t") };
    });
}

export interface SweepPointResult {
    id: string;
    status: SweepPointStatus;
    /** Why a point failed or did not run. */
    reason?: string;
    /** The point's FAILURE marker: reason, state, then the last lines of the logs that explain it. */
    failure?: string;
    /** A point that succeeded: its figures and timings, as a job of its own reports them. */
    results?: SlurmResults;
    /** The previous point's end (its batch script exited, its processes stopped) until this point's first request: what reusing the allocation costs. */
    previousPointToFirstRequestSeconds?: number;
}

export interface SlurmSweepResults {
    schema: "dynamo-bench/slurm-sweep-results@1";
    jobId: string;
    jobName: string;
    runDir: string;
    points: SweepPointResult[];
}

export interface SweepCollectContext {
    jobId: string;
    /** The run folder on the cluster, and where this machine reads it (the same folder for a local login node). */
    runDir: string;
    localRunDir: string;
    tool?: ToolName;
}

/** A failure marker longer than this is cut from the front: the reason stays, the oldest log lines go. */
const MAX_FAILURE_CHARS = 6000;

/** Every point of the manifest, in order, from the outcome sweep.sh wrote. */
export async function collectSweep(manifest: SweepManifest, outcome: readonly SweepOutcomeRow[], ctx: SweepCollectContext): Promise<SlurmSweepResults> {
    const local = (dir: string) => localPath(ctx, dir);
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    const points: SweepPointResult[] = [];
    let previousEndNs: number | undefined;
    for (const point of manifest.points) {
        const row = outcome.find((r) => r.id === point.id);
        const dir = local(point.runDir);
        const failure = read(path.join(dir, "FAILURE"));
        const failed = (reason: string): SweepPointResult => ({
            id: point.id,
            status: "failed",
            reason,
            ...(failure ? { failure: cut(failure) } : {}),
        });
        let result: SweepPointResult;
        if (!row || row.status === "not run") {
            result = { id: point.id, status: "not run", reason: row?.reason || "the sweep job ended before this point" };
        } else if (row.status === "failed") {
            result = failed(row.reason);
        } else {
            const marker = read(path.join(dir, "SUCCESS.json"));
            if (!marker) result = failed(`sweep.sh reported it ok but ${point.runDir}/SUCCESS.json is missing`);
            else result = await summarize(point, marker, ctx, failed, previousEndNs);
        }
        points.push(result);
        previousEndNs = row?.endNs;
    }
    return { schema: "dynamo-bench/slurm-sweep-results@1", jobId: ctx.jobId, jobName: manifest.jobName, runDir: ctx.runDir, points };
}

async function summarize(
    point: SweepManifest["points"][number],
    markerText: string,
    ctx: SweepCollectContext,
    failed: (reason: string) => SweepPointResult,
    previousEndNs: number | undefined,
): Promise<SweepPointResult> {
    const localRunDir = localPath(ctx, point.runDir);
    const concurrency = Object.fromEntries(point.phases.filter((p) => p.concurrency !== undefined).map((p) => [p.name, p.concurrency!]));
    let results: SlurmResults;
    try {
        results = await collectResults(markerText, { localRunDir, runDir: point.runDir, tool: ctx.tool, gpus: point.gpus, concurrency });
    } catch (e) {
        if (isResultsError(e)) return failed(`the point succeeded but its exports could not be read: ${(e as Error).message}`);
        throw e;
    }
    const first = firstRequestOfRun(parseSuccessMarker(markerText), (dir) => localPath({ localRunDir, runDir: point.runDir }, dir));
    const gap = previousEndNs === undefined || first === undefined ? undefined : Math.round((Number(first) - previousEndNs) / 1e6) / 1e3;
    return { id: point.id, status: "ok", results: { ...results, jobId: ctx.jobId }, ...(gap === undefined ? {} : { previousPointToFirstRequestSeconds: gap }) };
}

function cut(text: string): string {
    if (text.length <= MAX_FAILURE_CHARS) return text;
    const firstLine = text.split("\n", 1)[0]!;
    return `${firstLine}\n(... cut ...)\n${text.slice(-(MAX_FAILURE_CHARS - firstLine.length))}`;
}

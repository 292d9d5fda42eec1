// `dynamo-bench slurm-wait --sweep`: the end of a sweep job (slurm.sweepJob).
// Every point is reported on its own: the result line carries each point's
// figures, or its reason and log tail, so one failed point does not cost the
// others their figures. Only a job in which no point collected fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatResultLine } from "../lib/results";
import { SWEEP_MANIFEST, type SweepManifest } from "../lib/slurm/sweep-render";
import { collectSweep, parseSweepOutcome, type SweepPointResult } from "../lib/slurm/sweep-results";
import type { Transport } from "../lib/slurm/transport";
import type { SlurmWaitIo, SlurmWaitOptions } from "./slurm-wait";

const RERUN_HINT =
    "To run the sweep again: change slurm.runTag (a new run folder), or `pulumi up --replace` the stack's <name>-job resource; a sweep job always runs every point.";

export async function reportSweep(o: SlurmWaitOptions, t: Transport, io: SlurmWaitIo, jobId: string, outcomeText: string): Promise<number> {
    const localRunDir = o.ssh ? await t.fetchDir(o.runDir, o.fetchTo!) : o.runDir;
    const manifestFile = path.join(localRunDir, SWEEP_MANIFEST);
    if (!fs.existsSync(manifestFile)) throw new Error(`${o.runDir}/${SWEEP_MANIFEST} is missing: is ${o.runDir} the run folder of a sweep job?`);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as SweepManifest;
    const results = await collectSweep(manifest, parseSweepOutcome(outcomeText), { jobId, runDir: o.runDir, localRunDir, tool: o.tool });
    results.points.forEach((p, i) => io.progress(`point ${i + 1}/${results.points.length} ${describe(p)}`));
    if (!results.points.some((p) => p.status === "ok")) {
        const why = results.points.map((p) => `${p.id}: ${p.status}: ${p.reason ?? ""}${p.failure ? `\n${p.failure}` : ""}`).join("\n");
        io.stderr(`dynamo-bench slurm-wait: FAILED: no point of sweep job ${jobId} collected figures:\n${why}\n${RERUN_HINT}\n`);
        return 1;
    }
    io.stdout(formatResultLine({ ok: true, ...results }));
    return 0;
}

function describe(p: SweepPointResult): string {
    if (p.status !== "ok") return `${p.id}: ${p.status}: ${p.reason ?? ""}${p.failure ? `\n${p.failure}` : ""}`;
    const t = p.results?.timings;
    const gap = p.previousPointToFirstRequestSeconds === undefined ? "" : `; previous point's end -> first request ${p.previousPointToFirstRequestSeconds}s`;
    return `${p.id}: collected ${p.results?.phases.length ?? 0} phase(s); last worker registered -> first request ${t?.lastWorkerToFirstRequestSeconds ?? "?"}s${gap}`;
}

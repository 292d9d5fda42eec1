// Renders a whole sweep into one Slurm job (slurm.sweepJob): each point is
// rendered exactly as a job of its own (renderJob) into points/<id>/ of the
// sweep's run folder, which holds the scripts and secrets every point shares,
// the sweep's job.env (read by sweep.sh and submit.sh) and points.json (read
// by `dynamo-bench slurm-wait --sweep`). Pure.
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { assign, assignArray } from "../shell-quote";
import { jobNameFor, pointBoundSeconds, sbatchArgsFor, sweepTimeLimit } from "./job-args";
import { JOB_SCRIPTS, loadScripts, renderJob, WAIT_MARGIN_SECONDS, type RenderedFile, type RenderedJob, type SlurmScripts } from "./render";

export interface SweepJobPoint {
    id: string;
    spec: BenchmarkSpec;
}

export interface RenderedSweepPoint {
    id: string;
    /** points/<id> of the sweep's run folder: the point's job.env, logs, exports and markers. */
    runDir: string;
    job: RenderedJob;
    /** How long sweep.sh lets the point run before stopping it. */
    boundSeconds: number;
}

/** What lib/slurm/render.ts gives for one benchmark, for the whole sweep. */
export interface RenderedSweepJob extends Omit<RenderedJob, "namespace" | "frontendPort" | "plan" | "phases"> {
    /** The largest point's node count: the allocation every point runs in. */
    nodeCount: number;
    points: RenderedSweepPoint[];
}

/** points.json: what slurm-wait needs to summarize each point. */
export interface SweepManifest {
    format: 1;
    jobName: string;
    points: Array<{ id: string; runDir: string; gpus: number; phases: Array<{ name: string; concurrency?: number }> }>;
}

export const SWEEP_MANIFEST = "points.json";
export const SWEEP_OUTCOME = "SWEEP.tsv";

/**
 * The sweep job. `name` is the sweep's (a point's benchmark is `<name>-<id>`). The
 * slurm section is the same in every point (it cannot be swept), so the first
 * point's says how the job is submitted.
 */
export function renderSweepJob(name: string, points: readonly SweepJobPoint[], options: { scripts?: SlurmScripts } = {}): RenderedSweepJob {
    const first = points[0]?.spec;
    if (!first) throw new Error("renderSweepJob: a sweep job needs at least one point");
    const s = first.slurm;
    if (!s.outputDir) throw new Error("slurm.outputDir is required for target slurm");
    const scripts = options.scripts ?? loadScripts();
    const jobName = jobNameFor({ stack: first.stack, name, slurm: s });
    const shipped = [...JOB_SCRIPTS, "sweep.sh"] as const;
    const runId = createHash("sha256")
        .update(JSON.stringify({ format: 1, sweep: points.map((p) => ({ id: p.id, spec: p.spec })), scripts: shipped.map((n) => scripts[n]) }))
        .digest("hex")
        .slice(0, 12);
    const runDir = path.posix.join(s.outputDir, jobName, runId);
    const limit = sweepTimeLimit(points.map((p) => p.spec));
    const rendered = points.map((p): RenderedSweepPoint => {
        const pointDir = path.posix.join(runDir, "points", p.id);
        const job = renderJob(p.spec, { scripts, point: { runDir: pointDir, jobDir: runDir, limit } });
        return { id: p.id, runDir: pointDir, job, boundSeconds: pointBoundSeconds(p.spec) };
    });
    const explicitNodes = [...new Set(rendered.flatMap((p) => p.job.plan.explicitNodes))];
    const nodeCount = Math.max(explicitNodes.length, ...rendered.map((p) => p.job.plan.nodeCount));
    const sbatchArgs = sbatchArgsFor(first, { jobName, runDir, plan: { nodeCount, explicitNodes }, limit });
    const manifest: SweepManifest = {
        format: 1,
        jobName,
        points: rendered.map((p, i) => ({
            id: p.id,
            runDir: p.runDir,
            gpus: points[i]!.spec.totalWorkerGpus,
            phases: p.job.phases.map((ph) => (ph.concurrency === undefined ? { name: ph.name } : { name: ph.name, concurrency: ph.concurrency })),
        })),
    };
    const env = [
        `# dynamo-bench ${jobName}, run ${runId}: a sweep of ${points.length} points in one job.`,
        "# Generated; sourced by sweep.sh and submit.sh (bash). Every value is single-quoted.",
        assign("FORMAT", 1),
        assign("JOB_NAME", jobName),
        assign("RUN_ID", runId),
        assign("RUN_DIR", runDir),
        assign("JOB_DIR", runDir),
        assign("BATCH_SCRIPT", "sweep.sh"),
        assignArray("SBATCH_ARGS", sbatchArgs),
        assign("TIME_LIMIT", limit.timeLimit),
        assign("TIME_LIMIT_WARNING", limit.warningSeconds),
        assign("STOP_GRACE", s.stopGraceSeconds),
        "# points, in order: id, folder (its job.env, logs, exports), bound in seconds, frontend port",
        assignArray(
            "POINT_IDS",
            rendered.map((p) => p.id),
        ),
        assignArray(
            "POINT_DIRS",
            rendered.map((p) => p.runDir),
        ),
        assignArray(
            "POINT_BOUNDS",
            rendered.map((p) => p.boundSeconds),
        ),
        assignArray(
            "POINT_FRONTEND_PORTS",
            rendered.map((p) => p.job.frontendPort),
        ),
    ];
    const files: RenderedFile[] = [
        { name: "job.env", content: `${env.join("\n")}\n`, mode: "0644" },
        ...shipped.map((n): RenderedFile => ({ name: n, content: scripts[n], mode: "0755" })),
        { name: SWEEP_MANIFEST, content: `${JSON.stringify(manifest, null, 2)}\n`, mode: "0644" },
        // Each point's own files (job.env, engine configs); the scripts are the sweep's.
        ...rendered.flatMap((p) =>
            p.job.files
                .filter((f) => !(JOB_SCRIPTS as readonly string[]).includes(f.name))
                .map((f): RenderedFile => ({ ...f, name: path.posix.join("points", p.id, f.name) })),
        ),
    ];
    return {
        jobName,
        runId,
        runDir,
        nodeCount,
        sbatchArgs,
        batchScript: "sweep.sh",
        files,
        points: rendered,
        timeLimit: limit.timeLimit,
        timeLimitSeconds: limit.seconds,
        waitTimeoutSeconds: s.maxPendingSeconds + limit.seconds + WAIT_MARGIN_SECONDS,
        loginEnv: s.login.env,
    };
}

// Renders one benchmark run into the files a Slurm login node needs: the
// generated env file (every value single-quoted) next to copies of the static
// scripts, plus the sbatch argv and the few login-node command lines. Pure.
// The parts: job-args.ts (sbatch, srun, time limit), job-env.ts (job.env),
// scripts.ts (the static scripts), login-commands.ts (stage, submit, cancel, wait).
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { DEFAULT_FRONTEND_PORT } from "../dynamo/ports";
import { namespaceFor, workerFiles } from "./commands";
import { jobNameFor, jobTimeLimit, sbatchArgsFor, srunArgsFor, type JobTimeLimit } from "./job-args";
import { renderJobEnv } from "./job-env";
import { planJob, type JobPlan } from "./plan";
import { JOB_SCRIPTS, loadScripts, type JobScripts } from "./scripts";

export { jobNameFor, literalFilename } from "./job-args";
export { cancelCommand, cancelRunCommand, sbatchCommandLine, stageCommand, submitCommand, sweepWaitCommandArgs, waitCommandArgs } from "./login-commands";
export { JOB_SCRIPTS, loadScripts, SCRIPT_NAMES, SCRIPTS_DIR, type JobScripts, type ScriptName, type SlurmScripts } from "./scripts";

export interface RenderedFile {
    name: string;
    content: string;
    /** Octal file mode. */
    mode: "0755" | "0644" | "0600";
}

export interface RenderedPhase {
    name: string;
    /** Artifact folder on the cluster. */
    dir: string;
    /** Absent for a request-rate phase. */
    concurrency?: number;
}

export interface RenderedJob {
    jobName: string;
    /** Content hash of the spec and the scripts: a changed config or script is a new run. */
    runId: string;
    runDir: string;
    namespace: string;
    frontendPort: number;
    plan: JobPlan;
    sbatchArgs: string[];
    /** What sbatch runs (submit.sh reads it from job.env as BATCH_SCRIPT). */
    batchScript: "batch.sh" | "sweep.sh";
    /** job.env and the static scripts, to be written into runDir. */
    files: RenderedFile[];
    phases: RenderedPhase[];
    timeLimit: string;
    timeLimitSeconds: number;
    /** Upper bound for waiting on the job from submit: queue time plus the time limit plus a margin. */
    waitTimeoutSeconds: number;
    /** Environment prefix of every login-node command (login.env). */
    loginEnv: Record<string, string>;
}

export const MARKERS = { failure: "FAILURE", success: "SUCCESS.json", jobId: "job-id", state: "state" } as const;

/** Waiting on a job allows for fetching and summarizing on top of queue time and time limit. */
export const WAIT_MARGIN_SECONDS = 120;

export interface RenderOptions {
    scripts?: JobScripts;
    /**
     * A point of a sweep job (lib/slurm/sweep-render.ts): its own folder inside the sweep's run folder,
     * which holds the scripts and secrets all points share.
     */
    point?: { runDir: string; jobDir: string; limit: JobTimeLimit };
}

export function renderJob(spec: BenchmarkSpec, options: RenderOptions = {}): RenderedJob {
    const s = spec.slurm;
    if (!s.outputDir) throw new Error("slurm.outputDir is required for target slurm");
    const scripts = options.scripts ?? loadScripts();
    const jobName = jobNameFor(spec);
    const runId = createHash("sha256")
        .update(JSON.stringify({ format: 1, spec, scripts: JOB_SCRIPTS.map((n) => scripts[n]) }))
        .digest("hex")
        .slice(0, 12);
    const runDir = options.point?.runDir ?? path.posix.join(s.outputDir, jobName, runId);
    const namespace = namespaceFor(runId);
    const frontendPort = spec.frontend.port ?? DEFAULT_FRONTEND_PORT;
    const plan = planJob({ gpusPerNode: spec.gpusPerNode, decode: spec.decode, prefill: spec.prefill, topology: s.topology });
    const limit = options.point?.limit ?? jobTimeLimit(spec);
    const sbatchArgs = sbatchArgsFor(spec, { jobName, runDir, plan, limit });
    // The shared folder holds node.sh: a pyxis container mounts it (a point's folder lies inside).
    const jobDir = options.point?.jobDir ?? runDir;
    const srunArgs = srunArgsFor(spec, jobName, jobDir);
    const phases: RenderedPhase[] = spec.phases.map((p) => ({ name: p.name, dir: path.posix.join(runDir, "exports", p.name), concurrency: p.concurrency }));
    const jobEnv = renderJobEnv(spec, { jobName, runId, runDir, jobDir, namespace, frontendPort, plan, limit, sbatchArgs, srunArgs, phases });
    const files: RenderedFile[] = [
        { name: "job.env", content: jobEnv, mode: "0644" },
        ...JOB_SCRIPTS.map((n): RenderedFile => ({ name: n, content: scripts[n], mode: "0755" })),
        ...workerFiles({ spec, runDir, namespace, frontendPort }, plan.instances).map((f): RenderedFile => ({ ...f, mode: "0644" })),
    ];
    return {
        jobName,
        runId,
        runDir,
        namespace,
        frontendPort,
        plan,
        sbatchArgs,
        batchScript: "batch.sh",
        files,
        phases,
        timeLimit: limit.timeLimit,
        timeLimitSeconds: limit.seconds,
        waitTimeoutSeconds: s.maxPendingSeconds + limit.seconds + WAIT_MARGIN_SECONDS,
        loginEnv: s.login.env,
    };
}

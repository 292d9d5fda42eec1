// The command lines run on the login node (locally or over SSH) for a rendered
// run: stage a file, submit, cancel, and the arguments of the local wait.
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { shJoin, shq } from "../shell-quote";

/** The parts of a rendered job these commands need (lib/slurm/render.ts RenderedJob). */
interface JobRef {
    jobName: string;
    runDir: string;
    sbatchArgs: string[];
    batchScript: string;
    loginEnv: Record<string, string>;
    waitTimeoutSeconds: number;
    phases: Array<{ name: string; concurrency?: number }>;
}

/** `env K=V ...` in front of a login-node command, when login.env is set. */
function withEnv(env: Record<string, string>, argv: string[]): string {
    const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return shJoin(pairs.length > 0 ? ["env", ...pairs, ...argv] : argv);
}

/** Writes stdin to runDir/name atomically, with the given mode (the file is never readable by others while written). */
export function stageCommand(runDir: string, file: { name: string; mode: string }): string {
    const target = path.posix.join(runDir, file.name);
    // A name may lie in a subfolder (a sweep job's points/<id>/job.env): the temp file sits beside its target.
    const dir = path.posix.dirname(target);
    const tmp = path.posix.join(dir, `.${path.posix.basename(target)}.tmp`);
    return `mkdir -p -- ${shq(dir)} && (umask 077 && cat > ${shq(tmp)}) && chmod ${file.mode} ${shq(tmp)} && mv -f -- ${shq(tmp)} ${shq(target)}`;
}

/** Submits the staged run; prints the job id. */
export function submitCommand(job: Pick<JobRef, "runDir" | "loginEnv">): string {
    return withEnv(job.loginEnv, ["bash", path.posix.join(job.runDir, "submit.sh"), job.runDir]);
}

/** Cancels every job of this name and user: what `pulumi destroy` runs, also after an interrupted deployment. */
export function cancelCommand(job: Pick<JobRef, "jobName" | "loginEnv">): string {
    return `${withEnv(job.loginEnv, ["scancel", `--name=${job.jobName}`])} --user="$(id -un)"`;
}

/**
 * Cancels this run's jobs only (name and working directory), and only when the
 * run folder still exists: the delete of a staged file, so a job submitted by an
 * interrupted deployment (never recorded in the state) is cancelled on destroy.
 */
export function cancelRunCommand(job: Pick<JobRef, "runDir" | "loginEnv">): string {
    const script = path.posix.join(job.runDir, "submit.sh");
    return `test ! -f ${shq(script)} || ${withEnv(job.loginEnv, ["bash", script, "--cancel", job.runDir])}`;
}

/** The sbatch command line the submit script runs, for review. */
export function sbatchCommandLine(job: Pick<JobRef, "runDir" | "sbatchArgs" | "batchScript">): string {
    return shJoin(["sbatch", "--parsable", ...job.sbatchArgs, path.posix.join(job.runDir, job.batchScript), path.posix.join(job.runDir, "job.env")]);
}

/** Arguments of `dynamo-bench slurm-wait` for a submitted run (fetchTo: local copy, for a login node reached over SSH). */
export function waitCommandArgs(spec: BenchmarkSpec, job: JobRef, jobId: string, fetchTo?: string): string[] {
    return [
        ...waitBaseArgs(spec, job, jobId, fetchTo),
        ...job.phases.flatMap((p) => ["--phase", p.concurrency === undefined ? p.name : `${p.name}:${p.concurrency}`]),
        "--gpus",
        String(spec.totalWorkerGpus),
        "--tool",
        spec.benchmark.tool,
    ];
}

/** Arguments of `dynamo-bench slurm-wait --sweep` for a sweep job: each point's phases and GPUs are in its points.json. */
export function sweepWaitCommandArgs(spec: BenchmarkSpec, job: Omit<JobRef, "phases">, jobId: string, fetchTo?: string): string[] {
    return [...waitBaseArgs(spec, job, jobId, fetchTo), "--sweep", "--tool", spec.benchmark.tool];
}

function waitBaseArgs(spec: BenchmarkSpec, job: Omit<JobRef, "phases">, jobId: string, fetchTo?: string): string[] {
    const s = spec.slurm;
    const login = s.login;
    if (login.mode === "ssh" && !fetchTo) throw new Error("waitCommandArgs: a login node reached over SSH needs a local fetchTo folder");
    return [
        "slurm-wait",
        "--run-dir",
        job.runDir,
        "--job-id",
        jobId,
        "--timeout",
        String(job.waitTimeoutSeconds),
        "--max-pending",
        String(s.maxPendingSeconds),
        "--poll",
        String(s.pollSeconds),
        ...Object.entries(job.loginEnv).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
        ...(login.mode === "ssh"
            ? ["--ssh", `${login.user}@${login.host}:${login.port}`, ...(login.hostKey ? ["--ssh-host-key", login.hostKey] : []), "--fetch-to", fetchTo!]
            : []),
    ];
}

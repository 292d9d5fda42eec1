// What sbatch and srun are told: the job's name, time limit, nodes, GPUs and
// output, and the container (pyxis) options of every step.
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import type { JobPlan } from "./plan";
import { timeLimitSeconds } from "./time";

/** Time-limit margin on top of the ready and benchmark timeouts, when no time limit is configured. */
const DEFAULT_TIME_MARGIN_MINUTES = 10;

/** dynamo-bench-<stack>[-<name>]: what `scancel --name` finds after an interrupted deployment. */
export function jobNameFor(spec: Pick<BenchmarkSpec, "stack" | "name" | "slurm">): string {
    if (spec.slurm.jobName) return spec.slurm.jobName;
    const stack = spec.stack.replace(/[^A-Za-z0-9_.-]+/g, "-");
    const base = stack.toLowerCase() === spec.name ? `dynamo-bench-${stack}` : `dynamo-bench-${stack}-${spec.name}`;
    return base.slice(0, 100);
}

/** Escapes sbatch/srun filename patterns (%j, %N, ...) so a path is taken literally. */
export function literalFilename(p: string): string {
    return p.replace(/%/g, "%%");
}

export interface JobTimeLimit {
    /** As sbatch --time takes it. */
    timeLimit: string;
    seconds: number;
    /** Seconds before the limit at which the batch script gets SIGUSR1. */
    warningSeconds: number;
}

/** The configured time limit, or the ready and benchmark timeouts plus a margin. */
export function jobTimeLimit(spec: BenchmarkSpec): JobTimeLimit {
    return limitOf(spec, Math.ceil((spec.timeouts.readySeconds + spec.timeouts.benchmarkSeconds) / 60) + DEFAULT_TIME_MARGIN_MINUTES);
}

/** Set-up and stop of one point of a sweep job beyond its timeouts (srun steps, probes, two stop graces). */
const POINT_MARGIN_SECONDS = 60;

/** How long sweep.sh lets one point run before it stops it: its timeouts, two stop graces and a margin. */
export function pointBoundSeconds(spec: BenchmarkSpec): number {
    return spec.timeouts.readySeconds + spec.timeouts.benchmarkSeconds + 2 * spec.slurm.stopGraceSeconds + POINT_MARGIN_SECONDS;
}

/** A sweep job's limit: slurm.timeLimit for the whole job, or every point's bound plus the margin. */
export function sweepTimeLimit(specs: readonly BenchmarkSpec[]): JobTimeLimit {
    const total = specs.reduce((sum, spec) => sum + pointBoundSeconds(spec), 0);
    return limitOf(specs[0]!, Math.ceil(total / 60) + DEFAULT_TIME_MARGIN_MINUTES);
}

function limitOf(spec: BenchmarkSpec, defaultMinutes: number): JobTimeLimit {
    const s = spec.slurm;
    const seconds = timeLimitSeconds(s.timeLimit ?? defaultMinutes);
    return {
        timeLimit: String(s.timeLimit ?? defaultMinutes),
        seconds,
        warningSeconds: Math.min(s.timeLimitWarningSeconds, Math.max(1, Math.floor(seconds / 2))),
    };
}

export function sbatchArgsFor(
    spec: BenchmarkSpec,
    job: { jobName: string; runDir: string; plan: Pick<JobPlan, "nodeCount" | "explicitNodes">; limit: JobTimeLimit },
): string[] {
    const s = spec.slurm;
    const { plan } = job;
    return [
        `--job-name=${job.jobName}`,
        `--nodes=${plan.nodeCount}`,
        ...(plan.explicitNodes.length > 0 ? [`--nodelist=${plan.explicitNodes.join(",")}`] : []),
        ...(s.partition ? [`--partition=${s.partition}`] : []),
        ...(s.account ? [`--account=${s.account}`] : []),
        ...(s.qos ? [`--qos=${s.qos}`] : []),
        `--time=${job.limit.timeLimit}`,
        `--signal=B:USR1@${job.limit.warningSeconds}`,
        ...(s.gpuRequest === "gpus-per-node" ? [`--gpus-per-node=${spec.gpusPerNode}`] : s.gpuRequest === "gres" ? [`--gres=gpu:${spec.gpusPerNode}`] : []),
        ...(s.exclusive ? ["--exclusive"] : []),
        "--ntasks-per-node=1",
        `--output=${literalFilename(path.posix.join(job.runDir, "logs", "job.log"))}`,
        `--chdir=${job.runDir}`,
        ...s.sbatchArgs,
    ];
}

/** Options of every srun step: the container (pyxis) with the run folder and the model mounted, then the configured extras. */
export function srunArgsFor(spec: BenchmarkSpec, jobName: string, runDir: string): string[] {
    const s = spec.slurm;
    const container = s.container;
    const srunArgs: string[] = [];
    if (container.runtime === "pyxis") {
        const mounts = [`${runDir}:${runDir}`];
        if (path.isAbsolute(spec.model.id)) mounts.push(`${spec.model.id}:${spec.model.id}`);
        mounts.push(...container.mounts);
        srunArgs.push(
            `--container-image=${container.image ?? spec.image}`,
            `--container-name=${jobName}`,
            `--container-mounts=${mounts.join(",")}`,
            container.mountHome ? "--container-mount-home" : "--no-container-mount-home",
            container.writable ? "--container-writable" : "--container-readonly",
            `--container-workdir=${container.workdir ?? runDir}`,
        );
    }
    srunArgs.push(...s.srunArgs);
    return srunArgs;
}

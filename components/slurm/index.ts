// The Slurm target: the run's files written on the login node (locally or over
// SSH), the job submitted (sbatch) and cancelled on destroy (scancel), and a
// local command that waits for the job and turns its exports into results
// (components/slurm/job-resources.ts). A sweep may run as one job instead:
// components/slurm/sweep-job.ts.
import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";
import { clusterEngine, notRun, RESULTS_COLLECTED, specOutputs, type BenchmarkTimings, type EngineInfo } from "../../lib/outputs";
import { parseResultLine, phaseFigures, type ResultLine, type StackOutputs } from "../../lib/results";
import type { SlurmResults } from "../../lib/slurm/results";
import type { CommandRunner } from "../exec";
import type { BenchmarkOutputs, Secrets } from "../target";
import { renderJob, sbatchCommandLine, submitCommand, waitCommandArgs, type RenderedJob } from "../../lib/slurm/render";
import { jobResources } from "./job-resources";

export { CLI_ENTRY } from "../../lib/paths";
export { STAGE_TIMEOUT_SECONDS, SUBMIT_TIMEOUT_SECONDS, WAIT_SLACK_SECONDS } from "./job-resources";

/** What only the Slurm target has: its `details` output (no secret appears in it). */
export interface SlurmDetails {
    jobName: string;
    runId: string;
    /** The run folder on the cluster: job files, logs, exports, markers. */
    runDir: string;
    nodes: number;
    /** Node slots and what runs on each (names are known once the job runs). */
    plan: Array<{ slot: number; node?: string; roles: string[] }>;
    submitted: boolean;
    /** How to submit by hand (what the deployment runs when slurm.submit is true). */
    submitCommand: string;
    sbatchCommand: string;
    /** The Slurm job id, once submitted. */
    jobId?: pulumi.Output<string>;
    engine: EngineInfo;
}

export type SlurmBenchmarkOutputs = BenchmarkOutputs<SlurmDetails>;

/** The outputs that come from the run: known once slurm-wait printed its result line. */
interface RunOutputs {
    resultsStatus: string;
    phases: Record<string, StackOutputs>;
    timings: BenchmarkTimings;
}

export interface SlurmBenchmarkArgs {
    spec: BenchmarkSpec;
    /** sshPrivateKey for slurm.login.mode ssh; hfToken and secretEnv, written to the run folder as secrets.env (mode 600, lib/slurm/secrets-env.ts). */
    secrets?: Secrets;
    /** Local folder for runs fetched over SSH; default ${DYNAMO_BENCH_CACHE:-~/.cache/dynamo-bench}/slurm. */
    fetchRoot?: string;
    /** How this machine runs commands (components/exec); default @pulumi/command. */
    runner?: CommandRunner;
}

export class SlurmBenchmark extends pulumi.ComponentResource {
    public readonly outputs: SlurmBenchmarkOutputs;
    public readonly job: RenderedJob;

    constructor(name: string, args: SlurmBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:slurm:Benchmark", name, {}, opts);
        const { spec } = args;
        const job = renderJob(spec);
        this.job = job;
        const submitted = jobResources(this, name, {
            spec,
            job,
            secrets: args.secrets,
            runner: args.runner ?? "pulumi-command",
            fetchRoot: args.fetchRoot,
            waitArgs: (id, fetchTo) => waitCommandArgs(spec, job, id, fetchTo),
        });
        const submit = submitCommand(job);
        const details = {
            jobName: job.jobName,
            runId: job.runId,
            runDir: job.runDir,
            nodes: job.plan.nodeCount,
            plan: planDetails(job),
            submitCommand: submit,
            sbatchCommand: sbatchCommandLine(job),
            engine: clusterEngine(spec),
        };

        if (!submitted) {
            const reason = `slurm.submit is false: the job files are in ${job.runDir} for review; submit them with: ${submit}`;
            this.outputs = benchmarkOutputs(
                spec,
                { ...details, submitted: false },
                pulumi.output<RunOutputs>({ resultsStatus: notRun(reason), phases: {}, timings: {} }),
            );
            this.registerOutputs({ ...this.outputs });
            return;
        }

        // A failed job fails slurm-wait and `pulumi up`; a result line here is a collected run.
        const collected = submitted.waitStdout.apply((stdout): RunOutputs => {
            const result = parseResultLine<ResultLine & SlurmResults>(stdout, "slurm-wait");
            return { resultsStatus: RESULTS_COLLECTED, phases: phaseFigures(result), timings: result.timings };
        });
        this.outputs = benchmarkOutputs(spec, { ...details, submitted: true, jobId: submitted.jobId }, collected);
        this.registerOutputs({ ...this.outputs });
    }
}

/** Node slots and what runs on each, as `details.plan` shows them. */
export function planDetails(job: Pick<RenderedJob, "plan">): SlurmDetails["plan"] {
    return job.plan.slots.map((slot, i) => ({ slot: i, ...(slot.name ? { node: slot.name } : {}), roles: slot.roles }));
}

function benchmarkOutputs(spec: BenchmarkSpec, details: SlurmDetails, run: pulumi.Output<RunOutputs>): SlurmBenchmarkOutputs {
    return {
        ...specOutputs(spec),
        phases: run.apply((r) => r.phases),
        timings: run.apply((r) => r.timings),
        resultsStatus: run.apply((r) => r.resultsStatus),
        details,
    };
}

/** The Slurm target's entry in the target contract (components/target.ts). */
export function deploy(spec: BenchmarkSpec, secrets: Secrets, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions): SlurmBenchmarkOutputs {
    return new SlurmBenchmark(spec.name, { spec, secrets, runner }, opts).outputs;
}

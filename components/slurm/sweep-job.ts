// A sweep as one Slurm job (slurm.sweepJob): every point runs in one allocation,
// one after another (scripts/slurm/sweep.sh), so the queue is waited for once.
// One set of resources for the whole sweep: a changed point changes the job's
// run id and the whole job runs again (docs/slurm.md, "Sweeps"). Each point's
// figures, or its failure with reason and log tail, come back under its id.
import * as pulumi from "@pulumi/pulumi";
import type { PlannedPoint, SweepPlan } from "../../config/load-sweep";
import { clusterEngine, notRun, RESULTS_COLLECTED } from "../../lib/outputs";
import { foldRuns, runSpec } from "../../lib/gates/repeats";
import { parseResultLine, phaseFigures, type ResultLine } from "../../lib/results";
import { sbatchCommandLine, submitCommand, sweepWaitCommandArgs } from "../../lib/slurm/render";
import { renderSweepJob, type RenderedSweepJob, type RenderedSweepPoint } from "../../lib/slurm/sweep-render";
import type { SlurmSweepResults, SweepPointResult } from "../../lib/slurm/sweep-results";
import { pointLoads, type SweepPointOutput } from "../../lib/sweep/outputs";
import { progressLine } from "../../lib/sweep/progress";
import type { CommandRunner } from "../exec";
import type { Secrets } from "../target";
import { planDetails } from "./index";
import { jobResources } from "./job-resources";

export interface SlurmSweepJobArgs {
    plan: SweepPlan;
    secrets?: Secrets;
    runner: CommandRunner;
    fetchRoot?: string;
}

export class SlurmSweepJob extends pulumi.ComponentResource {
    /** Point id -> what the sweep outputs hold under points.<id>. */
    public readonly points: Record<string, pulumi.Output<SweepPointOutput>>;
    public readonly job: RenderedSweepJob;

    constructor(name: string, args: SlurmSweepJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:slurm:SweepJob", name, {}, opts);
        const { plan } = args;
        const first = plan.points[0]!.spec;
        // benchmark.repeats as on every target (components/repeats.ts): the job runs each point's phases
        // once per round, and each point's figures are folded back into one entry per phase.
        const job = renderSweepJob(
            plan.name,
            plan.points.map((p) => ({ id: p.id, spec: runSpec(p.spec) })),
        );
        this.job = job;
        const submitted = jobResources(this, name, {
            spec: first,
            job,
            secrets: args.secrets,
            runner: args.runner,
            fetchRoot: args.fetchRoot,
            waitArgs: (id, fetchTo) => sweepWaitCommandArgs(first, job, id, fetchTo),
        });
        const submit = submitCommand(job);
        const shared = {
            jobName: job.jobName,
            runId: job.runId,
            sweepRunDir: job.runDir,
            nodes: job.nodeCount,
            submitCommand: submit,
            sbatchCommand: sbatchCommandLine(job),
        };
        const started = Date.now();

        // slurm-wait fails (and with it `pulumi up`) only when no point collected; otherwise every point reports here.
        const results = submitted?.waitStdout.apply((stdout) => {
            const r = parseResultLine<ResultLine & SlurmSweepResults>(stdout, "slurm-wait --sweep");
            r.points.forEach((p, i) => {
                const line = progressLine({
                    index: i + 1,
                    total: r.points.length,
                    id: p.id,
                    stage: statusOf(p),
                    elapsedSeconds: (Date.now() - started) / 1000,
                    done: r.points.length,
                });
                if (p.status === "ok") pulumi.log.info(line, this);
                else pulumi.log.warn(`${line}\n${p.failure ?? ""}`, this);
            });
            return r;
        });
        this.points = Object.fromEntries(
            plan.points.map((point, i) => {
                const rendered = job.points[i]!;
                const details = { ...shared, runDir: rendered.runDir, plan: planDetails(rendered.job), engine: clusterEngine(point.spec) };
                if (!submitted) {
                    const reason = `slurm.submit is false: the sweep job's files are in ${job.runDir} for review; submit them with: ${submit}`;
                    return [point.id, pulumi.output(pointOutput(point, rendered, { ...details, submitted: false }, undefined, notRun(reason)))];
                }
                const out = pulumi.all([results!, submitted.jobId]).apply(([r, jobId]) => {
                    const result = r.points.find((p) => p.id === point.id);
                    return pointOutput(
                        point,
                        rendered,
                        { ...details, submitted: true, jobId },
                        result,
                        result ? statusOf(result) : notRun("slurm-wait did not report it"),
                    );
                });
                return [point.id, out];
            }),
        );
        this.registerOutputs({ jobName: job.jobName, runDir: job.runDir, jobId: submitted?.jobId });
    }
}

/** "collected", or why the point has no figures. */
function statusOf(p: SweepPointResult): string {
    if (p.status === "ok") return RESULTS_COLLECTED;
    if (p.status === "not run") return notRun(p.reason ?? "the sweep job ended before this point");
    return `failed: ${p.reason ?? "no reason given"}`;
}

function pointOutput(
    point: PlannedPoint,
    rendered: RenderedSweepPoint,
    details: Record<string, unknown>,
    result: SweepPointResult | undefined,
    resultsStatus: string,
): SweepPointOutput {
    const r = result?.results;
    const gap = result?.previousPointToFirstRequestSeconds;
    return {
        settings: point.settings,
        workerGpus: point.spec.totalWorkerGpus,
        loads: pointLoads(point.spec),
        phases: r ? foldRuns(point.spec, phaseFigures({ ok: true, phases: r.phases })) : {},
        timings: r ? { ...r.timings, ...(gap === undefined ? {} : { previousPointToFirstRequestSeconds: gap }) } : {},
        resultsStatus,
        details: { ...details, point: rendered.id, ...(result?.failure ? { failure: result.failure } : {}) },
    };
}

/** The sweep's points when the Slurm section asks for one job (slurm.sweepJob); undefined otherwise. */
export function deploySweepJob(plan: SweepPlan, secrets: Secrets, runner: CommandRunner): Record<string, pulumi.Output<SweepPointOutput>> | undefined {
    const first = plan.points[0]?.spec;
    if (!first || first.target !== "slurm" || !first.slurm.sweepJob) return undefined;
    return new SlurmSweepJob(plan.name, { plan, secrets, runner }).points;
}

// A sweep: one child component per point, each deploying its point's spec
// through the target's own `deploy`, one after another (point i+1 depends on
// point i, for ordering only: its inputs do not include point i's, so a changed
// point re-runs alone and unchanged points keep their resources and figures),
// unless the target runs the whole sweep as one unit (Slurm: slurm.sweepJob).
import * as pulumi from "@pulumi/pulumi";
import type { PlannedPoint, SweepPlan } from "../config/load-sweep";
import { describeRejection } from "../config/load-sweep";
import { pointLoads, sweepPlanOutputs, sweepResultOutputs, type SweepOutputValues, type SweepPointOutput } from "../lib/sweep/outputs";
import { progressLine } from "../lib/sweep/progress";
import { progressNames, writeSweepProgress } from "../lib/sweep/progress-file";
import type { CommandRunner } from "./exec";
import type { BenchmarkOutputs, DeployFn, Secrets } from "./target";
import { sweepJobs } from "./targets";

export interface SweepPointArgs {
    point: PlannedPoint;
    deploy: DeployFn;
    secrets: Secrets;
    runner: CommandRunner;
}

export class SweepPoint extends pulumi.ComponentResource {
    public readonly outputs: pulumi.Output<SweepPointOutput>;

    constructor(id: string, args: SweepPointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:sweep:Point", id, {}, opts);
        const { spec, settings } = args.point;
        const target: BenchmarkOutputs<object> = args.deploy(spec, args.secrets, args.runner, { parent: this });
        this.outputs = pulumi.output({
            settings,
            workerGpus: spec.totalWorkerGpus,
            loads: pointLoads(spec),
            phases: target.phases,
            timings: target.timings,
            resultsStatus: target.resultsStatus,
            details: target.details,
        }) as unknown as pulumi.Output<SweepPointOutput>;
        this.registerOutputs({ outputs: this.outputs });
    }
}

/** Deploys every point of the plan in order; the returned object is the stack outputs (lib/sweep/outputs.ts). */
export function deploySweep(
    plan: SweepPlan,
    deploy: DeployFn,
    secrets: Secrets,
    runner: CommandRunner,
    progressDir?: string,
): { [K in keyof SweepOutputValues]: pulumi.Input<SweepOutputValues[K]> } {
    // During `up` only: preview runs no command, and a preview must not reset a running sweep's file.
    if (progressDir && !pulumi.runtime.isDryRun()) {
        writeSweepProgress(progressDir, {
            sweep: plan.name,
            startedAtMs: Date.now(),
            points: plan.points.map((p) => ({ id: p.id, names: progressNames(p.spec) })),
            ran: {},
        });
    }
    for (const rejected of plan.rejected) pulumi.log.warn(`sweep point ${describeRejection(rejected)}; skipped`);
    // A target may run the whole sweep as one unit (Slurm: slurm.sweepJob, one job for every point).
    const whole = sweepJobs[plan.points[0]!.spec.target]?.(plan, secrets, runner);
    const points = whole ? Object.entries(whole) : chainPoints(plan, deploy, secrets, runner);
    const results = pulumi
        .all(Object.fromEntries(points))
        .apply((resolved) => sweepResultOutputs(resolved as Record<string, SweepPointOutput>, plan.sweep.limits));
    const planned = sweepPlanOutputs(
        plan.name,
        plan.points.map((p) => p.spec),
        plan.rejected,
    );
    // In the order of BENCHMARK_OUTPUT_KEYS, then SWEEP_OUTPUT_KEYS.
    return {
        target: planned.target,
        benchmark: planned.benchmark,
        model: planned.model,
        dynamoVersion: planned.dynamoVersion,
        workerGpus: planned.workerGpus,
        phases: planned.phases,
        timings: planned.timings,
        resultsStatus: results.resultsStatus,
        details: planned.details,
        points: results.points,
        frontier: results.frontier,
        best: results.best,
    };
}

/** One Point component per point, each after the one before it. */
function chainPoints(plan: SweepPlan, deploy: DeployFn, secrets: Secrets, runner: CommandRunner): Array<readonly [string, pulumi.Output<SweepPointOutput>]> {
    const started = Date.now();
    const total = plan.points.length;
    let done = 0;
    let previous: SweepPoint | undefined;
    return plan.points.map((point, i) => {
        const component: SweepPoint = new SweepPoint(point.id, { point, deploy, secrets, runner }, previous ? { dependsOn: [previous] } : {});
        const elapsed = () => (Date.now() - started) / 1000;
        // Runs during `up` only: in preview the results are unknown and the callback does not run.
        const outputs = component.outputs.apply((o) => {
            done += 1;
            pulumi.log.info(progressLine({ index: i + 1, total, id: point.id, stage: o.resultsStatus, elapsedSeconds: elapsed(), done }), component);
            const next = plan.points[i + 1];
            if (next) pulumi.log.info(progressLine({ index: i + 2, total, id: next.id, stage: "deploying", elapsedSeconds: elapsed(), done }));
            return o;
        });
        previous = component;
        return [point.id, outputs] as const;
    });
}

// The target contract (DESIGN principle 9): every target folder exports a
// `deploy` with this signature and returns BenchmarkOutputs, the same
// top-level keys everywhere (lib/outputs.ts). program.ts only looks the target
// up in components/targets.ts and calls it.
import type * as pulumi from "@pulumi/pulumi";
import type { SweepPlan } from "../config/load-sweep";
import type { BenchmarkSpec } from "../config/resolve";
import type { BenchmarkOutputValues } from "../lib/outputs";
import type { SweepPointOutput } from "../lib/sweep/outputs";
import type { CommandRunner } from "./exec";

/** The stack's secrets, kept as Pulumi secrets end to end: no target puts them in its outputs. */
export interface Secrets {
    hfToken?: pulumi.Input<string>;
    sshPrivateKey?: pulumi.Input<string>;
    /** secretEnv (config/secret-env.ts): NAME -> value for the environment of every Dynamo process, never of the benchmark client. */
    secretEnv?: pulumi.Input<Record<string, string>>;
}

/**
 * A target's stack outputs: each key a value or an Output of it (results are
 * known only once the benchmark ran). `D` is the target's own `details`, whose
 * fields may be Outputs too.
 */
export type BenchmarkOutputs<D extends object = Record<string, unknown>> = {
    [K in keyof BenchmarkOutputValues<D>]: K extends "details" ? D : pulumi.Input<BenchmarkOutputValues<D>[K]>;
};

/**
 * Deploys one benchmark; `runner` says how this machine runs commands (components/exec).
 * `opts` places it in a larger program: a sweep passes each point's parent and the point before it.
 */
export type DeployFn = (spec: BenchmarkSpec, secrets: Secrets, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions) => BenchmarkOutputs<object>;

/**
 * Runs a whole sweep as one unit, when the target can and the config asks (Slurm: slurm.sweepJob);
 * undefined means the sweep runs point by point through DeployFn. Returns point id -> its outputs.
 */
export type SweepJobFn = (plan: SweepPlan, secrets: Secrets, runner: CommandRunner) => Record<string, pulumi.Output<SweepPointOutput>> | undefined;

/** The DeployFn of a sweep's points, when they share resources a single benchmark makes for itself (created on its first call). */
export type SweepDeployFn = (plan: SweepPlan, secrets: Secrets, runner: CommandRunner) => DeployFn;

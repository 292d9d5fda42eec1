// The Pulumi program: reads the stack config once, validates all of it before
// any resource exists, and hands the typed spec to the chosen target.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadSpec } from "./config/load";
import type { BenchmarkSpec } from "./config/resolve";
import { SECRET_KEYS } from "./config/secrets";
import { rawFromAllConfig } from "./config/stack-config";
import { deployKubernetesBenchmark } from "./components/kubernetes";
import type { CommandRunner } from "./components/exec";
import { LocalBenchmark } from "./components/local/local-benchmark";
import { deploySlurmBenchmark } from "./components/slurm";
import type { StackOutputs } from "./lib/results";

export interface Secrets {
    hfToken?: pulumi.Output<string>;
    sshPrivateKey?: pulumi.Output<string>;
}

/** Reads and validates this stack's configuration; throws one error naming every bad field. */
export function specFromStackConfig(): { spec: BenchmarkSpec; secrets: Secrets } {
    const project = pulumi.getProject();
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    const raw = rawFromAllConfig(pulumi.runtime.allConfig(), project, (key) => runtime.isConfigSecret?.(key) ?? false);
    if (raw.plainSecrets.length > 0) {
        const keys = raw.plainSecrets.map((k) => `${project}:${k}`).join(", ");
        throw new pulumi.RunError(`${keys} must be stored encrypted: run \`pulumi config set --secret ${raw.plainSecrets[0]} <value>\` (the plain value sits in the stack file now; rotate it).`);
    }
    let spec: BenchmarkSpec;
    try {
        spec = loadSpec(raw.values, pulumi.getStack(), project, raw.secretsPresent);
    } catch (error) {
        // A configuration mistake is not a program bug: report it without a stack trace.
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
    const config = new pulumi.Config(project);
    return {
        spec,
        secrets: {
            hfToken: config.getSecret(SECRET_KEYS.hfToken),
            sshPrivateKey: config.getSecret(SECRET_KEYS.sshPrivateKey),
        },
    };
}

/** How this machine runs commands: see components/exec. */
export interface ProgramOptions {
    commandRunner: CommandRunner;
}

/** Deploys the benchmark for its target and returns the stack outputs. */
export function deployBenchmark(spec: BenchmarkSpec, secrets: Secrets, options: ProgramOptions = { commandRunner: "pulumi-command" }): Record<string, unknown> {
    const common = { target: spec.target, benchmark: spec.name, model: spec.servedModelName, workerGpus: spec.totalWorkerGpus };
    switch (spec.target) {
        case "local": {
            const bench = new LocalBenchmark(spec.name, { spec, hfToken: secrets.hfToken, runner: options.commandRunner });
            return { ...common, runDir: bench.results.runDir, phases: bench.results.phases, timings: bench.results.timings };
        }
        case "kubernetes": {
            const { results, ...details } = deployKubernetesBenchmark(spec, secrets.hfToken, undefined, options.commandRunner);
            return {
                ...common,
                ...details,
                resultsStatus: results.apply((r) => (r.status === "collected" ? "collected" : `not run: ${r.reason}`)),
                phases: results.apply((r) => (r.status === "collected" ? phasesOf(r.summary) : {})),
            };
        }
        case "slurm": {
            const { results: _full, ...details } = deploySlurmBenchmark(spec, secrets, { commandRunner: options.commandRunner });
            return { ...common, ...details };
        }
    }
}

/** Per-phase figures out of a collector summary: `{ <phase>: { ttftMs: {...}, ... } }`. */
function phasesOf(summary: unknown): Record<string, StackOutputs> {
    const phases = (summary as { phases?: Array<{ name: string; outputs: StackOutputs }> }).phases ?? [];
    return Object.fromEntries(phases.map((p) => [p.name, p.outputs]));
}

/** DYNAMO_BENCH_COMMAND_RUNNER picks the command runner of this machine; unset means @pulumi/command. */
export function commandRunnerFromEnv(value: string | undefined): CommandRunner {
    if (value === undefined || value === "" || value === "pulumi-command") return "pulumi-command";
    if (value === "dynamic") return "dynamic";
    throw new pulumi.RunError(`DYNAMO_BENCH_COMMAND_RUNNER must be "pulumi-command" or "dynamic", got "${value}"`);
}

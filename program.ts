// The Pulumi program: reads the stack config once, validates all of it before
// any resource exists, and hands the typed spec to the chosen target.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadSpec } from "./config/load";
import { layerStack, type LayeredConfig } from "./config/cluster";
import { loadStack, type StackPlan, type SweepPlan } from "./config/load-sweep";
import type { BenchmarkSpec } from "./config/resolve";
import { SECRET_KEYS } from "./config/secrets";
import { rawFromAllConfig } from "./config/stack-config";
import { plainSecretMessage } from "./config/secret-settings";
import { plainSecretEnvEntries } from "./config/stack-file-secrets";
import type { CommandRunner } from "./components/exec";
import type { BenchmarkOutputs, DeployFn, Secrets } from "./components/target";
import { sweepDeploys, targets } from "./components/targets";
import { deploySweep } from "./components/sweep";
import { withGates } from "./components/gates";
import { withRepeats } from "./components/repeats";
import { loadGates, type GatesPlan } from "./config/load-gates";

export type { BenchmarkOutputs, Secrets } from "./components/target";

/** Reads and validates this stack's configuration (one benchmark, no sweep); throws one error naming every bad field. */
export function specFromStackConfig(): { spec: BenchmarkSpec; secrets: Secrets } {
    const { loaded: spec, secrets } = readStackConfig(loadSpec);
    return { spec, secrets };
}

/** Reads and validates this stack's configuration: one benchmark, or a sweep of them (docs/sweeps.md), and its gates (docs/gates.md). */
export function stackFromConfig(): { plan: StackPlan; secrets: Secrets; gates: GatesPlan } {
    const { loaded, secrets } = readStackConfig((raw, stack, project, present) => {
        const plan = loadStack(raw, stack, project, present);
        // A baseline file is relative to the project folder, where the engine runs the program.
        return { plan, gates: loadGates(raw, plan, process.cwd(), project) };
    });
    return { ...loaded, secrets };
}

type Loader<T> = (raw: Record<string, unknown>, stack: string, project: string, secretsPresent: ReadonlySet<string>) => T;

function readStackConfig<T>(load: Loader<T>): { loaded: T; secrets: Secrets } {
    const project = pulumi.getProject();
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    const raw = rawFromAllConfig(pulumi.runtime.allConfig(), project, (key) => runtime.isConfigSecret?.(key) ?? false);
    if (raw.plainSecrets.length > 0) throw new pulumi.RunError(plainSecretMessage(raw.plainSecrets, project));
    // Settings stored as secrets, secretEnv entries stored in plain text and prototype-like keys
    // are refused before the layers are merged (config/stack-config.ts, config/stack-file-secrets.ts).
    const secretEnvInFile = raw.secretsPresent.has(SECRET_KEYS.secretEnv) ? plainSecretEnvEntries(process.cwd(), pulumi.getStack(), project) : [];
    const early = [...raw.violations, ...secretEnvInFile];
    if (early.length > 0) throw new pulumi.RunError(new ConfigError(early, project).message);
    let loaded: T;
    let layers: LayeredConfig | undefined;
    try {
        // The program runs in the project folder, which a cluster file's path is relative to.
        layers = layerStack(raw.values, process.cwd(), project);
        loaded = load(layers.values, pulumi.getStack(), project, raw.secretsPresent);
    } catch (error) {
        // A configuration mistake is not a program bug: report it without a stack trace, naming the file each value came from.
        if (error instanceof ConfigError)
            throw new pulumi.RunError(layers ? new ConfigError(layers.blame(error.violations), error.namespace).message : error.message);
        throw error;
    }
    const config = new pulumi.Config(project);
    return {
        loaded,
        secrets: {
            hfToken: config.getSecret(SECRET_KEYS.hfToken),
            sshPrivateKey: config.getSecret(SECRET_KEYS.sshPrivateKey),
            // Read from the checked entries (config/secret-env.ts), wrapped at once: it never exists as a plain Output.
            ...(Object.keys(raw.secretEnv).length > 0 ? { secretEnv: pulumi.secret(raw.secretEnv) } : {}),
        },
    };
}

/** How this machine runs commands: see components/exec. */
export interface ProgramOptions {
    commandRunner: CommandRunner;
    /** Where a sweep's progress file goes during `up` (lib/sweep/progress-file.ts); none without it. */
    progressDir?: string;
}

/** Deploys the benchmark on its target; the returned object is the stack outputs (lib/outputs.ts). */
export function deployBenchmark(
    spec: BenchmarkSpec,
    secrets: Secrets,
    options: ProgramOptions = { commandRunner: "pulumi-command" },
): BenchmarkOutputs<object> {
    return withRepeats(targets[spec.target])(spec, secrets, options.commandRunner);
}

/**
 * Deploys what the stack plans: its one benchmark, or every point of its sweep in order (components/sweep.ts);
 * with `gates` (index.ts always passes them) the figures are judged and the outputs gain GATE_OUTPUT_KEYS.
 */
export function deployStack(plan: StackPlan, secrets: Secrets, options: ProgramOptions = { commandRunner: "pulumi-command" }, gates?: GatesPlan): object {
    const outputs = plan.spec
        ? deployBenchmark(plan.spec, secrets, options)
        : deploySweep(
              plan.sweep,
              withRepeats(sweepPointDeploy(plan.sweep, secrets, options.commandRunner)),
              secrets,
              options.commandRunner,
              options.progressDir,
          );
    return gates ? withGates(outputs, plan, gates, plan.spec ? plan.spec.name : plan.sweep.name) : outputs;
}

/** How a sweep's points deploy: the target's own deploy, or its sweep variant when the points share resources. */
function sweepPointDeploy(plan: SweepPlan, secrets: Secrets, runner: CommandRunner): DeployFn {
    const target = plan.points[0]!.spec.target;
    return sweepDeploys[target]?.(plan, secrets, runner) ?? targets[target];
}

/** DYNAMO_BENCH_COMMAND_RUNNER picks the command runner of this machine; unset means @pulumi/command. */
export function commandRunnerFromEnv(value: string | undefined): CommandRunner {
    if (value === undefined || value === "" || value === "pulumi-command") return "pulumi-command";
    if (value === "dynamic") return "dynamic";
    throw new pulumi.RunError(`DYNAMO_BENCH_COMMAND_RUNNER must be "pulumi-command" or "dynamic", got "${value}"`);
}

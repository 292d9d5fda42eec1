// The local target: one command resource that runs `dynamo-bench local-run`
// (frontend, mocker workers, AIPerf phases, teardown) and hands its numbers
// back as outputs. The run happens on `pulumi up` only when the spec changed.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { BenchmarkSpec } from "../../config/resolve";
import { benchmarkTimingsOf } from "../../lib/local/timings";
import { CLI_ENTRY, repoDirFrom } from "../../lib/paths";
import type { RunTimings } from "../../lib/local/runner";
import { RESULTS_COLLECTED, specOutputs, type EngineInfo } from "../../lib/outputs";
import { parseResultLine, phaseFigures, type ResultLine } from "../../lib/results";
import { shellCommand, type CommandRunner } from "../exec";
import type { BenchmarkOutputs } from "../target";
import { HF_TOKEN_ENV } from "../../config/secrets";
import { SECRET_ENV_VARIABLE } from "../../lib/local/secret-env";

export interface LocalBenchmarkArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token for a hub model id, a Pulumi secret; the offline model needs none. */
    hfToken?: pulumi.Input<string>;
    /** secretEnv entries, a Pulumi secret: the runner gives them to the Dynamo processes only (lib/local/secret-env.ts). */
    secretEnv?: pulumi.Input<Record<string, string>>;
    runner: CommandRunner;
}

/** What only the local target has. */
export interface LocalDetails {
    runId: pulumi.Output<string>;
    /** This machine's folder with the run's logs, exports, summaries and timings.json. */
    runDir: pulumi.Output<string>;
    /** The mocker is part of `ai-dynamo`: its version is dynamoVersion. */
    engine: EngineInfo;
}

/** The local-run result line (cli/local-run.ts LocalRunOutput), the fields read here. */
interface LocalRunLine extends ResultLine {
    runId?: string;
    runDir?: string;
    timings?: Partial<RunTimings>;
}

/** The runner command's environment: HF_TOKEN and the secretEnv entries as one JSON variable, each a Pulumi secret. */
function secretEnvironment(args: Pick<LocalBenchmarkArgs, "hfToken" | "secretEnv">): { environment?: Record<string, pulumi.Input<string>> } {
    const environment: Record<string, pulumi.Input<string>> = {
        ...(args.hfToken ? { [HF_TOKEN_ENV]: pulumi.secret(args.hfToken) } : {}),
        ...(args.secretEnv ? { [SECRET_ENV_VARIABLE]: pulumi.secret(pulumi.output(args.secretEnv).apply((env) => JSON.stringify(env))) } : {}),
    };
    return Object.keys(environment).length > 0 ? { environment } : {};
}

/** Time the runner needs beyond its own bounds to start and to stop every process. */
const RUNNER_SLACK_SECONDS = 120;

export class LocalBenchmark extends pulumi.ComponentResource {
    public readonly outputs: BenchmarkOutputs<LocalDetails>;

    constructor(name: string, args: LocalBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:local:Benchmark", name, {}, opts);
        const specJson = JSON.stringify(args.spec);
        const { readySeconds, benchmarkSeconds } = args.spec.timeouts;
        const run = shellCommand(
            args.runner,
            `${name}-run`,
            {
                // The spec travels on stdin: no shell quoting, nothing written to disk by the engine.
                create: `node ${CLI_ENTRY} local-run --spec-file -`,
                // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
                dir: repoDirFrom(process.cwd()),
                stdin: specJson,
                // Progress (stderr) streams to the terminal; stdout carries the result line.
                streamStderr: true,
                triggers: [createHash("sha256").update(specJson).digest("hex")],
                // Secrets reach the runner through its environment only: never stdin (the spec), argv or a file.
                ...secretEnvironment(args),
                // The runner enforces its own bounds first and tears down; this is the outer guard.
                timeoutSeconds: readySeconds + benchmarkSeconds + RUNNER_SLACK_SECONDS,
            },
            { parent: this },
        );
        // A failed run fails `pulumi up` (parseResultLine throws), so a result here is a collected one.
        const result = run.stdout.apply((stdout) => parseResultLine<LocalRunLine>(stdout, "local-run"));
        this.outputs = {
            ...specOutputs(args.spec),
            phases: result.apply(phaseFigures),
            timings: result.apply((r) => benchmarkTimingsOf(r.timings ?? {})),
            resultsStatus: result.apply(() => RESULTS_COLLECTED),
            details: {
                runId: result.apply((r) => r.runId ?? ""),
                runDir: result.apply((r) => r.runDir ?? ""),
                engine: { name: "mocker" },
            },
        };
        this.registerOutputs({ ...this.outputs });
    }
}

// The local target: one command resource that runs `dynamo-bench local-run`
// (frontend, mocker workers, AIPerf phases, teardown) and hands its numbers
// back as outputs. The run happens on `pulumi up` only when the spec changed.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { parseLocalRunStdout, type LocalResults } from "../../lib/local/result-line";
import { shellCommand, type CommandRunner } from "../exec";

export interface LocalBenchmarkArgs {
    spec: BenchmarkSpec;
    /** HuggingFace token for a hub model id, a Pulumi secret; the offline model needs none. */
    hfToken?: pulumi.Input<string>;
    runner: CommandRunner;
}

/** Time the runner needs beyond its own bounds to start and to stop every process. */
const RUNNER_SLACK_SECONDS = 120;
const REPO_ROOT = path.resolve(__dirname, "../..");

export class LocalBenchmark extends pulumi.ComponentResource {
    public readonly results: pulumi.Output<LocalResults>;

    constructor(name: string, args: LocalBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:local:Benchmark", name, {}, opts);
        const specJson = JSON.stringify(args.spec);
        const { readySeconds, benchmarkSeconds } = args.spec.timeouts;
        const run = shellCommand(
            args.runner,
            `${name}-run`,
            {
                // The spec travels on stdin: no shell quoting, nothing written to disk by the engine.
                create: "node bin/dynamo-bench.js local-run --spec-file -",
                dir: REPO_ROOT,
                stdin: specJson,
                // Progress (stderr) streams to the terminal; stdout carries the result line.
                streamStderr: true,
                triggers: [createHash("sha256").update(specJson).digest("hex")],
                ...(args.hfToken ? { environment: { HF_TOKEN: args.hfToken } } : {}),
                // The runner enforces its own bounds first and tears down; this is the outer guard.
                timeoutSeconds: readySeconds + benchmarkSeconds + RUNNER_SLACK_SECONDS,
            },
            { parent: this },
        );
        this.results = run.stdout.apply(parseLocalRunStdout);
        this.registerOutputs({ results: this.results });
    }
}

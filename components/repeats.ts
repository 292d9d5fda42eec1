// benchmark.repeats on every target without the targets knowing: the target
// runs the spec's phases once per round (lib/gates/repeats.ts runSpec) and its
// phases output is folded back into one entry per phase (mean, spread, runs).
import * as pulumi from "@pulumi/pulumi";
import { foldRuns, runSpec } from "../lib/gates/repeats";
import type { DeployFn } from "./target";

export function withRepeats(deploy: DeployFn): DeployFn {
    return (spec, secrets, runner, opts) => {
        const outputs = deploy(runSpec(spec), secrets, runner, opts);
        return { ...outputs, phases: pulumi.output(outputs.phases).apply((ran) => foldRuns(spec, ran)) };
    };
}

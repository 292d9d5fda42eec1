// The example Slurm stack file, with its cluster file, is valid configuration and renders the job it describes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { renderJob } from "../../lib/slurm/render";
import { stackFileConfig } from "../helpers/stack-file";

test("stacks/Pulumi.example-slurm.yaml: shared nodes, 2+2 workers of TP 2, pyxis over SSH", () => {
    const spec = loadSpec(stackFileConfig("example-slurm"), "example-slurm");
    const job = renderJob(spec);
    assert.equal(job.plan.nodeCount, 1);
    assert.deepEqual(
        job.plan.instances.map((i) => `${i.id}@${i.slot}:${i.gpuFirst}+${i.gpuCount}`),
        ["decode-0@0:0+2", "decode-1@0:2+2", "prefill-0@0:4+2", "prefill-1@0:6+2"],
    );
    assert.ok(job.sbatchArgs.includes("--partition=gpu") && job.sbatchArgs.includes("--time=01:45:00") && job.sbatchArgs.includes("--constraint=h100"));
    assert.equal(spec.slurm.login.mode, "ssh");
    assert.deepEqual(
        job.phases.map((p) => p.name),
        ["c8", "c32"],
    );
});

// The example Slurm stack file is valid configuration and renders the job it describes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { parse } from "yaml";
import { loadSpec } from "../../config/load";
import { renderJob } from "../../lib/slurm/render";
import { repoPath } from "../../lib/paths";

test("stacks/Pulumi.example-slurm.yaml: shared nodes, 2+2 workers of TP 2, pyxis over SSH", () => {
    const file = repoPath("stacks", "Pulumi.example-slurm.yaml");
    const config = (parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^dynamo-bench:/, ""), v]));
    const spec = loadSpec(raw, "example-slurm");
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

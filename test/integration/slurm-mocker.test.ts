// Real multi-node Slurm jobs on the project's one-machine cluster: the
// disaggregated mocker benchmark end to end (bare metal), through the same
// commands the Slurm component runs (stage, submit.sh, slurm-wait).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort, jobState, liveJobs, mockerConfig, pidAlive, render, slurmWait, stageAndSubmit, type Run, slurmSuite } from "./slurm-helpers";
import { parseResultLine, type ResultLine } from "../../lib/results";

const { skip, track } = slurmSuite("slurm-mocker");

interface Results {
    jobId: string;
    nodes: Array<{ host: string; roles: string }>;
    timings: Record<string, number>;
    phases: Array<{ name: string; outputs: Record<string, any> }>;
}

async function runToEnd(raw: Record<string, unknown>, stack: string): Promise<{ run: Run; results: Results; jobId: string }> {
    const run = render(raw, stack);
    track(run);
    const jobId = await stageAndSubmit(run);
    const res = await slurmWait(run, jobId);
    assert.equal(res.code, 0, `slurm-wait failed:\n${res.stderr}`);
    return { run, results: parseResultLine<Results & ResultLine>(res.stdout, "slurm-wait"), jobId };
}

function assertCleanEnd(run: Run, jobId: string) {
    assert.equal(jobState(jobId), "COMPLETED");
    assert.deepEqual(liveJobs(run.job.jobName), []);
    const pids = path.join(run.job.runDir, "pids");
    for (const f of fs.readdirSync(pids)) assert.ok(!pidAlive(path.join(pids, f)), `${f}: the process outlived the job`);
}

describe("Slurm: disaggregated mocker benchmark on three nodes", { skip }, () => {
    test("2 decode + 1 prefill workers, two phases: metrics as stack outputs, timings, nothing left", { timeout: 300_000 }, async (t) => {
        const raw = await mockerConfig({
            model: { servedName: `tiny "bench" model's $(name)` },
            decode: { replicas: 2 },
            benchmark: {
                phases: [
                    { name: "c2", concurrency: 2 },
                    { name: "c4", concurrency: 4 },
                ],
            },
        });
        const { run, results, jobId } = await runToEnd(raw, "it-mocker");
        assert.deepEqual(results.nodes.map((n) => n.host).sort(), ["n1", "n2", "n3"]);
        assert.deepEqual(
            results.nodes.map((n) => n.roles),
            ["frontend,decode-0", "decode-1", "prefill-0"],
        );
        assert.deepEqual(
            results.phases.map((p) => p.name),
            ["c2", "c4"],
        );
        for (const p of results.phases) {
            assert.equal(p.outputs.requestCount, 40, `${p.name} requests`);
            assert.ok(!p.outputs.errorCount, `${p.name} errors: ${p.outputs.errorCount}`);
            assert.ok(p.outputs.ttftMs.avg > 0 && p.outputs.requestLatencyMs.p99 > 0);
            assert.ok(p.outputs.outputTokenThroughputTokPerS > 0);
            assert.ok(p.outputs.outputTokenThroughputPerGpuTokPerS > 0, "per-GPU throughput (3 worker GPUs)");
        }
        const tm = results.timings;
        assert.ok(tm.readySeconds > 0 && tm.readySeconds < 120);
        assert.ok(tm.lastWorkerToFirstRequestSeconds > 0);
        t.diagnostic(
            `job ${jobId}: ready ${tm.readySeconds}s after start; last worker registered -> first request ${tm.lastWorkerToFirstRequestSeconds}s ` +
                `(job overhead ready -> client launch ${tm.readyToBenchmarkLaunchSeconds}s, client start-up ${tm.benchmarkLaunchToFirstRequestSeconds}s)`,
        );
        console.log(`# slurm timings ${JSON.stringify(tm)}`);
        const decodeLog = fs.readFileSync(path.join(run.job.runDir, "logs", "decode-1.log"), "utf8");
        assert.match(decodeLog, /decode-1 on n2 /);
        assertCleanEnd(run, jobId);
    });

    test("shared node: two decode and two prefill workers with their own GPUs, etcd and NATS discovery", { timeout: 300_000 }, async () => {
        const raw = await mockerConfig({
            decode: { replicas: 2 },
            prefill: { replicas: 2 },
            slurm: {
                topology: { sharedNodes: true, decodeWorkersPerNode: 2, prefillWorkersPerNode: 2 },
                discovery: { backend: "etcd", etcdPort: await freePort(), natsPort: await freePort() },
                container: { path: ["/usr/bin"] },
            },
        });
        const { run, results, jobId } = await runToEnd(raw, "it-shared");
        assert.equal(results.nodes.length, 1);
        assert.equal(results.nodes[0].roles, "frontend,decode-0,decode-1,prefill-0,prefill-1");
        assert.equal(results.phases[0].outputs.requestCount, 40);
        const cvd = (name: string) =>
            /CUDA_VISIBLE_DEVICES=([0-9]+(?:,[0-9]+)*)/.exec(fs.readFileSync(path.join(run.job.runDir, "logs", `${name}.log`), "utf8"))?.[1];
        assert.deepEqual(["decode-0", "decode-1", "prefill-0", "prefill-1"].map(cvd), ["0", "1", "2", "3"]);
        assert.match(fs.readFileSync(path.join(run.job.runDir, "logs", "etcd.log"), "utf8"), /etcd/);
        assertCleanEnd(run, jobId);
    });

    test("aggregated workers, frontend on a dedicated node, no GPU request", { timeout: 300_000 }, async () => {
        const raw = await mockerConfig({
            mode: "aggregated",
            prefill: { replicas: 0 },
            decode: { replicas: 2 },
            slurm: { gpuRequest: "none", topology: { dedicatedFrontendNode: true, frontendNode: "n3" } },
        });
        const { run, results, jobId } = await runToEnd(raw, "it-agg");
        assert.deepEqual(
            results.nodes.map((n) => `${n.host}:${n.roles}`),
            ["n3:frontend", "n1:decode-0", "n2:decode-1"],
        );
        assert.equal(results.phases[0].outputs.requestCount, 40);
        assertCleanEnd(run, jobId);
    });
});

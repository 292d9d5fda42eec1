// Start-up commands (setup.commands) in real Slurm jobs on the project's
// one-machine cluster: they run on every node of the job before any Dynamo
// process, a failing or hanging one ends the job with its reason and its log
// tail, and nothing is left running.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { liveJobs, pidAlive, slurmWait, type Run, slurmSuite } from "./slurm-helpers";

const { skip, start } = slurmSuite("slurm-setup");

const read = (run: Run, file: string) => fs.readFileSync(path.join(run.job.runDir, file), "utf8");

function assertNothingLeft(run: Run) {
    assert.deepEqual(liveJobs(run.job.jobName), []);
    const pids = path.join(run.job.runDir, "pids");
    for (const f of fs.existsSync(pids) ? fs.readdirSync(pids) : []) assert.ok(!pidAlive(path.join(pids, f)), `${f}: the process outlived the job`);
}

describe("Slurm: start-up commands on every node", { skip }, () => {
    test("they run on each node of the job, in order, before the workers; the benchmark then runs", { timeout: 300_000 }, async (t) => {
        // Two nodes: prefill and decode apart. The commands run in the run folder (the processes' working directory).
        const { run, jobId } = await start(
            {
                gpusPerNode: 1,
                // The test cluster's nodes share one host name: SLURMD_NODENAME tells them apart.
                setup: { commands: ['n=$SLURMD_NODENAME; echo "first on $n" >> "setup-$n.txt"', 'n=$SLURMD_NODENAME; echo "second on $n" >> "setup-$n.txt"'] },
            },
            "it-setup-ok",
        );
        const res = await slurmWait(run, jobId);
        t.diagnostic(`job with setup commands: ${(res.ms / 1000).toFixed(1)} s`);
        assert.equal(res.code, 0, res.stderr);
        const nodes = read(run, "nodes.txt").trim().split("\n");
        assert.ok(nodes.length >= 2, `expected two nodes, got ${nodes.join("; ")}`);
        const marks = fs.readdirSync(run.job.runDir).filter((f) => /^setup-.*\.txt$/.test(f));
        assert.equal(marks.length, nodes.length, `one marker per node: ${marks.join(", ")}`);
        for (const m of marks) assert.match(read(run, m), /^first on \S+\nsecond on \S+\n$/);
        const jobLog = read(run, "logs/job.log");
        assert.ok(jobLog.indexOf("setup commands done") < jobLog.indexOf("started decode-0"), "setup before the workers");
        assertNothingLeft(run);
    });

    test("a failing command fails the job with its status and log tail, and no worker starts", { timeout: 300_000 }, async () => {
        const { run, jobId } = await start(
            { setup: { commands: ["echo 'checking the fabric'", "echo 'ucx_info: no such transport' >&2; exit 3", "echo never"] } },
            "it-setup-fail",
        );
        const res = await slurmWait(run, jobId);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /the setup commands failed on \S+ with status 3/);
        const marker = read(run, "FAILURE");
        assert.match(marker, /^reason: the setup commands failed on \S+ with status 3\n/);
        assert.match(marker, /checking the fabric/);
        assert.match(marker, /ucx_info: no such transport/);
        assert.doesNotMatch(marker, /^never$/m, "the commands stop at the first failure");
        assert.ok(!fs.existsSync(path.join(run.job.runDir, "pids", "decode-0.pid")), "no worker was started");
        assertNothingLeft(run);
    });

    test("a hanging command is stopped at setup.timeoutSeconds", { timeout: 300_000 }, async (t) => {
        const { run, jobId } = await start({ setup: { commands: ["echo 'waiting for the driver'; sleep 600"], timeoutSeconds: 5 } }, "it-setup-hang");
        const res = await slurmWait(run, jobId);
        t.diagnostic(`hanging setup -> job failed after ${(res.ms / 1000).toFixed(1)} s`);
        assert.equal(res.code, 1);
        assert.match(
            read(run, "FAILURE"),
            /^reason: the setup commands did not finish on \S+ within 5s \(setup\.timeoutSeconds\)\n[\s\S]*waiting for the driver/,
        );
        assertNothingLeft(run);
    });
});

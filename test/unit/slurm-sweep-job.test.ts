// One Slurm job for a whole sweep (slurm.sweepJob): the rendered files of a
// 2-point sweep (sizes, per-point sections, what sweep.sh and slurm-wait read),
// and sweep.sh itself run with a stand-in for batch.sh (no Slurm needed): a
// failed point is recorded with its reason and the next point still runs; a
// point past its bound is stopped; the outcome file says it all.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSweep } from "../../config/load-sweep";
import { deepMerge } from "../../lib/deep-merge";
import { stageCommand, sweepWaitCommandArgs } from "../../lib/slurm/render";
import { renderSweepJob, type RenderedSweepJob, type SweepManifest } from "../../lib/slurm/sweep-render";
import { parseSweepOutcome } from "../../lib/slurm/sweep-results";
import { BASE_SLURM_CONFIG } from "./slurm-fixtures";
import { sourcedVariable } from "../helpers/bash-env";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-sweep-job-test-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function sweepJob(over: Record<string, unknown> = {}, points: unknown[] = [{ "decode.replicas": 1 }, { "decode.replicas": 2 }]): RenderedSweepJob {
    const raw = deepMerge(
        deepMerge(BASE_SLURM_CONFIG, {
            benchmark: { concurrency: [1, 4] },
            timeouts: { readySeconds: 300, benchmarkSeconds: 600 },
            slurm: { sweepJob: true, stopGraceSeconds: 10 },
            sweep: { points },
        }),
        over,
    );
    const plan = loadSweep(raw, "unit");
    return renderSweepJob(
        plan.name,
        plan.points.map((p) => ({ id: p.id, spec: p.spec })),
    );
}

/** Values of bash variables from an env file. */
function sourced(envFile: string, ...names: string[]): Record<string, string[]> {
    return Object.fromEntries(names.map((n) => [n, sourcedVariable(envFile, n)]));
}

/** Writes the job's files where they would be on the cluster (its runDir moved under `root`). */
function writeFiles(job: RenderedSweepJob, root: string): string {
    const runDir = path.join(root, job.runDir);
    for (const f of job.files) {
        const r = spawnSync("sh", ["-c", stageCommand(runDir, f)], { input: f.content });
        assert.equal(r.status, 0, r.stderr.toString());
    }
    return runDir;
}

describe("rendering a sweep job", () => {
    const job = sweepJob();
    const byName = new Map(job.files.map((f) => [f.name, f]));

    test("one job: shared scripts and env at the top, each point's own env under points/<id>", () => {
        assert.deepEqual(
            job.files.map((f) => f.name),
            [
                "job.env",
                "batch.sh",
                "job-processes.sh",
                "node.sh",
                "stall-watch.sh",
                "submit.sh",
                "sweep.sh",
                "points.json",
                "points/d1/job.env",
                "points/d2/job.env",
            ],
        );
        assert.equal(job.batchScript, "sweep.sh");
        assert.deepEqual(
            job.points.map((p) => [p.id, p.runDir]),
            [
                ["d1", `${job.runDir}/points/d1`],
                ["d2", `${job.runDir}/points/d2`],
            ],
        );
        assert.equal(job.runDir, `/shared/bench/dynamo-bench-unit/${job.runId}`);
    });

    test("the allocation fits the largest point; the time limit covers every point's bound", () => {
        // d1: 1 decode + 1 prefill node; d2: 2 decode + 1 prefill nodes.
        assert.deepEqual(
            job.points.map((p) => p.job.plan.nodeCount),
            [2, 3],
        );
        assert.equal(job.nodeCount, 3);
        assert.ok(job.sbatchArgs.includes("--nodes=3"), job.sbatchArgs.join(" "));
        assert.ok(job.sbatchArgs.includes("--job-name=dynamo-bench-unit"));
        // Each point: 300 + 600 + 2 x 10 + 60 = 980 s; 1960 s -> 33 min, plus the 10 min margin.
        assert.deepEqual(
            job.points.map((p) => p.boundSeconds),
            [980, 980],
        );
        assert.equal(job.timeLimit, "43");
        assert.ok(job.sbatchArgs.includes("--time=43"));
        assert.equal(sweepJob({ slurm: { timeLimit: "02:00:00" } }).timeLimit, "02:00:00", "slurm.timeLimit is the whole job's");
    });

    test("job.env: what sweep.sh and submit.sh read", () => {
        const runDir = writeFiles(job, path.join(TMP, "env"));
        const v = sourced(
            path.join(runDir, "job.env"),
            "BATCH_SCRIPT",
            "JOB_DIR",
            "POINT_IDS",
            "POINT_DIRS",
            "POINT_BOUNDS",
            "POINT_FRONTEND_PORTS",
            "SBATCH_ARGS",
        );
        assert.deepEqual(v.BATCH_SCRIPT, ["sweep.sh"]);
        assert.deepEqual(v.JOB_DIR, [job.runDir]);
        assert.deepEqual(v.POINT_IDS, ["d1", "d2"]);
        assert.deepEqual(v.POINT_DIRS, [`${job.runDir}/points/d1`, `${job.runDir}/points/d2`]);
        assert.deepEqual(v.POINT_BOUNDS, ["980", "980"]);
        assert.deepEqual(v.POINT_FRONTEND_PORTS, ["8000", "8000"]);
        assert.deepEqual(v.SBATCH_ARGS, job.sbatchArgs);
    });

    test("each point's job.env is its own benchmark run, with the shared scripts and the sweep's time limit", () => {
        const runDir = writeFiles(job, path.join(TMP, "points"));
        const names = ["RUN_DIR", "JOB_DIR", "BATCH_SCRIPT", "TIME_LIMIT", "INSTANCES", "EXPECT_COUNTS", "PHASE_NAMES", "PHASE_DIRS", "SLOT_NAMES"];
        const d1 = sourced(path.join(runDir, "points/d1/job.env"), ...names);
        const d2 = sourced(path.join(runDir, "points/d2/job.env"), ...names);
        assert.deepEqual(d1.RUN_DIR, [`${job.runDir}/points/d1`]);
        assert.deepEqual(d1.JOB_DIR, [job.runDir], "node.sh and secrets.env are the sweep's");
        assert.deepEqual(d1.BATCH_SCRIPT, ["batch.sh"]);
        assert.deepEqual(d1.TIME_LIMIT, ["43"]);
        assert.deepEqual(d1.INSTANCES, ["decode-0", "prefill-0"]);
        assert.deepEqual(d2.INSTANCES, ["decode-0", "decode-1", "prefill-0"]);
        assert.deepEqual(d1.EXPECT_COUNTS, ["1", "1"]);
        assert.deepEqual(d2.EXPECT_COUNTS, ["1", "2"]);
        assert.deepEqual(d2.SLOT_NAMES, ["", "", ""]);
        assert.deepEqual(d1.PHASE_NAMES, ["c1", "c4"]);
        assert.deepEqual(d2.PHASE_DIRS, [`${job.runDir}/points/d2/exports/c1`, `${job.runDir}/points/d2/exports/c4`]);
    });

    test("points.json: what slurm-wait needs per point", () => {
        const manifest = JSON.parse(byName.get("points.json")!.content) as SweepManifest;
        assert.deepEqual(manifest, {
            format: 1,
            jobName: "dynamo-bench-unit",
            points: [
                {
                    id: "d1",
                    runDir: `${job.runDir}/points/d1`,
                    gpus: 2,
                    phases: [
                        { name: "c1", concurrency: 1 },
                        { name: "c4", concurrency: 4 },
                    ],
                },
                {
                    id: "d2",
                    runDir: `${job.runDir}/points/d2`,
                    gpus: 3,
                    phases: [
                        { name: "c1", concurrency: 1 },
                        { name: "c4", concurrency: 4 },
                    ],
                },
            ],
        });
    });

    test("one run id for the whole sweep: any point's change is a new run", () => {
        assert.equal(sweepJob().runId, job.runId);
        assert.notEqual(sweepJob({}, [{ "decode.replicas": 1 }, { "decode.replicas": 3 }]).runId, job.runId);
        assert.notEqual(sweepJob({ slurm: { runTag: "again" } }).runId, job.runId);
    });

    test("nodes the config names are the allocation's", () => {
        const pinned = sweepJob({ decode: { replicas: 2 }, slurm: { topology: { decodeNodes: ["gpu[1-2]"], prefillNodes: ["gpu3"] } } }, [
            { "decode.tensorParallel": 1 },
            { "decode.tensorParallel": 2 },
        ]);
        assert.equal(pinned.points.length, 2);
        assert.ok(pinned.sbatchArgs.includes("--nodelist=gpu1,gpu2,gpu3"), pinned.sbatchArgs.join(" "));
        assert.equal(pinned.nodeCount, 3);
    });

    test("slurm-wait is told it waits for a sweep; phases and GPUs come from points.json", () => {
        const plan = loadSweep(deepMerge(BASE_SLURM_CONFIG, { slurm: { sweepJob: true }, sweep: { points: [{ "decode.replicas": 1 }] } }), "unit");
        const args = sweepWaitCommandArgs(plan.points[0]!.spec, job, "77");
        assert.deepEqual(args.slice(0, 5), ["slurm-wait", "--run-dir", job.runDir, "--job-id", "77"]);
        assert.deepEqual(args.slice(-3), ["--sweep", "--tool", "aiperf"]);
        assert.ok(!args.includes("--phase") && !args.includes("--gpus"));
    });
});

/** A stand-in for batch.sh: d1 fails as a worker would, the others succeed; "slow" never ends by itself. */
const STUB_BATCH = `#!/usr/bin/env bash
source "$1"
case "$RUN_DIR" in
  */d1) printf 'reason: decode-0 exited with status 2 while waiting for workers\\nstate: waiting for workers\\n--- last 40 lines of decode-0.log ---\\nerror: unrecognized arguments: --bad\\n' > "$RUN_DIR/FAILURE"; exit 1 ;;
  *slow)
    trap 'printf "reason: received SIGTERM while benchmark phase c1\\n" > "$RUN_DIR/FAILURE"; exit 1' TERM
    trap 'printf "reason: time limit: stopped while benchmark phase c1\\n" > "$RUN_DIR/FAILURE"; exit 1' USR1
    sleep 30 & wait ;;
  *) echo '{"format": 1}' > "$RUN_DIR/SUCCESS.json" ;;
esac
`;

function runSweepScript(
    points: unknown[],
    bounds?: string,
    signal?: string,
): { code: number; outcome: ReturnType<typeof parseSweepOutcome>; log: string; seconds: number } {
    const job = sweepJob({}, points);
    const runDir = writeFiles(job, fs.mkdtempSync(path.join(TMP, "run-")));
    fs.writeFileSync(path.join(runDir, "batch.sh"), STUB_BATCH);
    // The env file names cluster paths; here they live under the temporary root.
    const envFile = path.join(runDir, "job.env");
    let env = fs.readFileSync(envFile, "utf8").split(job.runDir).join(runDir);
    if (bounds) env = env.replace(/^POINT_BOUNDS=.*$/m, `POINT_BOUNDS=(${bounds})`);
    fs.writeFileSync(envFile, env);
    for (const p of job.points) {
        const f = path.join(runDir, "points", p.id, "job.env");
        fs.writeFileSync(f, fs.readFileSync(f, "utf8").split(job.runDir).join(runDir));
    }
    const started = Date.now();
    // With a signal: what Slurm sends the batch shell (USR1 before the time limit), 1 s into the run.
    const script = signal ? `bash "$0" "$1" & pid=$!; sleep 1; kill -${signal} $pid; wait $pid` : `exec bash "$0" "$1"`;
    const r = spawnSync("bash", ["-c", script, path.join(runDir, "sweep.sh"), envFile], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH } });
    return {
        code: r.status ?? -1,
        outcome: parseSweepOutcome(fs.readFileSync(path.join(runDir, "SWEEP.tsv"), "utf8")),
        log: r.stdout + r.stderr,
        seconds: (Date.now() - started) / 1000,
    };
}

describe("sweep.sh, the sweep job's batch script", () => {
    test("a failed point is recorded with its reason and the next point still runs; the job fails", () => {
        const r = runSweepScript([{ "decode.replicas": 1 }, { "decode.replicas": 2 }]);
        assert.equal(r.code, 1, r.log);
        assert.deepEqual(
            r.outcome.map((o) => [o.id, o.status, o.reason]),
            [
                ["d1", "failed", "decode-0 exited with status 2 while waiting for workers"],
                ["d2", "ok", ""],
            ],
        );
        for (const o of r.outcome) assert.ok(o.startNs! <= o.endNs! && o.endNs! <= o.clearNs!, JSON.stringify(o));
        assert.ok(r.outcome[1]!.startNs! >= r.outcome[0]!.clearNs!, "point 2 starts once point 1 is cleared");
    });

    test("every point ok: the job succeeds", () => {
        const r = runSweepScript([{ "decode.replicas": 2 }, { "decode.replicas": 3 }]);
        assert.equal(r.code, 0, r.log);
        assert.deepEqual(
            r.outcome.map((o) => o.status),
            ["ok", "ok"],
        );
    });

    test("a point past its bound is stopped (SIGTERM, its own reason kept) and the sweep goes on", () => {
        const r = runSweepScript([{ "decode.env": { label: "slow", value: {} } }, { "decode.env": { label: "fast", value: { A: "1" } } }], "1 1");
        assert.equal(r.code, 1, r.log);
        assert.deepEqual(
            r.outcome.map((o) => [o.id, o.status, o.reason]),
            [
                ["de-slow", "failed", "not done within 1s (timeouts.readySeconds + benchmarkSeconds + a margin): received SIGTERM while benchmark phase c1"],
                ["de-fast", "ok", ""],
            ],
        );
        assert.ok(r.seconds < 20, `stopped after ${r.seconds} s, not after the stand-in's 30 s`);
    });

    test("the time-limit warning (SIGUSR1) reaches the running point; the points after it are not run, with the reason", () => {
        const r = runSweepScript([{ "decode.env": { label: "slow", value: {} } }, { "decode.env": { label: "fast", value: { A: "1" } } }], undefined, "USR1");
        assert.equal(r.code, 1, r.log);
        assert.deepEqual(
            r.outcome.map((o) => [o.id, o.status, o.reason]),
            [
                ["de-slow", "failed", "time limit: stopped while benchmark phase c1"],
                ["de-fast", "not run", "time limit: the job reaches its time limit (43) in less than 60s"],
            ],
        );
        assert.ok(r.seconds < 20, `stopped after ${r.seconds} s`);
    });
});

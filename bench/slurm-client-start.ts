// Benchmark script (not a test): where the time between the last worker
// registering and the first benchmark request goes on the Slurm target, on the
// project's test cluster (scripts/slurm/cluster-up.sh; mocker workers, AIPerf
// bare metal from the venv). Runs N one-phase jobs one after another, each
// through the same staging, sbatch and `dynamo-bench slurm-wait` as `pulumi
// up`, and prints per job, from the job's own nanosecond timestamps
// (SUCCESS.json) and AIPerf's first request_start_ns:
//   job start -> workers registered   (the deployment's start-up)
//   registered -> ready               (/v1/models and the one-token probe)
//   ready -> client launched          (the job script's own overhead)
//   client launched -> first request  (AIPerf's start-up)
//   last worker registered -> first request (the sum of the last three)
//   the same, had the client started at job start behind a gate: its start-up
//     minus the deployment's, the best any overlap can reach (a bound, computed)
// then the median, min and max of each, and the load average around the runs.
//
//   npx tsx bench/slurm-client-start.ts [jobs]     (default 3)
import * as os from "node:os";
import { mockerConfig, render, slurmCluster, pythonRuntime, slurmWait, stageAndSubmit, cancel } from "../test/integration/slurm-helpers";
import { parseResultLine, type ResultLine } from "../lib/results";

const COLUMNS: Array<[string, (t: Record<string, number>) => number | undefined]> = [
    ["job start -> workers registered", (t) => t.workersRegisteredSeconds],
    ["registered -> ready (models + probe)", (t) => (t.readySeconds ?? NaN) - (t.workersRegisteredSeconds ?? NaN)],
    ["ready -> client launched", (t) => t.readyToBenchmarkLaunchSeconds],
    ["client launched -> first request", (t) => t.benchmarkLaunchToFirstRequestSeconds],
    ["last worker registered -> first request", (t) => t.lastWorkerToFirstRequestSeconds],
    // Had the client started at job start (behind a gate, as DYNAMO_BENCH_CLIENT_EARLY does locally), its start-up
    // would overlap the deployment's, and the gate would open at ready: its first request then comes this long
    // after the last worker registered, at best (the start-up as measured; on 2 cores it would compete for the CPU).
    [
        "the same with the client started at job start (bound)",
        (t) => {
            const registered = t.workersRegisteredSeconds ?? NaN;
            return Math.max((t.readySeconds ?? NaN) - registered, (t.benchmarkLaunchToFirstRequestSeconds ?? NaN) - registered);
        },
    ],
];

async function main(): Promise<void> {
    const cluster = slurmCluster();
    const py = pythonRuntime();
    if (!cluster.ok || !py.ok) throw new Error(`cannot run: ${!cluster.ok ? cluster.reason : !py.ok ? py.reason : ""}`);
    const jobs = Number(process.argv[2] ?? 3);
    const rows: Array<{ jobId: string; load: number; timings: Record<string, number> }> = [];
    for (let i = 0; i < jobs; i++) {
        const raw = await mockerConfig({
            name: `bench-cs-${i}`,
            benchmark: { concurrency: 1, requestCount: 8, warmupRequests: 0, inputTokens: 64, outputTokens: 16 },
        });
        const run = render(raw, "bench");
        try {
            const jobId = await stageAndSubmit(run);
            const waited = await slurmWait(run, jobId);
            if (waited.code !== 0) throw new Error(`job ${jobId} failed:\n${waited.stderr.slice(-3000)}`);
            const result = parseResultLine<ResultLine & { timings: Record<string, number> }>(waited.stdout, "slurm-wait");
            rows.push({ jobId, load: os.loadavg()[0]!, timings: result.timings });
            const t = result.timings;
            console.log(`job ${jobId}: ${COLUMNS.map(([name, f]) => `${name} ${f(t)?.toFixed(2)} s`).join("; ")}; load average ${os.loadavg()[0]!.toFixed(1)}`);
        } finally {
            await cancel(run);
        }
    }
    const stat = (values: number[]) => {
        const s = [...values].filter(Number.isFinite).sort((a, b) => a - b);
        return s.length ? `median ${s[Math.floor((s.length - 1) / 2)]!.toFixed(2)} s, min ${s[0]!.toFixed(2)}, max ${s[s.length - 1]!.toFixed(2)}` : "no data";
    };
    console.log(`\n${jobs} jobs on ${os.cpus().length} cores, load average ${rows.map((r) => r.load.toFixed(1)).join(", ")}`);
    for (const [name, f] of COLUMNS) console.log(`${name.padEnd(56)} ${stat(rows.map((r) => f(r.timings) ?? NaN))}`);
}

main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
});

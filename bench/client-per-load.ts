// Benchmark script (not a test): what each added load costs the client on the
// local target, and what starting the client early behind the gate gives.
// Runs the default local stack with 1 and with 3 loads (concurrency 1; 1, 4,
// 8) in three modes, interleaved round by round since the machine is shared:
// "before" (one AIPerf process per phase, started once the deployment is
// ready), "combined" (the phases in one AIPerf process:
// lib/local/run/client-runs.ts) and "combined+gate" (that process started with
// the workers, behind lib/local/run/gate.ts). Per run: the run's wall time, the
// client's time outside its measured benchmark after the deployment is ready,
// ready to first request, and TTFT of the first phase; per round and mode:
// (wall with 3 loads - wall with 1 load - the added measured time) / 2 = the
// extra wall time per added load.
//
//   npm run bench:client-per-load [-- --rounds 3]
import { localStackConfig, runOnce, split } from "./local-overhead";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 3;
/** `--modes a,b` and `--loads one`: a subset, for more rounds of one comparison. */
const pick = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1]!.split(",") : undefined);
const LOADS = { one: [1], three: [1, 4, 8] } as const;
const MODES = {
    before: { DYNAMO_BENCH_SEPARATE_CLIENT_RUNS: "1", DYNAMO_BENCH_CLIENT_EARLY: "0" },
    combined: { DYNAMO_BENCH_SEPARATE_CLIENT_RUNS: "0", DYNAMO_BENCH_CLIENT_EARLY: "0" },
    "combined+gate": { DYNAMO_BENCH_SEPARATE_CLIENT_RUNS: "0", DYNAMO_BENCH_CLIENT_EARLY: "1" },
} as const;

function spec(loads: readonly number[]): string {
    const config = localStackConfig() as { benchmark: Record<string, unknown> };
    config.benchmark = { ...config.benchmark, phases: loads.map((c) => ({ name: `c${c}`, concurrency: c })) };
    return JSON.stringify(config);
}

function stats(values: number[]): string {
    const v = [...values].sort((a, b) => a - b);
    return `median ${v[Math.floor(v.length / 2)]!.toFixed(2)} (min ${v[0]!.toFixed(2)}, max ${v[v.length - 1]!.toFixed(2)}, n=${v.length})`;
}

async function main() {
    const perLoad: Record<string, number[]> = {};
    const figures: Record<string, Record<string, number[]>> = {};
    const keep = (mode: string, loads: string, key: string, value: number) => ((figures[key] ??= {})[`${mode}, ${loads} load(s)`] ??= []).push(value);
    for (let r = 1; r <= rounds; r++) {
        for (const [mode, env] of Object.entries(MODES).filter(([m]) => pick("--modes")?.includes(m) ?? true)) {
            const wall: Record<string, number> = {};
            for (const [name, loads] of Object.entries(LOADS).filter(([l]) => pick("--loads")?.includes(l) ?? true)) {
                process.stderr.write(`round ${r}/${rounds}: ${mode}, ${loads.length} load(s)...\n`);
                const s = split(await runOnce(spec(loads), { ...process.env, ...env }));
                wall[name] = s.wallS - s.measuredBenchmarkS;
                keep(mode, String(loads.length), "run wall time (s)", s.wallS);
                keep(mode, String(loads.length), "run wall time minus measured benchmark (s)", s.wallS - s.measuredBenchmarkS);
                keep(mode, String(loads.length), "client time outside the measured benchmark, after ready (s)", s.aiperfStartupAndExportS);
                keep(mode, String(loads.length), "registration (s)", s.registrationS);
                keep(mode, String(loads.length), "ready to first request (s)", s.readyToFirstRequestS);
                keep(mode, String(loads.length), "TTFT avg of c1 (ms)", s.ttftAvgMs);
                keep(mode, String(loads.length), "TTFT p99 of c1 (ms)", s.ttftP99Ms);
            }
            if (wall.one !== undefined && wall.three !== undefined) (perLoad[mode] ??= []).push((wall.three! - wall.one!) / (LOADS.three.length - 1));
        }
    }
    console.log(`${rounds} interleaved rounds; median (min, max)`);
    for (const [key, byMode] of Object.entries(figures)) {
        console.log(key);
        for (const [k, v] of Object.entries(byMode)) console.log(`  ${k.padEnd(28)} ${stats(v)}`);
    }
    console.log(`extra wall time per added load, outside the measured benchmark (s)`);
    for (const [k, v] of Object.entries(perLoad)) console.log(`  ${k.padEnd(28)} ${stats(v)}`);
}

main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
});

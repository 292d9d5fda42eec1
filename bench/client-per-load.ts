// Benchmark script (not a test): what each added load costs the client on the
// local target. Runs the default local stack with 1 and with 3 loads
// (concurrency 1; 1, 4, 8), once with one AIPerf process per phase
// (DYNAMO_BENCH_SEPARATE_CLIENT_RUNS=1, as before) and once with the phases
// in one AIPerf process (lib/local/run/client-runs.ts), interleaved round by
// round since the machine is shared. Per run: the client's time outside its
// measured benchmark (AIPerf start-up, dataset, warmups, export); per round
// and mode: (3 loads - 1 load) / 2 = the extra wall time per added load.
//
//   npm run bench:client-per-load [-- --rounds 3]
import { localStackConfig, runOnce, split } from "./local-overhead";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 3;
const LOADS = { one: [1], three: [1, 4, 8] } as const;
const MODES = { separate: { DYNAMO_BENCH_SEPARATE_CLIENT_RUNS: "1" }, combined: { DYNAMO_BENCH_SEPARATE_CLIENT_RUNS: "0" } } as const;

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
    const perLoad: Record<string, number[]> = { separate: [], combined: [] };
    const overhead: Record<string, number[]> = {};
    const ttft: Record<string, number[]> = {};
    for (let r = 1; r <= rounds; r++) {
        for (const [mode, env] of Object.entries(MODES)) {
            const o: Record<string, number> = {};
            for (const [name, loads] of Object.entries(LOADS)) {
                process.stderr.write(`round ${r}/${rounds}: ${mode}, ${loads.length} load(s)...\n`);
                const s = split(await runOnce(spec(loads), { ...process.env, ...env }));
                o[name] = s.aiperfStartupAndExportS;
                (overhead[`${mode} ${name}`] ??= []).push(s.aiperfStartupAndExportS);
                (ttft[`${mode} ${name}`] ??= []).push(s.ttftAvgMs);
            }
            perLoad[mode]!.push((o.three! - o.one!) / (LOADS.three.length - 1));
        }
    }
    console.log(`client time outside the measured benchmark (s), ${rounds} interleaved rounds`);
    for (const [k, v] of Object.entries(overhead)) console.log(`  ${k.padEnd(18)} ${stats(v)}`);
    console.log(`extra wall time per added load (s)`);
    for (const [k, v] of Object.entries(perLoad)) console.log(`  ${k.padEnd(18)} ${stats(v)}`);
    console.log(`TTFT avg of the first phase, c1 (ms)`);
    for (const [k, v] of Object.entries(ttft)) console.log(`  ${k.padEnd(18)} ${stats(v)}`);
}

main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
});

// Benchmark script (not a test): where AIPerf's start-up goes, from the logs of
// finished local runs. For each run folder: seconds from spawning the first
// AIPerf process to each step its log names (Python import done, tokenizer
// prefetched, services registered, tokenizer configured, dataset made,
// profiling started = first request), then the median, min and max per step;
// and, in runs whose phases shared one AIPerf process, the time from one
// profiling phase's end to the next one's start (the next one's warmup
// included), which is what each added load costs inside that process.
//
//   npx tsx bench/aiperf-startup.ts <run folder>...   (default: the 6 newest runs)
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../lib/paths";

const STEPS: Array<[string, RegExp]> = [
    ["python import (Starting AIPerf System)", /Starting AIPerf System/],
    ["tokenizer prefetched", /tokenizer cached/],
    ["services registered (CONFIGURING)", /AIPerf System is CONFIGURING/],
    ["tokenizer configured", /Tokenizer\(s\) configured/],
    ["dataset made (CONFIGURED)", /AIPerf System is CONFIGURED/],
    ["first request (first phase started)", /Phase \S+ \(\w+\) started/],
];

function stepsOf(runDir: string): number[] | undefined {
    if (!fs.existsSync(path.join(runDir, "timings.json"))) return undefined;
    const timings = JSON.parse(fs.readFileSync(path.join(runDir, "timings.json"), "utf8")) as { startedAt: string; phases: Array<{ startMs: number }> };
    const first = timings.phases[0];
    const log = fs.readdirSync(path.join(runDir, "logs")).filter((f) => f.startsWith("aiperf-"))[0];
    if (!first || !log) return undefined;
    const spawnedAt = Date.parse(timings.startedAt) + first.startMs;
    const day = timings.startedAt.slice(0, 10);
    const lines = fs.readFileSync(path.join(runDir, "logs", log), "utf8").split("\n");
    return STEPS.map(([, re]) => {
        const line = lines.find((l) => re.test(l));
        const hms = line && /^(\d\d:\d\d:\d\d\.\d+)/.exec(line)?.[1];
        // AIPerf logs the time of day in UTC on these machines, without the date.
        return hms ? (Date.parse(`${day}T${hms}Z`) - spawnedAt) / 1000 : NaN;
    });
}

const runsDir = path.join(cacheDir(process.env), "runs");
const dirs = process.argv.slice(2).length
    ? process.argv.slice(2)
    : fs
          .readdirSync(runsDir)
          .sort()
          .slice(-6)
          .map((d) => path.join(runsDir, d));
/** Seconds from each profiling phase's completion to the next profiling phase's start, from one AIPerf log. */
function betweenPhases(runDir: string): number[] {
    const logs = fs.existsSync(path.join(runDir, "logs")) ? fs.readdirSync(path.join(runDir, "logs")).filter((f) => /^aiperf-.+-to-.+\.log$/.test(f)) : [];
    const out: number[] = [];
    for (const log of logs) {
        let completedAt: number | undefined;
        for (const line of fs.readFileSync(path.join(runDir, "logs", log), "utf8").split("\n")) {
            const m = /^(\d\d):(\d\d):(\d\d\.\d+) .*Phase \S+ \(profiling\) (started|complete)/.exec(line);
            if (!m) continue;
            const t = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
            if (m[4] === "complete") completedAt = t;
            else if (completedAt !== undefined) out.push(t - completedAt);
        }
    }
    return out;
}

const rows = dirs.map(stepsOf).filter((r): r is number[] => r !== undefined);
console.log(`AIPerf start-up, seconds from spawning it, ${rows.length} runs: median (min, max)`);
STEPS.forEach(([name], i) => {
    const v = rows
        .map((r) => r[i]!)
        .filter((x) => !Number.isNaN(x))
        .sort((a, b) => a - b);
    if (v.length) console.log(`  ${name.padEnd(40)} ${v[Math.floor(v.length / 2)]!.toFixed(2)} (${v[0]!.toFixed(2)}, ${v[v.length - 1]!.toFixed(2)})`);
});
const gaps = dirs.flatMap(betweenPhases).sort((a, b) => a - b);
if (gaps.length) {
    console.log(
        `  ${"profiling phase end to next one's start".padEnd(40)} ${gaps[Math.floor(gaps.length / 2)]!.toFixed(2)} (${gaps[0]!.toFixed(2)}, ${gaps[gaps.length - 1]!.toFixed(2)}), ${gaps.length} gaps`,
    );
}

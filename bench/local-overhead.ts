// Benchmark script (not a test): runs the default local stack's benchmark a few
// times through `dynamo-bench local-run` and reports where the wall time goes:
// process start, registration, readiness, benchmark (AIPerf's measured time and
// its own start-up/export), teardown, the orchestration overhead, and around the
// run: the command's own start (spawn to run start), its work after the run
// (summaries) and the time from its result line to its exit. The first phase's
// TTFT is reported too, since client settings (server-metrics scraping) move it.
//
//   npm run bench:local [-- --runs 3] [-- --set benchmark.serverMetrics=false]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { RunTimings } from "../lib/local/runner";
import { REPO_ROOT } from "../lib/paths";
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;

/** The dynamo-bench: keys of stacks/Pulumi.local.yaml, as local-run takes them. */
export function localStackConfig(): Record<string, unknown> {
    const doc = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^dynamo-bench:/, ""), v]));
}

/** `--set a.b=value` (repeatable): a change to the stack's configuration, for before/after figures; values are JSON or text. */
function applySets(config: Record<string, unknown>): Record<string, unknown> {
    process.argv.forEach((arg, i) => {
        if (arg !== "--set") return;
        const [key, raw] = process.argv[i + 1]!.split(/=(.*)/s) as [string, string];
        const keys = key.split(".");
        let node = config;
        for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
        let value: unknown = raw;
        try {
            value = JSON.parse(raw);
        } catch {
            /* plain text */
        }
        node[keys[keys.length - 1]!] = value;
    });
    return config;
}

export interface Run {
    timings: RunTimings;
    /** Milliseconds from spawning the command, to its result line and to its exit. */
    resultLineMs: number;
    exitMs: number;
    spawnedAt: number;
    ttftAvgMs?: number;
    ttftP99Ms?: number;
    /** Artifact folder of the first phase (its records give the first request's time). */
    firstPhaseDir?: string;
}

export function runOnce(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
    return new Promise((resolve, reject) => {
        const spawnedAt = Date.now();
        const child = spawn("node", ["bin/dynamo-bench.js", "local-run", "--spec-file", "-"], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let resultLineMs = NaN;
        child.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString("utf8");
            if (Number.isNaN(resultLineMs) && stdout.includes("DYNAMO_BENCH_RESULT ") && stdout.endsWith("\n")) resultLineMs = Date.now() - spawnedAt;
        });
        child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)));
        child.stdin.end(spec);
        child.on("close", (code) => {
            const exitMs = Date.now() - spawnedAt;
            const line = stdout.split("\n").find((l) => l.startsWith("DYNAMO_BENCH_RESULT "));
            const result = line ? JSON.parse(line.slice("DYNAMO_BENCH_RESULT ".length)) : undefined;
            if (code !== 0 || !result?.ok) return reject(new Error(`local-run failed (exit ${code}): ${result?.error?.message ?? stderr.slice(-2000)}`));
            const ttft = result.outputs?.ttftMs as { avg?: number; p99?: number } | undefined;
            resolve({
                timings: result.timings as RunTimings,
                resultLineMs,
                exitMs,
                spawnedAt,
                ttftAvgMs: ttft?.avg,
                ttftP99Ms: ttft?.p99,
                firstPhaseDir: result.phases?.[0]?.artifactDir,
            });
        });
    });
}

export interface Split {
    processStartS: number;
    registrationS: number;
    readinessS: number;
    measuredBenchmarkS: number;
    aiperfStartupAndExportS: number;
    teardownS: number;
    orchestrationS: number;
    wallS: number;
    cliStartS: number;
    afterRunS: number;
    resultToExitS: number;
    processWallS: number;
    readyToFirstRequestS: number;
    ttftAvgMs: number;
    ttftP99Ms: number;
}

/**
 * From the deployment being ready (readiness checks passed) to the first
 * benchmark request reaching it: the earliest request start in the first
 * phase's records, or the ready time itself when that request was sent
 * earlier and held at the gate (lib/local/run/gate.ts).
 */
function readyToFirstRequestS(run: Run): number {
    const t = run.timings;
    if (!run.firstPhaseDir) return NaN;
    const readyAtMs = Date.parse(t.startedAt) + (t.processStartMs ?? 0) + (t.registrationMs ?? 0) + (t.readinessMs ?? 0);
    let firstNs = Infinity;
    for (const line of fs.readFileSync(path.join(run.firstPhaseDir, "profile_export.jsonl"), "utf8").split("\n")) {
        const ns = /"request_start_ns":(\d+)/.exec(line)?.[1];
        if (ns !== undefined) firstNs = Math.min(firstNs, Number(ns));
    }
    return Math.max(0, firstNs / 1e6 - readyAtMs) / 1000;
}

export function split(run: Run): Split {
    const t = run.timings;
    const measured = t.phases.reduce((sum, p) => sum + (p.measuredMs ?? 0), 0);
    const benchmark = t.benchmarkMs ?? 0;
    const s = (ms: number | undefined) => (ms ?? 0) / 1000;
    const orchestration = (t.processStartMs ?? 0) + (t.registrationMs ?? 0) + (t.readinessMs ?? 0) + (t.teardownMs ?? 0);
    return {
        processStartS: s(t.processStartMs),
        registrationS: s(t.registrationMs),
        readinessS: s(t.readinessMs),
        measuredBenchmarkS: s(measured),
        aiperfStartupAndExportS: s(benchmark - measured),
        teardownS: s(t.teardownMs),
        orchestrationS: s(orchestration),
        wallS: s(t.totalMs),
        cliStartS: s(Date.parse(t.startedAt) - run.spawnedAt),
        afterRunS: s(run.resultLineMs - (Date.parse(t.startedAt) - run.spawnedAt) - (t.totalMs ?? 0)),
        resultToExitS: s(run.exitMs - run.resultLineMs),
        processWallS: s(run.exitMs),
        readyToFirstRequestS: readyToFirstRequestS(run),
        ttftAvgMs: run.ttftAvgMs ?? NaN,
        ttftP99Ms: run.ttftP99Ms ?? NaN,
    };
}

async function main() {
    const spec = JSON.stringify(applySets(localStackConfig()));
    const splits: Split[] = [];
    for (let i = 1; i <= runs; i++) {
        process.stderr.write(`run ${i}/${runs}...\n`);
        splits.push(split(await runOnce(spec)));
    }
    const keys = Object.keys(splits[0]!) as Array<keyof Split>;
    console.log(
        `local-run of stacks/Pulumi.local.yaml${process.argv.includes("--set") ? " with changes" : ""}, ${runs} runs (seconds, TTFT ms: min / median / max)`,
    );
    for (const key of keys) {
        const values = splits.map((s) => s[key]).sort((a, b) => a - b);
        const median = values[Math.floor(values.length / 2)]!;
        console.log(
            `  ${key.padEnd(24)} ${values[0]!.toFixed(2).padStart(7)} ${median.toFixed(2).padStart(7)} ${values[values.length - 1]!.toFixed(2).padStart(7)}`,
        );
    }
}

// Run only as a script; bench/client-per-load.ts imports the helpers above.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
    main().catch((err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
    });
}

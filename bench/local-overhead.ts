// Benchmark script (not a test): runs the default local stack's benchmark a few
// times through `dynamo-bench local-run` and reports where the wall time goes:
// process start, registration, readiness, benchmark (AIPerf's measured time and
// its own start-up/export), teardown, and the orchestration overhead.
//
//   npm run bench:local [-- --runs 3]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { RunTimings } from "../lib/local/runner";
import { REPO_ROOT } from "../lib/paths";
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;

/** The dynamo-bench: keys of stacks/Pulumi.local.yaml, as local-run takes them. */
function localStackConfig(): Record<string, unknown> {
    const doc = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^dynamo-bench:/, ""), v]));
}

function runOnce(spec: string): RunTimings {
    const r = spawnSync("node", ["bin/dynamo-bench.js", "local-run", "--spec-file", "-"], {
        cwd: REPO_ROOT,
        input: spec,
        encoding: "utf8",
        maxBuffer: 64 << 20,
    });
    const line = r.stdout.split("\n").find((l) => l.startsWith("DYNAMO_BENCH_RESULT "));
    const result = line ? JSON.parse(line.slice("DYNAMO_BENCH_RESULT ".length)) : undefined;
    if (r.status !== 0 || !result?.ok) throw new Error(`local-run failed (exit ${r.status}): ${result?.error?.message ?? r.stderr.slice(-2000)}`);
    return result.timings as RunTimings;
}

interface Split {
    processStartS: number;
    registrationS: number;
    readinessS: number;
    measuredBenchmarkS: number;
    aiperfStartupAndExportS: number;
    teardownS: number;
    orchestrationS: number;
    wallS: number;
}

function split(t: RunTimings): Split {
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
    };
}

function main() {
    const spec = JSON.stringify(localStackConfig());
    const splits: Split[] = [];
    for (let i = 1; i <= runs; i++) {
        process.stderr.write(`run ${i}/${runs}...\n`);
        splits.push(split(runOnce(spec)));
    }
    const keys = Object.keys(splits[0]!) as Array<keyof Split>;
    console.log(`local-run of stacks/Pulumi.local.yaml, ${runs} runs (seconds: min / median / max)`);
    for (const key of keys) {
        const values = splits.map((s) => s[key]).sort((a, b) => a - b);
        const median = values[Math.floor(values.length / 2)]!;
        console.log(
            `  ${key.padEnd(24)} ${values[0]!.toFixed(2).padStart(7)} ${median.toFixed(2).padStart(7)} ${values[values.length - 1]!.toFixed(2).padStart(7)}`,
        );
    }
}

main();

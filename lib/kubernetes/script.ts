// The static benchmark script shipped in the Job's ConfigMap.
import * as fs from "node:fs";
import * as path from "node:path";

/** Repository root (lib/kubernetes/ is two levels down). */
export const REPO_ROOT = path.resolve(__dirname, "../..");
export const BENCHMARK_SCRIPT_PATH = path.join(REPO_ROOT, "scripts", "k8s", "run-benchmark.sh");
/** The CLI the results command runs, relative to REPO_ROOT. */
export const CLI_ENTRY = path.join("bin", "dynamo-bench.js");

export function readBenchmarkScript(file = BENCHMARK_SCRIPT_PATH): string {
    return fs.readFileSync(file, "utf8");
}

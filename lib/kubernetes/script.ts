// The static benchmark script shipped in the Job's ConfigMap.
import * as fs from "node:fs";
import { repoPath } from "../paths";
export const BENCHMARK_SCRIPT_PATH = repoPath("scripts", "k8s", "run-benchmark.sh");

export function readBenchmarkScript(file = BENCHMARK_SCRIPT_PATH): string {
    return fs.readFileSync(file, "utf8");
}

// The static benchmark script shipped in the Job's ConfigMap, with the stall
// watchdog's rule it sources (shared with the Slurm job's batch.sh).
import * as fs from "node:fs";
import { repoPath } from "../paths";
import { readStallWatchScript, STALL_WATCH_FILE } from "../watchdog/script";
export const BENCHMARK_SCRIPT_PATH = repoPath("scripts", "k8s", "run-benchmark.sh");

export function readBenchmarkScript(file = BENCHMARK_SCRIPT_PATH): string {
    return fs.readFileSync(file, "utf8");
}

/** Every file the Job's script needs, by the name it has in the ConfigMap (and the mount). */
export function readBenchmarkScripts(): Record<string, string> {
    return { "run-benchmark.sh": readBenchmarkScript(), [STALL_WATCH_FILE]: readStallWatchScript() };
}

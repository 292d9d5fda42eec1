// The stall watchdog's rule for the node scripts (scripts/stall-watch.sh): one
// bash file, shipped next to scripts/slurm/batch.sh in a Slurm job's folder and
// next to scripts/k8s/run-benchmark.sh in the benchmark Job's ConfigMap.
import * as fs from "node:fs";
import { repoPath } from "../paths";

export const STALL_WATCH_FILE = "stall-watch.sh";
export const STALL_WATCH_SCRIPT_PATH = repoPath("scripts", STALL_WATCH_FILE);

export function readStallWatchScript(): string {
    return fs.readFileSync(STALL_WATCH_SCRIPT_PATH, "utf8");
}

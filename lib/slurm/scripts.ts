// The static scripts a Slurm run ships next to its env file (scripts/slurm in
// this repository): read once per render, copied byte for byte. submit.sh
// hands sbatch the script job.env names (BATCH_SCRIPT): batch.sh runs one
// benchmark (with job-processes.sh, the functions that start, watch and stop
// its processes), sweep.sh every point of a sweep job through batch.sh.
// stall-watch.sh, the stall watchdog's rule that batch.sh sources, is shared
// with the Kubernetes Job's script and so lives in scripts/, not scripts/slurm.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoPath } from "../paths";
import { STALL_WATCH_FILE, STALL_WATCH_SCRIPT_PATH } from "../watchdog/script";

export const SCRIPT_NAMES = ["batch.sh", "job-processes.sh", "node.sh", "stall-watch.sh", "submit.sh", "sweep.sh"] as const;
/** What one benchmark's job ships; a sweep job (slurm.sweepJob) adds sweep.sh, its batch script. */
export const JOB_SCRIPTS = ["batch.sh", "job-processes.sh", "node.sh", "stall-watch.sh", "submit.sh"] as const satisfies readonly ScriptName[];
export type JobScripts = Pick<SlurmScripts, (typeof JOB_SCRIPTS)[number]>;
export type ScriptName = (typeof SCRIPT_NAMES)[number];
export type SlurmScripts = Record<ScriptName, string>;

/** Folder of the static scripts in this repository. */
export const SCRIPTS_DIR = repoPath("scripts", "slurm");

export function loadScripts(): SlurmScripts {
    const file = (n: ScriptName) => (n === STALL_WATCH_FILE ? STALL_WATCH_SCRIPT_PATH : path.join(SCRIPTS_DIR, n));
    return Object.fromEntries(SCRIPT_NAMES.map((n) => [n, fs.readFileSync(file(n), "utf8")])) as SlurmScripts;
}

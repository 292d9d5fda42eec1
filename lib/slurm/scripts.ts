// The static scripts a Slurm run ships next to its env file (scripts/slurm in
// this repository): read once per render, copied byte for byte.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoPath } from "../paths";

export const SCRIPT_NAMES = ["batch.sh", "node.sh", "submit.sh"] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];
export type SlurmScripts = Record<ScriptName, string>;

/** Folder of the static scripts in this repository. */
export const SCRIPTS_DIR = repoPath("scripts", "slurm");

export function loadScripts(dir = SCRIPTS_DIR): SlurmScripts {
    return Object.fromEntries(SCRIPT_NAMES.map((n) => [n, fs.readFileSync(path.join(dir, n), "utf8")])) as SlurmScripts;
}

// Where things are: the repository's own files, and the per-user cache and
// Python environment. The one place that knows the checkout's layout. Nothing
// here reads the environment: callers at the edge (index.ts, cli/*, scripts,
// tests) pass their environment in.
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (this file is lib/paths.ts): Pulumi.yaml, bin/, scripts/. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** The `dynamo-bench` command, relative to the repository root. */
export const CLI_ENTRY = path.join("bin", "dynamo-bench.js");

/** Absolute path of a file or folder of the repository, from its repo-relative parts. */
export function repoPath(...parts: string[]): string {
    return path.join(REPO_ROOT, ...parts);
}

/**
 * The repository root as a path relative to `from`, "." when they are the same.
 * Command resources get this as their `dir`, with `from` the Pulumi project
 * folder (the working directory of the program and of the engine's providers):
 * a resource input that holds no absolute checkout path does not change, and
 * so does not run a benchmark again, when the checkout moves.
 */
export function repoDirFrom(from: string): string {
    return path.relative(from, REPO_ROOT) || ".";
}

/** The variables the defaults below read; callers pass their environment. */
export interface PathEnv {
    /** Per-user cache: the tiny model, local runs, fetched Slurm runs. */
    DYNAMO_BENCH_CACHE?: string;
    /** The Python environment with ai-dynamo and AIPerf (scripts/setup-python.sh). */
    DYNAMO_BENCH_VENV?: string;
    HOME?: string;
    [name: string]: string | undefined;
}

/** $DYNAMO_BENCH_CACHE, else ~/.cache/dynamo-bench. */
export function cacheDir(env: PathEnv): string {
    return env.DYNAMO_BENCH_CACHE || path.join(env.HOME || os.homedir(), ".cache", "dynamo-bench");
}

/** Where scripts/setup-python.sh puts the tiny offline model. */
export function tinyModelDir(env: PathEnv): string {
    return path.join(cacheDir(env), "models", "tiny-model");
}

/** Local copies of Slurm runs fetched from a login node over SSH. */
export function slurmFetchRoot(env: PathEnv): string {
    return path.join(cacheDir(env), "slurm");
}

/** $DYNAMO_BENCH_VENV, else .venv in the repository (what scripts/setup-python.sh makes). */
export function defaultVenv(env: PathEnv): string {
    return env.DYNAMO_BENCH_VENV || repoPath(".venv");
}

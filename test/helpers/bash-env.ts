// Reading a rendered env file (job.env, secrets.env) the way the job scripts
// do: bash sources it, and a variable's elements come back NUL-separated, so
// any value survives exactly as bash sees it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { shq } from "../../lib/shell-quote";

/** The elements of one bash variable (an array, or a scalar as one element) after sourcing `envFile`. */
export function sourcedVariable(envFile: string, name: string): string[] {
    const r = spawnSync("bash", ["-c", `set -eu; source ${shq(envFile)}; declare -n v=${name}; printf '%s\\0' "\${v[@]}"`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\0").slice(0, -1);
}

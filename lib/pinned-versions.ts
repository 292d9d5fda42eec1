// scripts/versions.env: the pins the set-up scripts install (Pulumi engine,
// the Python venv, the engine judges). Shell scripts source it; TypeScript
// reads it here and nowhere else.
import * as fs from "node:fs";
import { repoPath } from "./paths";

/** KEY=value pairs of scripts/versions.env (comments and blank lines ignored, quotes removed). */
export function readPinnedVersions(file = repoPath("scripts", "versions.env")): Record<string, string> {
    const out: Record<string, string> = {};
    for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw.trim());
        if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
    }
    return out;
}

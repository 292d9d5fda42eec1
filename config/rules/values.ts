// Rules on every string the user gave, wherever it sits: what no process can
// carry (a NUL byte ends a C string: argv and environment entries are cut there,
// and env files cannot hold one), and on Slurm the node-script placeholders,
// which scripts/slurm/node.sh rewrites in every argv element and env value, so
// a user value holding one would reach the process changed while the probe
// looks for the value as given.
import type { ParsedSpec } from "../schema";
import { SLURM_PLACEHOLDER_WORDS } from "../../lib/facts/slurm-placeholders";
import type { RuleViolation } from "./violation";

/** Every string in `value` (keys of maps included) with its field path. */
export function stringsIn(value: unknown, path = ""): Array<{ path: string; text: string; isKey?: boolean }> {
    if (typeof value === "string") return [{ path, text: value }];
    if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, `${path}[${i}]`));
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, item]) => {
        const at = path ? `${path}.${key}` : key;
        return [...(key.includes("\0") ? [{ path: at, text: key, isKey: true }] : []), ...stringsIn(item, at)];
    });
}

/** Sections that reach no process: the gates are judged by the program itself. */
const NOT_LAUNCHED = new Set(["gates"]);

export function checkValueRules(spec: ParsedSpec): RuleViolation[] {
    const out: RuleViolation[] = [];
    for (const [section, value] of Object.entries(spec)) {
        if (NOT_LAUNCHED.has(section)) continue;
        for (const s of stringsIn(value, section)) {
            if (s.text.includes("\0")) {
                out.push({
                    path: s.path,
                    message: `expected no NUL byte (a command line, environment or env file cannot carry one), got one at character ${s.text.indexOf("\0") + 1}${s.isKey ? " of the key" : ""}; remove it`,
                });
            }
            const word = spec.target === "slurm" ? SLURM_PLACEHOLDER_WORDS.find((w) => s.text.includes(w)) : undefined;
            if (word !== undefined) {
                out.push({
                    path: s.path,
                    message: `expected no ${word}: on Slurm the node script replaces it with a node's address in every argument and env value, so the process would not get the value as written; spell it differently`,
                });
            }
        }
    }
    return out;
}

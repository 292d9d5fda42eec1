// A committed stack file (stacks/Pulumi.<stack>.yaml) as the program sees it:
// its dynamo-bench keys without the prefix, with the cluster file it names
// layered under them (config/cluster.ts), so tests that load an example stack
// read exactly what `pulumi preview` would validate.
import * as fs from "node:fs";
import { parse } from "yaml";
import { layerStack } from "../../config/cluster";
import { REPO_ROOT, repoPath } from "../../lib/paths";

const PROJECT = "dynamo-bench";

/** The stack file's own keys, as typed (no cluster file merged). */
export function stackFileKeys(stack: string): Record<string, unknown> {
    const doc = parse(fs.readFileSync(repoPath("stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (!key.startsWith(`${PROJECT}:`)) throw new Error(`stacks/Pulumi.${stack}.yaml: ${key} is not under the project namespace ${PROJECT}:`);
        values[key.slice(PROJECT.length + 1)] = value;
    }
    return values;
}

/** The stack's configuration with its cluster file merged under it: what loadSpec gets from the program. */
export function stackFileConfig(stack: string): Record<string, unknown> {
    return layerStack(stackFileKeys(stack), REPO_ROOT, PROJECT).values;
}

// secretEnv entries stored in plain text in the stack file. The engine marks a
// whole top-level key secret when any entry under it is encrypted, so an
// entry added later without --secret (`pulumi config set --path
// 'secretEnv.B' v`) sits in the stack file as plain text while the program
// is told the key is secret. The SDK cannot tell such an entry apart; the
// stack file can, so it is read here (when it is where Pulumi.yaml puts it:
// config from the Automation API or an ESC environment has no such file, and
// is not checked). Only names are reported, never values.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SECRET_KEYS } from "./secrets";
import { secretEnvCommand } from "./secret-env";
import type { RuleViolation } from "./rules/violation";

/** Path of Pulumi.<stack>.yaml under the project's stackConfigDir, as the CLI finds it. */
export function stackFilePath(projectDir: string, stack: string): string {
    let dir = projectDir;
    for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
        const file = path.join(projectDir, name);
        if (!fs.existsSync(file)) continue;
        const project = parse(fs.readFileSync(file, "utf8")) as { stackConfigDir?: unknown } | null;
        if (typeof project?.stackConfigDir === "string") dir = path.resolve(projectDir, project.stackConfigDir);
        break;
    }
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** One violation per secretEnv entry the stack file holds unencrypted; none when there is no such file. */
export function plainSecretEnvEntries(projectDir: string, stack: string, project: string): RuleViolation[] {
    const file = stackFilePath(projectDir, stack);
    if (!fs.existsSync(file)) return [];
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8")) as typeof doc;
    } catch {
        // The engine read this file already; a file it accepted and this parser does not is not this check's to report.
        return [];
    }
    const entries = doc?.config?.[`${project}:${SECRET_KEYS.secretEnv}`];
    if (typeof entries !== "object" || entries === null || Array.isArray(entries) || isSecure(entries)) return [];
    const shown = path.relative(projectDir, file) || file;
    return Object.entries(entries as Record<string, unknown>)
        .filter(([, value]) => !isSecure(value))
        .map(([name]) => ({
            path: `${SECRET_KEYS.secretEnv}.${name}`,
            message: `is stored in plain text in ${shown} (set without --secret); run \`${secretEnvCommand(name)}\` and rotate the value`,
        }));
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

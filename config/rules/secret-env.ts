// secretEnv names against every other source of a Dynamo process's
// environment. A name given twice has no single answer: on Kubernetes an
// explicit env entry beats envFromSecret, on Slurm and locally the order of
// the node script or the runner decides. So a collision is refused, naming
// both fields, whichever side it is on. Only names are compared: the values
// are never in the spec (config/secret-env.ts).
import type { ParsedSpec } from "../schema";
import { HF_TOKEN_ENV, SECRET_KEYS } from "../secrets";
import { secretEnvNames } from "../secret-env";
import { LAUNCH_ENV_PREFIXES, launchEnvNames } from "../../lib/dynamo/env-names";
import type { RuleContext, RuleViolation } from "./violation";

/** Variables a target sets besides the launch model, and where. */
const TARGET_ENV: Record<string, string> = {
    HF_HOME: "the Kubernetes target (the model cache's HuggingFace folder)",
    HF_HUB_OFFLINE: "the local target (a local model folder)",
    TRANSFORMERS_OFFLINE: "the local target (a local model folder)",
    CUDA_VISIBLE_DEVICES: "the Slurm node script (each worker's GPU slice)",
};

export function checkSecretEnvRules(spec: ParsedSpec, context: Pick<RuleContext, "secretsPresent">): RuleViolation[] {
    const names = secretEnvNames(context.secretsPresent);
    if (names.length === 0) return [];
    const plain = plainEnvFields(spec);
    const launch = launchEnvNames();
    const out: RuleViolation[] = [];
    for (const name of names.sort()) {
        const path = `${SECRET_KEYS.secretEnv}.${name}`;
        const fields = plain.filter((f) => Object.hasOwn(f.env, name)).map((f) => `${f.path}.${name}`);
        if (fields.length > 0) {
            out.push({
                path,
                message: `is also set in plain text by ${fields.join(" and ")}; a process would get two values. Keep one: remove the plain one (\`pulumi config rm --path '${fields[0]}'\`) if it is the secret, or this entry (\`pulumi config rm --path '${path}'\`)`,
            });
        } else if (name === HF_TOKEN_ENV) {
            out.push({
                path,
                message: `is the variable ${SECRET_KEYS.hfToken} sets; store the token there instead: \`pulumi config rm --path '${path}'\` and \`pulumi config set --secret ${SECRET_KEYS.hfToken} <token>\``,
            });
        } else if (launch.has(name) || LAUNCH_ENV_PREFIXES.some((p) => name.startsWith(p))) {
            out.push({
                path,
                message: `is set by the launch model (lib/dynamo: ${LAUNCH_ENV_PREFIXES.map((p) => `${p}*`).join(", ")} and the planes, ports and logging variables of every Dynamo process); choose another name, or remove it with \`pulumi config rm --path '${path}'\``,
            });
        } else if (Object.hasOwn(TARGET_ENV, name)) {
            out.push({ path, message: `is set by ${TARGET_ENV[name]}; choose another name, or remove it with \`pulumi config rm --path '${path}'\`` });
        }
    }
    return out;
}

/** Every plain env map a Dynamo process's environment is made from, with its field path. */
function plainEnvFields(spec: ParsedSpec): Array<{ path: string; env: Record<string, string> }> {
    const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    const container = spec.slurm?.container;
    return [
        { path: "env", env: spec.env },
        { path: "frontend.env", env: spec.frontend.env },
        ...roles.map((role) => ({ path: `${role}.env`, env: spec[role].env })),
        ...(spec.target === "slurm" && container?.runtime === "bare-metal" ? [{ path: "slurm.container.env", env: container.env }] : []),
    ];
}

// secretEnv: environment variables whose values are secrets, for every Dynamo
// process of the benchmark (frontend and workers). Set one entry at a time:
//
//     pulumi config set --secret --path 'secretEnv.API_KEY' <value>
//
// The engine marks the whole top-level key secret and hands the program its text
// as JSON with every value a string, exactly as typed ("0123" stays "0123";
// checked with the Pulumi CLI 3.248). The values never enter the spec: the
// targets get them as a Pulumi secret (components/target.ts Secrets.secretEnv)
// and put them where only the processes read them (a Kubernetes Secret the
// graph's services take with envFromSecret, Slurm's mode-600 secrets.env, the
// local runner's environment). Only the names take part in the config rules
// (config/rules/secret-env.ts); no message here ever quotes a value.
import { SECRET_KEYS } from "./secrets";
import { PROTOTYPE_KEYS } from "./prototype-keys";
import type { RuleViolation } from "./rules/violation";

/** Same pattern as the plain env maps of config/schema.ts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How secretsPresent names one secretEnv entry, so the rules see the names without the values. */
export const SECRET_ENV_ENTRY_PREFIX = `${SECRET_KEYS.secretEnv}.`;

/** The command that stores one entry, for messages. */
export function secretEnvCommand(name: string): string {
    return `pulumi config set --secret --path '${SECRET_KEYS.secretEnv}.${name}' <value>`;
}

export interface SecretEnvReading {
    /** NAME -> value of every valid entry. */
    env: Record<string, string>;
    violations: RuleViolation[];
}

/** Reads the text of the secretEnv key; an entry that breaks a rule is reported and left out. */
export function readSecretEnv(text: string): SecretEnvReading {
    const key = SECRET_KEYS.secretEnv;
    const shape = `expected a map of environment variable names to values, set one entry at a time with \`${secretEnvCommand("NAME")}\``;
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        // The text itself is not repeated: it is the secret.
        return { env: {}, violations: [{ path: key, message: `${shape}; got a value that is not a map` }] };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { env: {}, violations: [{ path: key, message: `${shape}; got ${Array.isArray(value) ? "a list" : "a single value"}` }] };
    }
    const env: Record<string, string> = {};
    const violations: RuleViolation[] = [];
    for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
        const problem = entryProblem(name, entry);
        // A bad name is quoted (names are not secret); a value never is.
        if (problem) violations.push({ path: `${key}.${name}`, message: problem });
        else env[name] = entry as string;
    }
    return { env, violations };
}

function entryProblem(name: string, entry: unknown): string | undefined {
    if (PROTOTYPE_KEYS.includes(name)) return "is not a setting (a JavaScript prototype key); remove it";
    if (!ENV_NAME.test(name)) {
        return `expected an environment variable name (letters, digits and _, not starting with a digit), got ${JSON.stringify(name)}; remove it with \`pulumi config rm --path '${SECRET_KEYS.secretEnv}.${name}'\``;
    }
    if (typeof entry !== "string") {
        return `expected a text value, got ${entry === null ? "null" : Array.isArray(entry) ? "a list" : typeof entry}; set it with \`${secretEnvCommand(name)}\``;
    }
    if (entry === "") return `expected a value, got an empty one; set it with \`${secretEnvCommand(name)}\`, or remove it`;
    if (entry.includes("\0")) return "expected no NUL byte (an environment cannot carry one); set the value again without it";
    return undefined;
}

/** The secretEnv names recorded in secretsPresent (config/stack-config.ts). */
export function secretEnvNames(secretsPresent: ReadonlySet<string> | undefined): string[] {
    if (!secretsPresent) return [];
    return [...secretsPresent].filter((k) => k.startsWith(SECRET_ENV_ENTRY_PREFIX)).map((k) => k.slice(SECRET_ENV_ENTRY_PREFIX.length));
}

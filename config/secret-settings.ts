// Settings a user stored with `pulumi config set --secret` other than the
// secret keys themselves (config/secrets.ts). The engine marks only the whole
// top-level key as secret (`--secret --path decode.env.KEY` marks all of
// `decode`), and every other setting travels as plain data into places anyone
// can read: the DynamoGraphDeployment's env, Slurm's job.env, argv, rendered
// manifests. A value marked secret must never land there, so such a key is
// refused by name before anything is registered, saying where a secret value
// belongs: secretEnv for environment values (config/secret-env.ts), hfToken,
// sshPrivateKey.
import { SECRET_KEYS } from "./secrets";
import { secretEnvCommand } from "./secret-env";
import type { RuleViolation } from "./rules/violation";

/** Keys that hold an env map of the Dynamo processes (the usual reason a nested --secret marks them): where it sits under the key. */
const ENV_HOLDERS: Record<string, readonly string[]> = {
    env: [],
    frontend: ["env"],
    prefill: ["env"],
    decode: ["env"],
    slurm: ["container", "env"],
};

function envMapOf(key: string, value: unknown): { path: string; env: unknown } | undefined {
    if (!Object.hasOwn(ENV_HOLDERS, key)) return undefined;
    const at = ENV_HOLDERS[key]!;
    const env = at.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);
    return { path: [key, ...at].join("."), env };
}

export function secretSettingViolations(secretSettings: Iterable<string>, values: Record<string, unknown> = {}): RuleViolation[] {
    return [...secretSettings].sort().map((key) => ({ path: key, message: secretSettingMessage(key, values[key]) }));
}

function secretSettingMessage(key: string, value: unknown): string {
    const plain = `is stored as a secret, but its values would be written in plain text (Kubernetes graph env, Slurm job.env, command lines)`;
    const held = envMapOf(key, value);
    const names = held?.env && typeof held.env === "object" && !Array.isArray(held.env) ? Object.keys(held.env).sort() : [];
    const envPath = held?.path ?? key;
    if (names.length > 0) {
        const name = names.length === 1 ? names[0]! : "NAME";
        const which = names.length === 1 ? ` (if ${name} is the secret one)` : ` (NAME: whichever of ${names.join(", ")} is secret)`;
        const nested = key === "env" ? "" : ` (a \`pulumi config set --secret --path '${envPath}.<NAME>'\` marks all of ${key} secret)`;
        return (
            `${plain}${nested}. Secret environment values belong in ${SECRET_KEYS.secretEnv}, which every Dynamo process gets from a Kubernetes Secret, ` +
            `Slurm's mode-600 secrets.env or the local runner's environment: run \`pulumi config rm --path '${envPath}.${name}'\` and ` +
            `\`${secretEnvCommand(name)}\`${which}; or set ${key} again without --secret if it holds nothing secret`
        );
    }
    return (
        `${plain}; only ${SECRET_KEYS.hfToken}, ${SECRET_KEYS.secretEnv} and ${SECRET_KEYS.sshPrivateKey} stay secret. ` +
        `Store a secret environment value as \`${secretEnvCommand("NAME")}\`, a model token as \`pulumi config set --secret ${SECRET_KEYS.hfToken} <token>\`, ` +
        `or set ${key} again without --secret if it holds nothing secret`
    );
}

/** The error for secret keys stored in plain text: they sit in the stack file now. */
export function plainSecretMessage(keys: readonly string[], project: string): string {
    const first = keys[0]!;
    const fix =
        first === SECRET_KEYS.secretEnv
            ? `run \`pulumi config rm ${SECRET_KEYS.secretEnv}\`, then \`${secretEnvCommand("NAME")}\` for each entry`
            : `run \`pulumi config set --secret ${first} <value>\``;
    return `${keys.map((k) => `${project}:${k}`).join(", ")} must be stored encrypted: ${fix} (the plain value sits in the stack file now; rotate it).`;
}

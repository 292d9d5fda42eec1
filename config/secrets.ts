// Secret settings are separate top-level keys, set with `pulumi config set --secret`,
// so they stay Pulumi secrets and never travel inside the plain spec.
export const SECRET_KEYS = {
    /** HuggingFace token for gated models. */
    hfToken: "hfToken",
    /** Private key for reaching a Slurm login node over SSH. */
    sshPrivateKey: "sshPrivateKey",
    /** Environment variables with secret values for every Dynamo process (config/secret-env.ts). */
    secretEnv: "secretEnv",
} as const;

export const SECRET_KEY_NAMES: readonly string[] = Object.values(SECRET_KEYS);

/** The variable the HuggingFace token reaches processes as. */
export const HF_TOKEN_ENV = "HF_TOKEN";

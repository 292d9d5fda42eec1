// Settings a user stored with `pulumi config set --secret` other than the
// secret keys themselves (config/secrets.ts). The engine marks only the whole
// top-level key as secret, and every other setting travels as plain data into
// places anyone can read: the DynamoGraphDeployment's env, Slurm's job.env
// (mode 644), argv, rendered manifests. A value marked secret must never land
// there, so such a key is refused by name before anything is registered; the
// secrets that do stay secret end to end are hfToken and sshPrivateKey.
import { SECRET_KEYS } from "./secrets";
import type { RuleViolation } from "./rules/violation";

export function secretSettingViolations(secretSettings: Iterable<string>): RuleViolation[] {
    return [...secretSettings].sort().map((key) => ({
        path: key,
        message:
            `is stored as a secret, but its values would be written in plain text (Kubernetes graph env, Slurm job.env, command lines); ` +
            `only ${SECRET_KEYS.hfToken} (set as HF_TOKEN from a Kubernetes Secret, or Slurm's mode-600 secrets.env) and ${SECRET_KEYS.sshPrivateKey} stay secret. ` +
            `Store a model token as \`pulumi config set --secret ${SECRET_KEYS.hfToken} <token>\`, or set ${key} again without --secret if it holds nothing secret`,
    }));
}

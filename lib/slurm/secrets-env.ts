// secrets.env: the job's secrets, staged in the job's folder with mode 600 as a
// Pulumi secret (components/slurm/job-resources.ts), never in job.env (mode 644)
// or on a command line. scripts/slurm/node.sh sources it and exports HF_TOKEN
// for every process, and the SECRET_ENV items (config secretEnv) only for the
// processes whose P_<key>_SECRET_ENV is 1 in job.env: the Dynamo frontend and
// workers, not the benchmark client, etcd or NATS.
import { assign, assignArray } from "../shell-quote";
import { HF_TOKEN_ENV } from "../../config/secrets";

/** What node.sh reads out of secrets.env. */
export const SECRETS_ENV_FILE = "secrets.env";
export const SECRET_ENV_ARRAY = "SECRET_ENV";

/** The file's text; undefined when there is nothing secret to stage. Values are single-quoted (lib/shell-quote). */
export function renderSecretsEnv(hfToken: string | undefined, secretEnv: Record<string, string> | undefined): string | undefined {
    const entries = Object.entries(secretEnv ?? {});
    if (!hfToken && entries.length === 0) return undefined;
    // With the token alone the file is what it was before secretEnv existed, so such a stack's file does not change.
    const lines = [
        ...(hfToken ? [assign(HF_TOKEN_ENV, hfToken)] : []),
        ...(entries.length > 0
            ? [
                  assignArray(
                      SECRET_ENV_ARRAY,
                      entries.map(([name, value]) => `${name}=${value}`),
                  ),
              ]
            : []),
    ];
    return `${lines.join("\n")}\n`;
}

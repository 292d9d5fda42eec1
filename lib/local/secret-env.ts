// How the secretEnv entries (config/secret-env.ts) reach the local runner: the
// Pulumi component puts them, as JSON, in one variable of the runner command's
// environment (components/local/local-benchmark.ts), a Pulumi secret there.
// The plan takes that variable out of what every process inherits and gives
// its entries to the Dynamo processes only (frontend, workers), never to
// AIPerf or a between-phases step; plan.json lists their names, never values.
export const SECRET_ENV_VARIABLE = "DYNAMO_BENCH_SECRET_ENV";

/** The entries in `env`; none when the variable is unset. Errors never quote the text: it is the secret. */
export function secretEnvFrom(env: Record<string, string | undefined>): Record<string, string> {
    const text = env[SECRET_ENV_VARIABLE];
    if (text === undefined || text === "") return {};
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw new Error(`${SECRET_ENV_VARIABLE} is not JSON; it holds the secretEnv entries as {"NAME": "value"} (set by the Pulumi program)`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${SECRET_ENV_VARIABLE} must hold a JSON object of NAME: value`);
    const out: Record<string, string> = {};
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || typeof v !== "string") {
            throw new Error(`${SECRET_ENV_VARIABLE}: entry ${JSON.stringify(name)} must be an environment variable name with a text value`);
        }
        out[name] = v;
    }
    return out;
}

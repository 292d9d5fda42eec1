// Reads the project's keys out of Pulumi's flat config map. Pure, so the
// mapping (and its errors) are tested without the engine.
import { SECRET_KEYS, SECRET_KEY_NAMES } from "./secrets";
import { SECRET_ENV_ENTRY_PREFIX, readSecretEnv } from "./secret-env";
import { benchmarkSpecSchema } from "./schema";
import { CLUSTER_KEY } from "./cluster";
import { decodeConfigText, fieldKind, type FieldKind } from "./config-text";
import { prototypeKeyViolations, setOwn } from "./prototype-keys";
import { secretSettingViolations } from "./secret-settings";
import type { RuleViolation } from "./rules/violation";

export interface RawStackConfig {
    /** Project keys without the "<project>:" prefix, each decoded by the field it is for (config/config-text.ts). */
    values: Record<string, unknown>;
    /** Secret keys that were set without --secret (they would sit in plain text in the stack file). */
    plainSecrets: string[];
    /** Secret keys that are set at all, for the rules that need one (loadSpec's secretsPresent), and "secretEnv.<NAME>" per secretEnv entry. */
    secretsPresent: Set<string>;
    /** The secretEnv entries (config/secret-env.ts), valid ones only; the program wraps them as a Pulumi secret. */
    secretEnv: Record<string, string>;
    /** Other keys stored with --secret: refused (config/secret-settings.ts). */
    secretSettings: Set<string>;
    /** Settings stored as secrets (config/secret-settings.ts) and prototype-like keys, found before anything merges the values. */
    violations: RuleViolation[];
}

/** Top-level keys outside the benchmark schema, and what they hold. */
const OTHER_KEYS: Record<string, FieldKind> = { [CLUSTER_KEY]: "text", sweep: "structured" };

/** What the top-level `key` holds: the schema's field, or one of the keys read elsewhere. */
export function topLevelKind(key: string): FieldKind {
    if (Object.hasOwn(OTHER_KEYS, key)) return OTHER_KEYS[key]!;
    const shape = benchmarkSpecSchema.shape as Record<string, Parameters<typeof fieldKind>[0]>;
    return Object.hasOwn(shape, key) ? fieldKind(shape[key]) : "any";
}

export function rawFromAllConfig(all: Record<string, string>, project: string, isSecret: (fullKey: string) => boolean): RawStackConfig {
    const prefix = `${project}:`;
    const values: Record<string, unknown> = {};
    const plainSecrets: string[] = [];
    const secretsPresent = new Set<string>();
    const secretSettings = new Set<string>();
    let secretEnv: Record<string, string> = {};
    const secretEnvViolations: RuleViolation[] = [];
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (SECRET_KEY_NAMES.includes(key)) {
            // An empty secret is no secret: the rules that need one report it missing instead of a component failing later.
            if (text.trim() !== "") secretsPresent.add(key);
            if (!isSecret(fullKey)) plainSecrets.push(key);
            else if (key === SECRET_KEYS.secretEnv) {
                const reading = readSecretEnv(text);
                secretEnv = reading.env;
                secretEnvViolations.push(...reading.violations);
                for (const name of Object.keys(secretEnv)) secretsPresent.add(`${SECRET_ENV_ENTRY_PREFIX}${name}`);
            }
            continue;
        }
        if (isSecret(fullKey)) secretSettings.add(key);
        // An own property even for "__proto__", so the scan below reports it instead of the object changing shape.
        setOwn(values, key, decodeConfigText(text, topLevelKind(key)));
    }
    const violations = [...secretSettingViolations(secretSettings, values), ...secretEnvViolations, ...prototypeKeyViolations(values)];
    return { values, plainSecrets, secretsPresent, secretEnv, secretSettings, violations };
}

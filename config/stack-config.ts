// Reads the project's keys out of Pulumi's flat config map. Pure, so the
// mapping (and its errors) are tested without the engine.
import { SECRET_KEY_NAMES } from "./secrets";

export interface RawStackConfig {
    /** Project keys without the "<project>:" prefix, structured values decoded. */
    values: Record<string, unknown>;
    /** Secret keys that were set without --secret (they would sit in plain text in the stack file). */
    plainSecrets: string[];
    /** Secret keys that are set at all, for the rules that need one (loadSpec's secretsPresent). */
    secretsPresent: Set<string>;
}

export function rawFromAllConfig(all: Record<string, string>, project: string, isSecret: (fullKey: string) => boolean): RawStackConfig {
    const prefix = `${project}:`;
    const values: Record<string, unknown> = {};
    const plainSecrets: string[] = [];
    const secretsPresent = new Set<string>();
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (SECRET_KEY_NAMES.includes(key)) {
            secretsPresent.add(key);
            if (!isSecret(fullKey)) plainSecrets.push(key);
            continue;
        }
        values[key] = decode(text);
    }
    return { values, plainSecrets, secretsPresent };
}

/** Pulumi hands structured values over as JSON text, and scalars as plain text. */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

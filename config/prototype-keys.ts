// Keys that JavaScript treats as an object's machinery rather than data. Set
// anywhere in a config (`__proto__: {target: slurm}`), a plain assignment or
// merge would change other settings instead of being reported as unknown, so
// they are refused by name before anything reads or merges the values.
import type { RuleViolation } from "./rules/violation";

export const PROTOTYPE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** Every prototype-like key in `value`, by its field path under `prefix`. */
export function prototypeKeyViolations(value: unknown, prefix = ""): RuleViolation[] {
    if (typeof value !== "object" || value === null) return [];
    if (Array.isArray(value)) return value.flatMap((item, i) => prototypeKeyViolations(item, `${prefix}[${i}]`));
    return Object.keys(value).flatMap((key) => {
        const path = prefix ? `${prefix}.${key}` : key;
        if (PROTOTYPE_KEYS.includes(key))
            return [{ path, message: `is not a setting (a JavaScript prototype key, refused so it cannot change other settings); remove it` }];
        return prototypeKeyViolations((value as Record<string, unknown>)[key], path);
    });
}

/** Sets `key` as an own data property, even "__proto__". */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

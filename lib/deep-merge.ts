// Merging of plain JSON-like objects, as Helm merges values.

/** Deep-merges plain objects; arrays and scalars from `override` replace. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = Object.hasOwn(out, key) ? out[key] : undefined;
        const merged = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
        // An own property even for a key such as "__proto__", which plain assignment would turn into the object's prototype.
        Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
    }
    return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

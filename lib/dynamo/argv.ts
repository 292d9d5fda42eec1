// Command lines as argv arrays. Generated flags carry their aliases so that a
// user's extra argument of the same meaning replaces the generated one instead
// of appearing twice (CloudAI passed `--model` twice and extra args as one string).

export interface Flag {
    /** The spelling emitted first, then aliases with the same meaning. */
    names: string[];
    /** Values following the flag; none for a switch. */
    values: string[];
}

export const flag = (name: string | string[], ...values: Array<string | number>): Flag => ({
    names: Array.isArray(name) ? name : [name],
    values: values.map(String),
});

/** Flag names a user argv sets: `--x`, `--x=v` and `-x` all name a flag. */
export function flagNamesIn(argv: readonly string[]): Set<string> {
    const names = new Set<string>();
    for (const arg of argv) {
        if (/^--?[A-Za-z]/.test(arg)) names.add(arg.split("=", 1)[0]);
    }
    return names;
}

/**
 * Generated flags followed by the user's extra arguments, each an argv element
 * of its own. A generated flag the extra arguments also set (under any alias)
 * is dropped, so the user's value is the only one.
 */
export function mergeArgs(generated: readonly Flag[], extra: readonly string[]): string[] {
    const overridden = flagNamesIn(extra);
    const kept = generated.filter((f) => !f.names.some((n) => overridden.has(n)));
    return [...kept.flatMap((f) => [f.names[0], ...f.values]), ...extra];
}

// Command lines as argv arrays. Generated flags carry their aliases so that a
// user's extra argument of the same meaning replaces the generated one instead
// of appearing twice: argparse keeps the last value silently, and AIPerf's
// parser refuses a repeated flag outright (RepeatArgumentError).

export interface Flag {
    /** The spelling emitted first, then aliases with the same meaning. */
    names: string[];
    /** Values following the flag; none for a switch. */
    values: string[];
    /** A list flag given once per item (AIPerf's --extra-inputs): a user's own items add to it. */
    repeatable?: boolean;
}

export const flag = (name: string | string[], ...values: Array<string | number>): Flag => ({
    names: Array.isArray(name) ? name : [name],
    values: values.map(String),
});

/** The same flag, given once per item of a list. */
export const listItem = (name: string, value: string): Flag => ({ names: [name], values: [value], repeatable: true });

const isFlagToken = (arg: string): boolean => /^--?[A-Za-z]/.test(arg);
const nameOf = (arg: string): string => arg.split("=", 1)[0]!;

/** Flag names a user argv sets: `--x`, `--x=v` and `-x` all name a flag. */
export function flagNamesIn(argv: readonly string[]): Set<string> {
    return new Set(argv.filter(isFlagToken).map(nameOf));
}

/**
 * Generated flags followed by the user's extra arguments, each an argv element
 * of its own. A generated flag the extra arguments also set (under any alias)
 * is dropped, so the user's value is the only one; repeatable flags stay.
 */
export function mergeArgs(generated: readonly Flag[], extra: readonly string[]): string[] {
    const overridden = flagNamesIn(extra);
    const kept = generated.filter((f) => f.repeatable || !f.names.some((n) => overridden.has(n)));
    return [...kept.flatMap((f) => [f.names[0]!, ...f.values]), ...extra];
}

/**
 * `base` with every flag that `over` sets removed (with the values that follow
 * it), then `over`: a later layer of user arguments overrides an earlier one.
 */
export function overrideArgs(base: readonly string[], over: readonly string[]): string[] {
    const overridden = flagNamesIn(over);
    const kept: string[] = [];
    let dropping = false;
    for (const arg of base) {
        if (isFlagToken(arg)) dropping = overridden.has(nameOf(arg));
        if (!dropping) kept.push(arg);
    }
    return [...kept, ...over];
}

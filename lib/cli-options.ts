// `--key value` / `--key=value` options of the project's own commands, read
// into one map with the messages every command gives for a wrong argument.

export interface ParsedOptions {
    /** The value of an option, if given. */
    get(key: string): string | undefined;
    /** The value of an option that must be given. */
    required(key: string): string;
    /** A positive whole number of seconds; `fallback` when the option is absent, required otherwise. */
    seconds(key: string, fallback?: number): number;
}

/** Reads `argv` against the `known` option names; throws with `usage` appended on anything unknown or empty. */
export function parseOptions(argv: readonly string[], known: readonly string[], usage: string): ParsedOptions {
    const values = new Map<string, string>();
    const names = new Set(known);
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        const eq = arg.indexOf("=");
        const [key, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
        if (!names.has(key)) throw new Error(`unknown argument ${JSON.stringify(arg)}\n${usage}`);
        const value = inline ?? argv[++i];
        if (value === undefined || value === "") throw new Error(`${key} needs a value\n${usage}`);
        values.set(key, value);
    }
    const required = (key: string): string => {
        const v = values.get(key);
        if (!v) throw new Error(`${key} is required\n${usage}`);
        return v;
    };
    const seconds = (key: string, fallback?: number): number => {
        const raw = values.get(key);
        if (raw === undefined && fallback !== undefined) return fallback;
        const n = Number(raw ?? required(key));
        if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} expects a positive number of seconds, got ${JSON.stringify(raw)}`);
        return n;
    };
    return { get: (key) => values.get(key), required, seconds };
}

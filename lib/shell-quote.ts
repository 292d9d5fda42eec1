// The one shell quoting of dynamo-bench, for everything it hands to a shell:
// the Slurm job's env file (sourced by bash on the nodes), the command lines of
// command resources (login node, results collectors) and the `cd` and `export`
// lines the command runners add. Single quotes keep every byte literal in sh,
// bash and zsh, newlines included; a single quote itself becomes '\''.

/** Characters that never need quoting. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word so any POSIX shell reads it back byte for byte (like bash's printf %q). */
export function shq(value: string): string {
    if (value.includes("\0")) throw new Error(`cannot pass a NUL byte through a shell word: ${JSON.stringify(value)}`);
    if (SAFE.test(value)) return value;
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes and joins an argv list into one command line. */
export function shJoin(argv: readonly string[]): string {
    return argv.map(shq).join(" ");
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(name: string): string {
    if (!NAME.test(name)) throw new Error(`not a shell variable name: ${JSON.stringify(name)}`);
    return name;
}

/** `NAME=value`, for a file that bash sources. */
export function assign(name: string, value: string | number | boolean): string {
    return `${checkName(name)}=${shq(String(value))}`;
}

/** `NAME=(a b c)`: a bash array, one element per value. */
export function assignArray(name: string, values: readonly (string | number)[]): string {
    return `${checkName(name)}=(${values.map((v) => shq(String(v))).join(" ")})`;
}

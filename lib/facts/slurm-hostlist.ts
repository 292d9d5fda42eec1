// Slurm hostlist expressions ("gpu[01-03,07]") expanded the way
// `scontrol show hostnames` does, so node counts can be checked before submit.

const BRACKET = /\[([^\]]*)\]/;

/** Expands one expression: "n[1-3]" gives n1, n2, n3; zero padding of the range start is kept. */
export function expandHostlist(expression: string): string[] {
    const match = BRACKET.exec(expression);
    if (!match) return expression === "" ? [] : [expression];
    const prefix = expression.slice(0, match.index);
    const rest = expression.slice(match.index + match[0].length);
    const out: string[] = [];
    for (const part of match[1].split(",")) {
        const range = /^([0-9]+)(?:-([0-9]+))?$/.exec(part);
        if (!range) throw new Error(`invalid range "${part}" in hostlist "${expression}"`);
        const [lo, hi] = [Number(range[1]), Number(range[2] ?? range[1])];
        if (hi < lo) throw new Error(`range ${part} runs backwards in hostlist "${expression}"`);
        if (hi - lo > 100_000) throw new Error(`range ${part} is too large in hostlist "${expression}"`);
        const width = range[1].length;
        for (let i = lo; i <= hi; i++) {
            for (const tail of expandHostlist(rest)) out.push(`${prefix}${String(i).padStart(width, "0")}${tail}`);
            if (rest === "") out.push(`${prefix}${String(i).padStart(width, "0")}`);
        }
    }
    return out;
}

/** Expands a list of expressions, keeping order and dropping repeats. */
export function expandHostlists(expressions: readonly string[]): string[] {
    return [...new Set(expressions.flatMap(expandHostlist))];
}

// The stack configuration an import builds up: dotted settings, argument
// lists per role (assembled at the end, so a swept argument can become whole
// argument sets), and the sweep grid.
import { isPlainObject } from "../../deep-merge";

export type ArgRole = "prefill" | "decode" | "frontend" | "benchmark";

/** A flag whose value CloudAI sweeps: each value becomes one argument set of the role. */
export interface ArgDimension {
    flag: string;
    values: unknown[];
}

export class Draft {
    readonly config: Record<string, unknown> = {};
    readonly args: Record<ArgRole, string[]> = { prefill: [], decode: [], frontend: [], benchmark: [] };
    readonly argDimensions: Record<ArgRole, ArgDimension[]> = { prefill: [], decode: [], frontend: [], benchmark: [] };
    /** Swept settings: dotted dynamo-bench path -> values. */
    readonly grid: Record<string, unknown[]> = {};
    /** Lines for the head of the stack file. */
    readonly comments: string[] = [];
    /** Phases appended after the load phases once every field is read (an accuracy run). */
    readonly trailingPhases: Array<Record<string, unknown>> = [];

    set(path: string, value: unknown): void {
        const keys = path.split(".");
        let node = this.config;
        for (const key of keys.slice(0, -1)) {
            if (!isPlainObject(node[key])) node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        node[keys[keys.length - 1]!] = value;
    }

    get(path: string): unknown {
        let node: unknown = this.config;
        for (const key of path.split(".")) node = isPlainObject(node) ? node[key] : undefined;
        return node;
    }

    /** Appends one flag (and its value) to a role's arguments: true is a bare switch, false leaves it out. */
    addFlag(role: ArgRole, flag: string, value: unknown): void {
        this.args[role].push(...flagArgs(flag, value));
    }
}

/** `--name value` as argv; true: `--name`; false or null: nothing. */
export function flagArgs(flag: string, value: unknown): string[] {
    if (value === false || value === null || value === undefined) return [];
    if (value === true) return [flag];
    return [flag, typeof value === "string" ? value : JSON.stringify(value)];
}

/** CloudAI's field name as the flag it becomes: `max_num_seqs` -> `--max-num-seqs`. */
export const flagOf = (key: string): string => `--${key.replace(/_/g, "-")}`;

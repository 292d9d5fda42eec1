// What each process of a group is doing, from /proc (Linux): a stall report
// names the stopped one (state T), which no log line would.
import * as fs from "node:fs";

export interface ProcState {
    pid: number;
    /** The kernel's one-letter state: R running, S sleeping, D disk wait, T stopped, t traced, Z zombie. */
    state: string;
    command: string;
}

const MEANING: Record<string, string> = {
    R: "running",
    S: "sleeping",
    D: "uninterruptible wait",
    T: "stopped",
    t: "stopped by a debugger",
    Z: "zombie",
    I: "idle",
};

/** The state letter and its meaning. */
export function stateName(state: string): string {
    return `${state} (${MEANING[state] ?? "unknown"})`;
}

/** A stopped process makes no progress whatever it is waiting for. */
export function isStopped(state: string): boolean {
    return state === "T" || state === "t";
}

/** pid, command and state from the text of /proc/<pid>/stat (the command may hold spaces and parentheses). */
export function parseStat(text: string): { pid: number; command: string; state: string; pgrp: number } | undefined {
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    if (open < 0 || close < open) return undefined;
    const fields = text.slice(close + 2).split(" ");
    const pgrp = Number(fields[2]);
    if (!fields[0] || !Number.isInteger(pgrp)) return undefined;
    return { pid: Number(text.slice(0, open).trim()), command: text.slice(open + 1, close), state: fields[0], pgrp };
}

/** Every process of process group `pgid`, leader first; empty when /proc cannot be read (not Linux). */
export function groupStates(pgid: number, procDir = "/proc"): ProcState[] {
    let entries: string[];
    try {
        entries = fs.readdirSync(procDir).filter((d) => /^\d+$/.test(d));
    } catch {
        return [];
    }
    const out: ProcState[] = [];
    for (const d of entries) {
        let stat;
        try {
            stat = parseStat(fs.readFileSync(`${procDir}/${d}/stat`, "utf8"));
        } catch {
            continue; // gone meanwhile
        }
        if (stat && stat.pgrp === pgid) out.push({ pid: stat.pid, state: stat.state, command: stat.command });
    }
    return out.sort((a, b) => (a.pid === pgid ? -1 : b.pid === pgid ? 1 : a.pid - b.pid));
}

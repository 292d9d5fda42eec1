// The run folder's disk, watched while the run lasts. When it fills up, the
// Dynamo processes and AIPerf do not stop: Python's logging drops what it
// cannot write, the frontend keeps serving, and the run would only fail at
// the very end when AIPerf cannot write its exports, long after the cause
// and with the reason lost. So a full disk is a failure of its own, raised
// within a poll of it happening, naming the folder and what fills it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunContext } from "./context";
import { LocalRunError } from "./error";

/** Below this much free space in the run folder the run cannot go on (a log line, an export, a marker). */
export const MIN_FREE_BYTES = 1024 * 1024;
const POLL_MS = 1000;

/** Free bytes for this user in the filesystem of `dir`, and its size. */
export function diskSpace(dir: string): { free: number; total: number } {
    const s = fs.statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
}

/** An ENOSPC error (from any write into the run folder) as the run's failure, naming the folder. */
export function isNoSpace(err: unknown): boolean {
    return (err as NodeJS.ErrnoException | undefined)?.code === "ENOSPC";
}

/** The failure: ENOSPC, the folder, its free space, and the largest files in it (what filled it). */
export function diskFullError(runDir: string, stage: string, cause?: string): LocalRunError {
    let space = "";
    try {
        const { free, total } = diskSpace(runDir);
        space = ` (${mib(free)} free of ${mib(total)})`;
    } catch {
        /* the folder is gone: the message still names it */
    }
    const largest = largestFiles(runDir, 5)
        .map((f) => `  ${mib(f.size).padStart(10)}  ${f.file}`)
        .join("\n");
    return new LocalRunError(
        "disk-full",
        `no space left on device (ENOSPC) in the run folder ${runDir}${space} during ${stage}${cause ? `: ${cause}` : ""}; ` +
            `free space there or set local.runDir to a folder with room; largest files in it:\n${largest || "  (none)"}`,
    );
}

/** Polls the run folder's free space; returns what stops the polling. */
export function watchDisk(ctx: RunContext, pollMs = POLL_MS): () => void {
    const check = () => {
        try {
            if (diskSpace(ctx.plan.runDir).free < MIN_FREE_BYTES) ctx.raiseFailure(diskFullError(ctx.plan.runDir, ctx.stage));
        } catch {
            /* statfs failing is not a full disk; the run's own errors report a missing folder */
        }
    };
    check();
    const timer = setInterval(check, pollMs);
    timer.unref();
    return () => clearInterval(timer);
}

function mib(bytes: number): string {
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function largestFiles(dir: string, n: number): Array<{ file: string; size: number }> {
    const out: Array<{ file: string; size: number }> = [];
    const walk = (d: string, depth: number) => {
        let entries: fs.Dirent[] = [];
        try {
            entries = fs.readdirSync(d, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const p = path.join(d, e.name);
            if (e.isDirectory() && depth < 8) walk(p, depth + 1);
            else if (e.isFile()) {
                try {
                    out.push({ file: p, size: fs.statSync(p).size });
                } catch {
                    /* removed meanwhile */
                }
            }
        }
    };
    walk(dir, 0);
    return out.sort((a, b) => b.size - a.size).slice(0, n);
}

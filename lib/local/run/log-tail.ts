// The end of a process log, as errors quote it.
import * as fs from "node:fs";

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** Only the end of a large log is read. */
const MAX_READ_BYTES = 256 * 1024;

/** Last `lines` lines of a log file, without terminal colour codes. */
export function logTail(file: string, lines = 40): string {
    try {
        const fd = fs.openSync(file, "r");
        try {
            const size = fs.fstatSync(fd).size;
            const len = Math.min(size, MAX_READ_BYTES);
            const buf = Buffer.alloc(len);
            fs.readSync(fd, buf, 0, len, size - len);
            const text = buf.toString("utf8").replace(ANSI, "").replace(/\s+$/, "");
            return text.split("\n").slice(-lines).join("\n");
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return "(no log)";
    }
}

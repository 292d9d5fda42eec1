// A watchdog process for the case the runner cannot clean up itself (this
// process killed with SIGKILL, or crashed): it stops the run's process groups
// and removes its temp folders once this process is gone.
import { spawn, type ChildProcess } from "node:child_process";
import { sleep } from "./groups";

/** Watches the parent; if it dies, stops the groups listed in the file. Static code, arguments as argv. */
const REAPER_SOURCE = `
const fs = require("fs");
const [parent, groupsFile] = [Number(process.argv[1]), process.argv[2]];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const read = () => { try { return JSON.parse(fs.readFileSync(groupsFile, "utf8")); } catch { return {}; } };
const signal = (sig) => { for (const g of read().groups || []) { try { process.kill(-g, sig); } catch {} } };
let stopping = false;
setInterval(() => {
  if (stopping || alive(parent)) return;
  stopping = true;
  signal("SIGTERM");
  signal("SIGCONT"); // a stopped process acts on SIGTERM only once it runs again
  setTimeout(() => {
    signal("SIGKILL");
    setTimeout(() => {
      for (const d of read().tempDirs || []) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }, 500);
  }, 5000);
}, 500);
`;

/** Starts the watchdog over `groupsFile` (JSON: parent, groups, tempDirs), detached from this process. */
export function startReaper(groupsFile: string): ChildProcess {
    const reaper = spawn(process.execPath, ["-e", REAPER_SOURCE, String(process.pid), groupsFile], { detached: true, stdio: "ignore" });
    reaper.unref();
    return reaper;
}

/** Stops the watchdog once the run has cleaned up after itself; waits at most 2 s for it to go. */
export async function stopReaper(reaper: ChildProcess): Promise<void> {
    if (reaper.pid === undefined) return;
    const exited = new Promise<void>((resolve) => (reaper.exitCode !== null || reaper.signalCode !== null ? resolve() : reaper.once("exit", () => resolve())));
    try {
        process.kill(reaper.pid, "SIGKILL");
    } catch {
        /* gone */
    }
    // The bound's timer is cleared once the watchdog is gone: a pending timer keeps
    // the event loop, and so the command, alive for the rest of the 2 s after the run.
    const bound = new AbortController();
    await Promise.race([exited, sleep(2000, bound.signal)]);
    bound.abort();
}

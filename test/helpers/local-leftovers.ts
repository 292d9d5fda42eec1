// What a local run may leave behind, for the tests that run the local target
// for real: processes whose command line mentions the run, live process
// groups, AIPerf temp folders, and taken ports.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import { namespaceFor } from "../../lib/local/plan";
import { aiperfTempPrefix, groupAlive } from "../../lib/local/runner";

/** Processes whose command line mentions the run (namespace in Dynamo argv, run folder in AIPerf argv). */
export function processesOf(runId: string, runDir: string): string[] {
    const ns = namespaceFor(runId);
    const found: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        if (Number(pid) === process.pid) continue;
        let cmd = "";
        try {
            cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        } catch {
            continue;
        }
        if (cmd.includes(ns) || cmd.includes(runDir)) found.push(`${pid}: ${cmd.slice(0, 160)}`);
    }
    return found;
}

/** Asserts (waiting up to waitMs) that no process, group or AIPerf temp folder of the run is left. */
export async function assertNothingLeft(runId: string, runDir: string, pgids: number[], waitMs = 0): Promise<void> {
    const deadline = Date.now() + waitMs;
    let left = processesOf(runId, runDir);
    let groups = pgids.filter(groupAlive);
    while ((left.length > 0 || groups.length > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        left = processesOf(runId, runDir);
        groups = pgids.filter(groupAlive);
    }
    assert.deepEqual(groups, [], `process groups still alive: ${groups.join(", ")}`);
    assert.deepEqual(left, [], "processes of the run still present");
    const temps = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(aiperfTempPrefix(runId)));
    assert.deepEqual(temps, [], "AIPerf temp folders left behind");
}

/** True when nothing listens on the port (a bind on every address succeeds). */
export function portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once("error", () => resolve(false));
        srv.listen({ host: "0.0.0.0", port }, () => srv.close(() => resolve(true)));
    });
}

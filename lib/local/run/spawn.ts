// Starting one process of the run: its own process group, output appended to
// its log file, its exit recorded in the timings. An unexpected exit of a
// Dynamo process fails the whole run, quoting the end of its log.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Managed, RunContext } from "./context";
import { LocalRunError } from "./error";
import { logTail } from "./log-tail";
import { CAUSE_SEARCH_LINES, knownCauseIn } from "./known-causes";

export interface ProcessToStart {
    name: string;
    role: string;
    argv: string[];
    env: Record<string, string>;
    logFile: string;
    /** True for the benchmark tool: its exit is awaited, not a failure. */
    expectedExit: boolean;
}

export function startProcess(ctx: RunContext, p: ProcessToStart): Managed {
    const { name, role, argv, env, logFile, expectedExit } = p;
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = fs.openSync(logFile, "a");
    let child: ChildProcess;
    try {
        child = spawn(argv[0]!, argv.slice(1), { detached: true, env, stdio: ["ignore", fd, fd] });
        child.on("error", () => {}); // ENOENT and the like: handled through the missing pid below, or 'exit'
    } finally {
        fs.closeSync(fd);
    }
    if (child.pid === undefined) {
        // spawn reports ENOENT/EACCES asynchronously; the pid is missing right away.
        throw new LocalRunError(
            "spawn-failed",
            `could not start ${name}: ${argv[0]} is missing or not executable (is the venv set up? run scripts/setup-python.sh)`,
            {
                process: name,
                logFile,
            },
        );
    }
    const m: Managed = {
        name,
        role,
        pid: child.pid,
        logFile,
        child,
        done: false,
        expectedExit,
        exited: new Promise((resolve) => {
            child.once("exit", (code, signal) => resolve({ code, signal }));
        }),
    };
    ctx.managed.push(m);
    ctx.timings.processes[name] = { spawnedMs: ctx.since() };
    void m.exited.then(({ code, signal }) => onExit(ctx, m, code, signal));
    if (ctx.reaper) ctx.writeGroups();
    return m;
}

function onExit(ctx: RunContext, m: Managed, code: number | null, signal: NodeJS.Signals | null): void {
    m.done = true;
    Object.assign(ctx.timings.processes[m.name]!, { exitedMs: ctx.since(), exitCode: code, signal });
    if (m.expectedExit || ctx.stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const n = ctx.tailLines;
    const tail = logTail(m.logFile, n);
    // The cause may sit above the tail shown (retries and a traceback follow it).
    const cause = knownCauseIn(logTail(m.logFile, CAUSE_SEARCH_LINES));
    ctx.raiseFailure(
        new LocalRunError(
            "process-exited",
            `${m.name} (pid ${m.pid}) ${how} during ${ctx.stage}${cause ? `: ${cause}` : ""}; last ${n} lines of ${m.logFile}:\n${tail}`,
            {
                process: m.name,
                logFile: m.logFile,
                logTail: tail,
                exitCode: code,
                signal,
            },
        ),
    );
}

// The start-up commands (plan.setup) before any process: one login shell in
// its own process group, its output in logs/setup.log, bounded by
// setup.timeoutSeconds. A failure or the bound fails the run with the log tail.
import type { RunContext } from "./context";
import { LocalRunError } from "./error";
import { logTail } from "./log-tail";
import { startProcess } from "./spawn";

export async function runSetup(ctx: RunContext): Promise<void> {
    const setup = ctx.plan.setup;
    if (!setup) return;
    ctx.stage = "setup commands";
    ctx.log(`setup commands, log ${setup.logFile}`);
    const m = startProcess(ctx, { name: "setup", role: "setup", argv: setup.argv, env: setup.env, logFile: setup.logFile, expectedExit: true });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), setup.timeoutSeconds * 1000)));
    try {
        const exit = await ctx.race(Promise.race([m.exited, bound]));
        const tail = () => logTail(setup.logFile, ctx.tailLines);
        if (exit === "timeout") {
            throw new LocalRunError(
                "setup-failed",
                `the setup commands did not finish within ${setup.timeoutSeconds}s (setup.timeoutSeconds); last lines of ${setup.logFile}:\n${tail()}`,
                { process: "setup", logFile: setup.logFile, logTail: tail() },
            );
        }
        if (exit.code !== 0) {
            const how = exit.signal ? `were killed by ${exit.signal}` : `failed with status ${exit.code}`;
            throw new LocalRunError("setup-failed", `the setup commands ${how}; last lines of ${setup.logFile}:\n${tail()}`, {
                process: "setup",
                logFile: setup.logFile,
                logTail: tail(),
                exitCode: exit.code,
                signal: exit.signal,
            });
        }
        ctx.log("setup commands done");
    } finally {
        clearTimeout(timer);
    }
}

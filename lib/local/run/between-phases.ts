// Between two benchmark phases (plan.betweenPhases): the user's command, in
// its own process group with its output in logs/between-phases.log and the
// phases around it in its environment, then the one-token health check through
// the frontend; each bounded by betweenPhases.timeoutSeconds (and the
// benchmark deadline). Either failing fails the run, naming the phase after
// which it ran.
import { betweenPhasesGapEnv } from "../../benchmark/between-phases";
import type { PlannedBetweenPhases } from "../plan";
import type { RunContext } from "./context";
import { LocalRunError } from "./error";
import { logTail } from "./log-tail";
import { awaitExit } from "./phases";
import { probeOnce } from "./readiness";
import { startProcess } from "./spawn";

export async function runBetweenPhases(ctx: RunContext, between: PlannedBetweenPhases, after: string, next: string, deadline: number): Promise<void> {
    const bound = Math.min(deadline, Date.now() + between.timeoutSeconds * 1000);
    if (between.command) {
        const { argv, env, logFile } = between.command;
        ctx.stage = `between phases "${after}" and "${next}"`;
        ctx.log(`between phases "${after}" and "${next}": ${argv.join(" ")}`);
        const name = `between-${after}`;
        const m = startProcess(ctx, {
            name,
            role: "between-phases",
            argv,
            env: { ...env, ...betweenPhasesGapEnv(after, next) },
            logFile,
            expectedExit: true,
        });
        const exit = await awaitExit(ctx, { name: `between ${after} and ${next}`, logFile }, name, m.exited, bound);
        if (exit.code !== 0) {
            const tail = logTail(logFile, ctx.tailLines);
            const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
            throw new LocalRunError("between-phases-failed", `the command between phases "${after}" and "${next}" ${how}; last lines of ${logFile}:\n${tail}`, {
                process: name,
                logFile,
                logTail: tail,
                exitCode: exit.code,
                signal: exit.signal,
            });
        }
    }
    if (between.healthCheck) await waitHealthy(ctx, after, bound);
}

/** The probe must answer before `bound`; a restarted frontend gets until then to come back. */
async function waitHealthy(ctx: RunContext, after: string, bound: number): Promise<void> {
    ctx.stage = `health check after phase "${after}"`;
    let last = "";
    while (Date.now() < bound) {
        try {
            last = await probeOnce(ctx.plan);
            if (last === "") {
                ctx.log(`health check after phase "${after}": the frontend serves`);
                return;
            }
        } catch (err) {
            last = (err as Error).message;
        }
        await new Promise((r) => setTimeout(r, ctx.pollMs));
    }
    throw new LocalRunError(
        "between-phases-failed",
        `health check after phase "${after}": the frontend did not serve within ${ctx.plan.betweenPhases?.timeoutSeconds}s: ${last}`,
    );
}

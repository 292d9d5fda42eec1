// Interrupts of this process (SIGINT, SIGTERM, the caller's AbortSignal) stop
// the run; the caller then decides the exit code. A last-resort exit hook kills
// the groups if the process exits without teardown.
import type { RunContext } from "./context";
import { LocalRunError } from "./error";
import { killGroup } from "./groups";

/** Installs the handlers; returns what removes the signal and abort handlers (teardown removes the exit hook). */
export function watchInterrupts(ctx: RunContext): () => void {
    const { opts } = ctx;
    const onSignal = (sig: NodeJS.Signals) => {
        ctx.log(`received ${sig}; stopping the run`);
        ctx.raiseFailure(new LocalRunError("interrupted", `run interrupted by ${sig} during ${ctx.stage}`, { signal: sig }));
    };
    const onAbort = () => ctx.raiseFailure(new LocalRunError("interrupted", `run aborted during ${ctx.stage}`));
    ctx.exitHook = () => {
        for (const m of ctx.managed) killGroup(m.pid, "SIGKILL");
    };
    if (opts.handleSignals !== false) {
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
    }
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    process.on("exit", ctx.exitHook);
    return () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        opts.signal?.removeEventListener("abort", onAbort);
    };
}

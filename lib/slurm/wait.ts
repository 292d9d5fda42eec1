// Waiting for a submitted job: Slurm state polled at short intervals, every
// wait bounded, and the end explained from Slurm's state and the job's own
// markers (the failure marker carries the reason and the log tail).
import * as path from "node:path";
import type { Transport } from "./transport";

export const FINAL_STATES = new Set([
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "BOOT_FAIL",
    "DEADLINE",
    "PREEMPTED",
    "REVOKED",
    "SPECIAL_EXIT",
]);
const PENDING_STATES = new Set(["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED"]);

export interface JobState {
    state: string;
    reason?: string;
    exitCode?: string;
    timeLimit?: string;
    nodes?: string;
    /** Which command answered. */
    source: "scontrol" | "sacct" | "sacct -c";
}

/** Parses `scontrol show job -o <id>` (one line of Key=Value pairs). */
export function parseScontrol(text: string): JobState | undefined {
    const field = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(text)?.[1];
    const state = field("JobState");
    if (!state) return undefined;
    return { state, reason: field("Reason"), exitCode: field("ExitCode"), timeLimit: field("TimeLimit"), nodes: field("NodeList"), source: "scontrol" };
}

/** Parses `sacct -n -P -X -o State,ExitCode,Reason,Timelimit,NodeList` (last line wins: the newest record). */
export function parseSacct(text: string, source: "sacct" | "sacct -c"): JobState | undefined {
    const lines = text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const last = lines[lines.length - 1];
    if (!last) return undefined;
    const [state, exitCode, reason, timeLimit, nodes] = last.split("|");
    if (!state) return undefined;
    // "CANCELLED by 0" -> CANCELLED
    return { state: state.split(" ")[0], exitCode, reason, timeLimit, nodes, source };
}

/** The login node did not answer at all (SSH could not connect). */
export class UnreachableError extends Error {}

export async function queryJob(t: Transport, jobId: string): Promise<JobState | undefined> {
    const sc = await t.exec(["scontrol", "show", "job", "-o", jobId], 30_000);
    if (sc.unreachable) throw new UnreachableError(`cannot reach the login node ${t.describe}: ${sc.stderr.trim()}`);
    if (sc.code === 0) {
        const parsed = parseScontrol(sc.stdout);
        if (parsed) return parsed;
    }
    // Purged from slurmctld (MinJobAge passed): accounting, then the job completion log.
    const fields = "State,ExitCode,Reason,Timelimit,NodeList";
    const acct = await t.exec(["sacct", "-n", "-P", "-X", "-j", jobId, "-o", fields], 30_000);
    if (acct.code === 0) {
        const parsed = parseSacct(acct.stdout, "sacct");
        if (parsed) return parsed;
    }
    const comp = await t.exec(["sacct", "-c", "-n", "-P", "-S", "2000-01-01", "-j", jobId, "-o", "State,ExitCode,Reason,Timelimit,NodeList"], 30_000);
    if (comp.code === 0) return parseSacct(comp.stdout, "sacct -c");
    return undefined;
}

export interface WaitOptions {
    jobId: string;
    runDir: string;
    /** Bound from the start of waiting until the job ends. */
    timeoutSeconds: number;
    /** Bound for the queue: a job still pending after this is cancelled. */
    maxPendingSeconds: number;
    pollSeconds: number;
}

export interface WaitIo {
    now(): number;
    sleep(ms: number): Promise<void>;
    progress(line: string): void;
    /**
     * Called when the job's step changes: "queued", then each line the job
     * script writes to <run dir>/state ("waiting for workers", "benchmark phase
     * c1", "done"). Only when set is the state file read at every poll.
     */
    step?(step: string): void;
}

export interface JobOutcome {
    ok: boolean;
    state: JobState;
    /** SUCCESS.json text, when the job wrote one. */
    success?: string;
    /** FAILURE text (reason first, then log tails), when the job wrote one. */
    failure?: string;
    /** One paragraph a person can act on. */
    message: string;
}

export class WaitError extends Error {}

/** Polls until the job reaches a final state; throws WaitError on the bounds. */
export async function waitForJob(t: Transport, o: WaitOptions, io: WaitIo): Promise<JobState> {
    const start = io.now();
    let lastProgress = start;
    let pendingSince: number | undefined;
    let unknownSince: number | undefined;
    let lastContact: number | undefined;
    let lastStep: string | undefined;
    let failureShown = false;
    for (;;) {
        let state: JobState | undefined;
        try {
            state = await queryJob(t, o.jobId);
            lastContact = io.now();
        } catch (e) {
            if (!(e instanceof UnreachableError)) throw e;
            // Never reached: a configuration problem (host, key, host key). Reached before: ride out 2 minutes of network trouble.
            if (lastContact === undefined || io.now() - lastContact > 120_000) throw new WaitError(e.message);
            await io.sleep(o.pollSeconds * 1000);
            continue;
        }
        const now = io.now();
        if (state === undefined) {
            // Right after submit a job can be missing for a moment; for a minute it means it is gone.
            unknownSince ??= now;
            if (now - unknownSince > 60_000) throw new WaitError(`job ${o.jobId} is not known to Slurm (scontrol, sacct and sacct -c have no record of it)`);
        } else {
            unknownSince = undefined;
            if (FINAL_STATES.has(state.state)) return state;
            // The job script has ended and said why; Slurm may take a while to reap the steps (processes
            // that outlive a killed parent, output on a full disk): the reason is reported now, not then.
            if (state.state === "COMPLETING" && !failureShown) {
                const reason = (await t.readFile(path.posix.join(o.runDir, "FAILURE")).catch(() => undefined))?.split("\n")[0]?.replace(/^reason: /, "");
                if (reason) {
                    io.progress(`job ${o.jobId} failed: ${reason} (Slurm is still completing the job; waiting for it to end)`);
                    failureShown = true;
                }
            }
            if (PENDING_STATES.has(state.state)) {
                pendingSince ??= now;
                if (now - pendingSince > o.maxPendingSeconds * 1000) {
                    await t.exec(["scancel", o.jobId], 30_000);
                    throw new WaitError(
                        `job ${o.jobId} was still ${state.state} after ${o.maxPendingSeconds}s (slurm.maxPendingSeconds; reason ${state.reason ?? "unknown"}); it was cancelled`,
                    );
                }
            } else {
                pendingSince = undefined;
            }
            if (io.step) {
                const step = PENDING_STATES.has(state.state) ? "queued" : (await t.readFile(path.posix.join(o.runDir, "state")).catch(() => undefined))?.trim();
                if (step && step !== lastStep) io.step(step);
                lastStep = step ?? lastStep;
            }
            if (now - lastProgress >= 30_000) {
                const step = (await t.readFile(path.posix.join(o.runDir, "state")).catch(() => undefined))?.trim();
                io.progress(
                    `job ${o.jobId} ${state.state}${state.reason && state.reason !== "None" ? ` (${state.reason})` : ""}${step ? `: ${step}` : ""}, ${Math.round((now - start) / 1000)}s`,
                );
                lastProgress = now;
            }
        }
        if (now - start > o.timeoutSeconds * 1000) {
            throw new WaitError(
                `job ${o.jobId} had not ended after ${o.timeoutSeconds}s (last state ${state?.state ?? "unknown"}); it keeps running until its time limit or \`pulumi destroy\` (scancel ${o.jobId})`,
            );
        }
        await io.sleep(o.pollSeconds * 1000);
    }
}

/** Why a job ended, from Slurm's final state and the job's markers. */
export function explainOutcome(jobId: string, state: JobState, markers: { success?: string; failure?: string }): JobOutcome {
    const failure = markers.failure?.trim();
    const reasonLine = failure?.split("\n")[0]?.replace(/^reason:\s*/, "");
    const detail = failure ? `\n${failure}` : "";
    const exit = state.exitCode ? ` (exit code ${state.exitCode})` : "";
    if (state.state === "COMPLETED" && markers.success && !failure) {
        return { ok: true, state, success: markers.success, message: `job ${jobId} completed` };
    }
    let message: string;
    switch (state.state) {
        case "TIMEOUT":
            message = `job ${jobId} reached its time limit${state.timeLimit ? ` (${state.timeLimit})` : ""} (slurm.timeLimit)${reasonLine && !/time limit/.test(reasonLine) ? `; first failure: ${reasonLine}` : ""}`;
            break;
        case "CANCELLED":
            message = `job ${jobId} was cancelled (scancel, pulumi destroy or an administrator)${reasonLine ? `; the job reported: ${reasonLine}` : ""}`;
            break;
        case "COMPLETED":
            message = failure
                ? `job ${jobId} completed but reported a failure: ${reasonLine}`
                : `job ${jobId} completed without writing SUCCESS.json (was the run folder changed while it ran?)`;
            break;
        default:
            if (reasonLine && /time limit/.test(reasonLine))
                message = `job ${jobId} reached its time limit${state.timeLimit ? ` (${state.timeLimit})` : ""} (slurm.timeLimit): ${reasonLine}`;
            else message = `job ${jobId} ended ${state.state}${exit}${reasonLine ? `: ${reasonLine}` : ""}`;
    }
    return { ok: false, state, success: markers.success, failure: markers.failure, message: `${message}${detail}` };
}

/**
 * The stages of a sweep point from the job's steps (what io.step reports):
 * "queued", "deploying: <step>" while the job starts its processes, "ready"
 * once before the first load, "load k/L <phase>", "done". Keeps its own state.
 */
export function slurmStages(phases: readonly string[]): (step: string) => string[] {
    let loading = false;
    return (step) => {
        if (step === "queued") return ["queued"];
        if (step === "done") return ["done; fetching the results"];
        const phase = /^benchmark phase (\S+)$/.exec(step)?.[1];
        if (!phase) return [`deploying: ${step}`];
        const k = phases.indexOf(phase);
        const load = k >= 0 ? `load ${k + 1}/${phases.length} ${phase}` : `load ${phase}`;
        const first = !loading;
        loading = true;
        return first ? ["ready", load] : [load];
    };
}

// Why a local run failed: one error type whose kind names the reason and whose
// detail names the process at fault and quotes its log.
import type { RunTimings } from "./types";

export type LocalRunErrorKind =
    | "spawn-failed"
    | "process-exited"
    | "not-ready"
    | "benchmark-failed"
    | "benchmark-timeout"
    | "between-phases-failed"
    | "setup-failed"
    | "interrupted"
    | "stalled"
    | "disk-full";

export class LocalRunError extends Error {
    /** Timings up to the failure; set by runLocalPlan before it rethrows. */
    timings?: RunTimings;
    constructor(
        readonly kind: LocalRunErrorKind,
        message: string,
        readonly detail: { process?: string; logFile?: string; logTail?: string; exitCode?: number | null; signal?: string | null } = {},
    ) {
        super(message);
        this.name = "LocalRunError";
    }
}

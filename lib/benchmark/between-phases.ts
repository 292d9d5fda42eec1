// What the command between two phases (benchmark.betweenPhases.command) finds
// in its environment, on every target: the frontend's URL, the run folder and
// the phases around it. The local runner and the Slurm job script both run
// the command with exactly these variables.

export interface BetweenPhasesPlace {
    /** The frontend's base URL, e.g. http://host:8000. */
    frontendUrl: string;
    /** The run folder (logs, exports). */
    runDir: string;
}

/** Variables every between-phase command gets, whichever gap it runs in. */
export function betweenPhasesEnv(place: BetweenPhasesPlace): Record<string, string> {
    return { FRONTEND_URL: place.frontendUrl, DYNAMO_BENCH_RUN_DIR: place.runDir };
}

/** The gap's own variables: the phase that just ended and the one about to start. */
export function betweenPhasesGapEnv(after: string, next: string): Record<string, string> {
    return { DYNAMO_BENCH_PHASE_DONE: after, DYNAMO_BENCH_PHASE_NEXT: next };
}

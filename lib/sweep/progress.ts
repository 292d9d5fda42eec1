// Progress lines of a sweep during `pulumi up`: point i/N, its id, the stage,
// the elapsed time and an estimate of what is left (pure; components/sweep.ts
// logs them through pulumi.log when a point's results come in).

export interface ProgressStep {
    /** 1-based position of the point in the sweep. */
    index: number;
    total: number;
    id: string;
    /** "deploying", or the point's resultsStatus once it finished. */
    stage: string;
    /** Seconds since the sweep's program started. */
    elapsedSeconds: number;
    /** Points finished so far (this one included when it finished). */
    done: number;
}

/** The mean time per finished point times the points left; unknown before the first finishes. */
export function secondsLeft(step: Pick<ProgressStep, "elapsedSeconds" | "done" | "total">): number | undefined {
    if (step.done === 0) return undefined;
    return (step.elapsedSeconds / step.done) * (step.total - step.done);
}

export function progressLine(step: ProgressStep): string {
    const left = secondsLeft(step);
    const estimate = step.done >= step.total ? "sweep done" : left === undefined ? "estimate after the first point" : `about ${Math.round(left)} s left`;
    return `sweep point ${step.index}/${step.total} ${step.id}: ${step.stage} (elapsed ${Math.round(step.elapsedSeconds)} s, ${estimate})`;
}

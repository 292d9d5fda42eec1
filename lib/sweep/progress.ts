// Progress lines of a sweep during `pulumi up`: point i/N, its id, the stage,
// the elapsed time and an estimate of what is left (pure). The program logs
// one when a point's results come in (components/sweep.ts); the commands that
// run a point (local-run, slurm-wait, k8s-run-point) log one per stage of it
// (deploying, ready, load k/L, ...), finding their point through the sweep's
// progress file (progress-file.ts).

export interface ProgressStep {
    /** 1-based position of the point in the sweep. */
    index: number;
    total: number;
    id: string;
    /** "deploying", "ready", "load 1/2 c1", or the point's resultsStatus once it finished. */
    stage: string;
    /** Seconds since the sweep's `up` started. */
    elapsedSeconds: number;
    /** The program's view: points finished so far (this one included when it finished). */
    done?: number;
    /** A command's view: the run time of each point run so far in this `up`, and how long this point has run. */
    ranSeconds?: number[];
    pointElapsedSeconds?: number;
}

/**
 * The mean time per point times the points left; a command running point i
 * adds what its own point has left of that mean. Unknown before a point finished.
 */
export function secondsLeft(step: ProgressStep): number | undefined {
    if (step.ranSeconds) {
        if (step.ranSeconds.length === 0) return undefined;
        const mean = step.ranSeconds.reduce((a, b) => a + b, 0) / step.ranSeconds.length;
        return Math.max(0, mean - (step.pointElapsedSeconds ?? 0)) + mean * (step.total - step.index);
    }
    const done = step.done ?? 0;
    if (done === 0) return undefined;
    return (step.elapsedSeconds / done) * (step.total - done);
}

export function progressLine(step: ProgressStep): string {
    const left = secondsLeft(step);
    const finished = step.ranSeconds ? false : (step.done ?? 0) >= step.total;
    const estimate = finished ? "sweep done" : left === undefined ? "estimate after the first point" : `about ${Math.round(left)} s left`;
    return `sweep point ${step.index}/${step.total} ${step.id}: ${step.stage} (elapsed ${Math.round(step.elapsedSeconds)} s, ${estimate})`;
}

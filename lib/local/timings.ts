// The local runner measures milliseconds between stages; the stack outputs
// carry the shared BenchmarkTimings (seconds from the start of the run), so a
// local rehearsal and a Slurm job compare key by key.
import { definedOnly, type BenchmarkTimings } from "../outputs";
import type { RunTimings } from "./runner";

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms) / 1000);

/** Registration and readiness are measured as stage lengths; the shared keys count from the start. */
export function benchmarkTimingsOf(run: Partial<RunTimings>): BenchmarkTimings {
    const launched = run.processStartMs;
    const registered = launched !== undefined && run.registrationMs !== undefined ? launched + run.registrationMs : undefined;
    const ready = registered !== undefined && run.readinessMs !== undefined ? registered + run.readinessMs : undefined;
    return definedOnly({
        launchSeconds: seconds(launched),
        workersRegisteredSeconds: seconds(registered),
        readySeconds: seconds(ready),
        benchmarkSeconds: seconds(run.benchmarkMs),
        teardownSeconds: seconds(run.teardownMs),
        totalSeconds: seconds(run.totalMs),
        overheadSeconds: seconds(run.overheadMs),
    });
}

// How the commands that run a sweep's points (local-run, slurm-wait,
// k8s-run-point) learn which point of which sweep they run, so their stage
// lines read "sweep point 2/4 kv: load 1/2 c1 (elapsed 41 s, about 123 s
// left)". The program writes one small JSON file per sweep at the start of
// `up` (never at preview) into the per-user cache; a command looks its own
// benchmark name (or Slurm job name) up there. The file is not an input of any
// resource: adding a point or re-running `up` changes no command, so nothing
// runs again because of it. A command that finds no file prints its usual
// lines only. Each command adds its point's run time when it ends, so the
// estimate is the mean run time of the points run in this `up`.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir, type PathEnv } from "../paths";
import type { BenchmarkSpec } from "../../config/resolve";
import { jobNameFor } from "../slurm/job-args";
import { progressLine } from "./progress";

export interface SweepProgressState {
    sweep: string;
    /** When the program started this `up` (ms since the epoch). */
    startedAtMs: number;
    /** In sweep order; `names`: the benchmark name and any other name a command knows the point by. */
    points: Array<{ id: string; names: string[] }>;
    /** Seconds each point's command took, for the points run in this `up`. */
    ran: Record<string, number>;
}

export function progressDir(env: PathEnv): string {
    return path.join(cacheDir(env), "sweep-progress");
}

const fileOf = (dir: string, sweep: string) => path.join(dir, `${sweep.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);

/** Called by the program at the start of `up`: a fresh state for this run of the sweep. */
export function writeSweepProgress(dir: string, state: SweepProgressState): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(fileOf(dir, state.sweep), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

function readState(file: string): SweepProgressState | undefined {
    try {
        const s = JSON.parse(fs.readFileSync(file, "utf8")) as SweepProgressState;
        return Array.isArray(s.points) && typeof s.startedAtMs === "number" ? s : undefined;
    } catch {
        return undefined;
    }
}

export interface PointProgress {
    /** Whether the command runs a point of a sweep (a progress file names it). */
    inSweep: boolean;
    /** One stage line, or undefined when this command runs no sweep point. */
    line(stage: string): string | undefined;
    /** Records the point's run time for the estimate of the points after it. */
    finished(): void;
}

/**
 * The progress of the point a command runs, found by any of `names`;
 * `now` is the clock (ms). Without a sweep file naming the point, lines are undefined.
 */
export function pointProgress(dir: string, names: readonly string[], now: () => number = Date.now): PointProgress {
    const startedAt = now();
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
    for (const f of files) {
        const file = path.join(dir, f);
        const state = readState(file);
        const index = state?.points.findIndex((p) => p.names.some((n) => names.includes(n))) ?? -1;
        if (!state || index < 0) continue;
        const id = state.points[index]!.id;
        return {
            inSweep: true,
            line: (stage) => {
                const ran = Object.values(readState(file)?.ran ?? state.ran);
                return progressLine({
                    index: index + 1,
                    total: state.points.length,
                    id,
                    stage,
                    elapsedSeconds: (now() - state.startedAtMs) / 1000,
                    pointElapsedSeconds: (now() - startedAt) / 1000,
                    ranSeconds: ran,
                });
            },
            finished: () => {
                const current = readState(file) ?? state;
                writeSweepProgress(dir, { ...current, ran: { ...current.ran, [id]: (now() - startedAt) / 1000 } });
            },
        };
    }
    return { inSweep: false, line: () => undefined, finished: () => undefined };
}

/** The names a command knows a point by: its benchmark name, and on Slurm its job name (slurm-wait sees only the run folder). */
export function progressNames(spec: BenchmarkSpec): string[] {
    return spec.target === "slurm" ? [spec.name, jobNameFor(spec)] : [spec.name];
}

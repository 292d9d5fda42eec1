// The state one local run shares between its parts: the plan and options,
// the clock and timings, the processes started, and the one failure that ends
// every wait (a Dynamo process exiting, or an interrupt).
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalRunPlan } from "../plan";
import type { LocalRunError } from "./error";
import { groupAlive } from "./groups";
import type { RunOptions, RunTimings } from "./types";

/** A process the run started, and how it ended. */
export interface Managed {
    name: string;
    role: string;
    pid: number;
    logFile: string;
    child: ChildProcess;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    done: boolean;
    /** True for the benchmark tool: its exit is awaited, not a failure. */
    expectedExit: boolean;
}

export class RunContext {
    readonly log: (line: string) => void;
    readonly tailLines: number;
    readonly pollMs: number;
    readonly maxPollMs: number;
    readonly t0 = Date.now();
    readonly timings: RunTimings;
    readonly timingsFile: string;
    /** What the reaper reads: this process, the live groups, the temp folders. */
    readonly groupsFile: string;
    readonly managed: Managed[] = [];
    /** Per-phase temp folders (AIPerf's IPC sockets and dataset mmap files), removed at teardown. */
    readonly tempDirs: string[] = [];
    /** Ends the polling loops once the run stops, whatever the reason. */
    readonly cancelWaits = new AbortController();
    stopping = false;
    /** What the run is doing, for error messages. */
    stage = "start-up";
    failed: LocalRunError | undefined;
    reaper: ChildProcess | undefined;
    /** Last resort if the event loop is torn down without teardown (process.exit elsewhere); teardown removes it. */
    exitHook: (() => void) | undefined;
    private fail!: (err: LocalRunError) => void;
    private readonly failure: Promise<never>;

    constructor(
        readonly plan: LocalRunPlan,
        readonly opts: RunOptions,
    ) {
        this.log = opts.log ?? (() => {});
        this.tailLines = opts.logTailLines ?? 40;
        this.pollMs = opts.pollMs ?? 250;
        this.maxPollMs = opts.maxPollMs ?? 1000;
        this.timings = { startedAt: new Date(this.t0).toISOString(), processes: {}, phases: [] };
        this.timingsFile = path.join(plan.runDir, "timings.json");
        this.groupsFile = path.join(plan.runDir, "process-groups.json");
        this.failure = new Promise<never>((_, reject) => {
            this.fail = (err) => reject(err);
        });
        this.failure.catch(() => {});
    }

    /** Milliseconds since the run started. */
    readonly since = (): number => Date.now() - this.t0;

    /** Ends every wait with `err`: the first failure wins; nothing fails once the run is stopping. */
    readonly raiseFailure = (err: LocalRunError): void => {
        if (this.failed || this.stopping) return;
        this.failed = err;
        this.fail(err);
    };

    /** `p`, unless the run fails first. */
    race<T>(p: Promise<T>): Promise<T> {
        return Promise.race([p, this.failure]);
    }

    /** Processes whose group may still have members. */
    alive(): Managed[] {
        return this.managed.filter((m) => !m.done || groupAlive(m.pid));
    }

    writeGroups(): void {
        const groups = this.alive().map((m) => m.pid);
        fs.writeFileSync(this.groupsFile, JSON.stringify({ parent: process.pid, groups, tempDirs: this.tempDirs }) + "\n");
    }

    removeTempDirs(): void {
        for (const dir of this.tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    }
}

// One AIPerf process for several phases (client-runs.ts), started with its
// config file (phases.ts startClient): once it exits, each phase's exports are
// laid out in the phase's own artifact folder as a run of its own would have
// left them, so summaries and stack outputs read them unchanged:
// `profile_export_aiperf.{json,csv}` from AIPerf's per-phase export and
// `profile_export.jsonl` with that phase's records (and its warmup's).
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { ClientRun } from "./client-runs";
import { phaseOfRecord } from "./client-runs";
import type { RunContext } from "./context";
import { awaitExit, phaseFailed, readMeasuredDurationMs, type StartedClient } from "./phases";
import type { PhaseResult } from "./types";

const SUMMARY_FILES = ["profile_export_aiperf.json", "profile_export_aiperf.csv"];
const PHASE_NAME = /"phase_name":"([^"]*)"/;

/** Awaits a combined client run (started by startClient) and lays out each phase's exports. */
export async function finishCombined(ctx: RunContext, run: ClientRun, started: StartedClient, deadline: number): Promise<PhaseResult[]> {
    const { log } = ctx;
    const { startMs } = started;
    const exit = await awaitExit(ctx, run, started.processName, started.exited, deadline);
    const endMs = ctx.since();
    const missing = run.phases.map((p) => path.join(run.artifactDir, "phases", p.name, SUMMARY_FILES[0]!)).find((f) => !fs.existsSync(f));
    if (exit.code !== 0 || missing) throw phaseFailed(ctx, run, started.processName, exit, missing ?? path.join(run.artifactDir, "phases"));
    ctx.removeTempDirs();

    for (const p of run.phases) {
        fs.mkdirSync(p.artifactDir, { recursive: true });
        for (const f of SUMMARY_FILES) {
            const from = path.join(run.artifactDir, "phases", p.name, f);
            if (fs.existsSync(from)) fs.copyFileSync(from, path.join(p.artifactDir, f));
        }
    }
    await splitRecords(
        path.join(run.artifactDir, "profile_export.jsonl"),
        new Map(run.phases.map((p) => [p.name, path.join(p.artifactDir, "profile_export.jsonl")])),
    );
    const results: PhaseResult[] = [];
    for (const p of run.phases) {
        const summaryJson = path.join(p.artifactDir, SUMMARY_FILES[0]!);
        const measuredMs = readMeasuredDurationMs(summaryJson);
        // The phases share one process: each carries the process's wall time, and its own measured time.
        ctx.timings.phases.push({ name: p.name, startMs, endMs, wallMs: endMs - startMs, ...(measuredMs !== undefined ? { measuredMs } : {}) });
        results.push({ name: p.name, artifactDir: p.artifactDir, logFile: run.logFile, summaryJson });
    }
    log(`aiperf run "${run.name}" done in ${((endMs - startMs) / 1000).toFixed(1)}s, artifacts ${run.phases.map((p) => p.artifactDir).join(", ")}`);
    return results;
}

/** Copies each record line of `file` to its phase's file (by AIPerf's `phase_name`); lines of no known phase are left out. */
export async function splitRecords(file: string, outputs: Map<string, string>): Promise<void> {
    const fds = new Map([...outputs].map(([name, out]) => [name, fs.openSync(out, "w")]));
    try {
        if (!fs.existsSync(file)) return;
        const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
        const names = [...outputs.keys()];
        for await (const line of lines) {
            const name = PHASE_NAME.exec(line)?.[1];
            const phase = name === undefined ? undefined : phaseOfRecord(name, names);
            if (phase !== undefined) fs.writeSync(fds.get(phase)!, line + "\n");
        }
    } finally {
        for (const fd of fds.values()) fs.closeSync(fd);
    }
}

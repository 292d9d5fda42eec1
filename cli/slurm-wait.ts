/**
 * `dynamo-bench slurm-wait`: waits for a submitted Slurm benchmark job
 * (bounded), then prints its results summary on stdout as one
 * `DYNAMO_BENCH_RESULT <json>` line (lib/results/result-line.ts). Run by the
 * `<name>-results` command of the Slurm target; usable by hand as well.
 *
 * stdout carries only that line; progress and diagnostics go to stderr.
 * Exit status: 0 results printed, 1 the run failed (reason and log tail on
 * stderr), 2 usage error. With --ssh the private key comes from the
 * environment variable DYNAMO_BENCH_SSH_KEY, never from the command line.
 */
import * as path from "node:path";
import { defineCommand, oneOf, parseOptionsOnly, positiveNumber, readCommandLine, UsageError, type ParsedCommandLine } from "../lib/cli-options";
import { formatResultLine, isResultsError, type ToolName } from "../lib/results";
import { collectResults } from "../lib/slurm/results";
import { localTransport, sshTransport, type Transport } from "../lib/slurm/transport";
import { WaitError, explainOutcome, slurmStages, waitForJob, type WaitIo } from "../lib/slurm/wait";
import type { Command } from "./main";
import { pointProgress, progressDir, type PointProgress } from "../lib/sweep/progress-file";
import { reportSweep } from "./slurm-wait-sweep";
import { SWEEP_OUTCOME } from "../lib/slurm/sweep-render";

export const SLURM_WAIT_COMMAND = defineCommand({
    name: "slurm-wait",
    about: `Waits for the Slurm job of a rendered run folder to end, then summarizes the
AIPerf/genai-perf exports of every phase and prints them as one line,
DYNAMO_BENCH_RESULT <json>.`,
    options: {
        "run-dir": { type: "string", required: true, value: "DIR", description: "the run folder on the login node (holds job.env, job-id, SUCCESS.json)" },
        "job-id": { type: "string", value: "ID", description: "the job; default: the id in DIR/job-id" },
        timeout: { type: "string", value: "S", default: "86400", description: "give up waiting after S seconds" },
        "max-pending": { type: "string", value: "S", default: "3600", description: "cancel the job if it is still queued after S seconds" },
        poll: { type: "string", value: "S", default: "2", description: "seconds between Slurm queries" },
        env: { type: "string", multiple: true, value: "NAME=VALUE", description: "environment of the Slurm commands, e.g. SLURM_CONF=..." },
        ssh: { type: "string", value: "USER@HOST[:PORT]", description: "reach the login node over SSH (key in $DYNAMO_BENCH_SSH_KEY)" },
        "ssh-host-key": { type: "string", value: "LINE", description: 'expected host key ("ssh-ed25519 AAAA..."); unchecked when absent' },
        "fetch-to": { type: "string", value: "DIR", description: "local folder the run folder is copied to (with --ssh; required there)" },
        phase: { type: "string", multiple: true, value: "NAME[:C]", description: "a phase and its concurrency, for per-user figures" },
        gpus: { type: "string", value: "N", description: "GPUs of the inference workers, for per-GPU throughput" },
        tool: { type: "string", value: "T", description: "aiperf | genai-perf" },
        sweep: {
            type: "boolean",
            description: "a sweep job (slurm.sweepJob): one result per point from DIR/SWEEP.tsv and DIR/points.json; fails only when no point collected",
        },
    },
    footer: "exit status: 0 results printed, 1 the job failed or results are unreadable, 2 usage error",
});

export interface SlurmWaitOptions {
    runDir: string;
    jobId?: string;
    timeoutSeconds: number;
    maxPendingSeconds: number;
    pollSeconds: number;
    env: Record<string, string>;
    ssh?: { user: string; host: string; port: number; hostKey?: string };
    fetchTo?: string;
    concurrency: Record<string, number>;
    /** Phase names in order (--phase), for the "load k/L" stage of a sweep point. */
    phases: string[];
    gpus?: number;
    tool?: ToolName;
    sweep: boolean;
}

/** The job stays in the stack's state after it failed; this is how to run it again. */
export const RERUN_HINT = "To run the benchmark again: change slurm.runTag (a new run folder), or `pulumi up --replace` the stack's <name>-job resource.";

/** The options of slurm-wait from its parsed command line; UsageError on a value it cannot use. */
export function slurmWaitOptionsFrom({ values: v }: ParsedCommandLine<typeof SLURM_WAIT_COMMAND.options>): SlurmWaitOptions {
    if (!path.posix.isAbsolute(v["run-dir"])) throw new UsageError(`--run-dir must be an absolute path, got "${v["run-dir"]}"`);
    const jobId = v["job-id"];
    if (jobId !== undefined && !/^[0-9]+(_[0-9]+)?$/.test(jobId)) throw new UsageError(`--job-id must be a Slurm job id, got "${jobId}"`);
    const env: Record<string, string> = {};
    for (const item of v.env) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(item);
        if (!m) throw new UsageError(`--env must be NAME=VALUE, got "${item}"`);
        env[m[1]!] = m[2]!;
    }
    const concurrency: Record<string, number> = {};
    const phases: string[] = [];
    for (const item of v.phase) {
        const m = /^([^:]+)(?::([0-9.]+))?$/.exec(item);
        if (!m) throw new UsageError(`--phase must be NAME[:CONCURRENCY], got "${item}"`);
        phases.push(m[1]!);
        if (m[2]) concurrency[m[1]!] = positiveNumber("phase", m[2]);
    }
    let ssh: SlurmWaitOptions["ssh"];
    if (v.ssh !== undefined) {
        const m = /^([A-Za-z_][A-Za-z0-9_.-]*)@([^:@\s]+)(?::([0-9]+))?$/.exec(v.ssh);
        if (!m) throw new UsageError(`--ssh must be USER@HOST[:PORT], got "${v.ssh}"`);
        if (!v["fetch-to"]) throw new UsageError("--fetch-to is required with --ssh (the run folder is copied there)");
        ssh = { user: m[1]!, host: m[2]!, port: m[3] ? Number(m[3]) : 22, ...(v["ssh-host-key"] ? { hostKey: v["ssh-host-key"] } : {}) };
    }
    return {
        runDir: v["run-dir"],
        jobId,
        timeoutSeconds: positiveNumber("timeout", v.timeout, { unit: "seconds" }),
        maxPendingSeconds: positiveNumber("max-pending", v["max-pending"], { unit: "seconds" }),
        pollSeconds: positiveNumber("poll", v.poll, { unit: "seconds" }),
        env,
        ssh,
        fetchTo: v["fetch-to"] === undefined ? undefined : path.resolve(v["fetch-to"]),
        concurrency,
        phases,
        gpus: v.gpus === undefined ? undefined : positiveNumber("gpus", v.gpus, { integer: true }),
        tool: v.tool === undefined ? undefined : oneOf("tool", v.tool, ["aiperf", "genai-perf"] as const),
        sweep: v.sweep === true,
    };
}

/** Parses slurm-wait arguments; throws UsageError on anything wrong. */
export const parseSlurmWaitArgs = (args: readonly string[]): SlurmWaitOptions => slurmWaitOptionsFrom(parseOptionsOnly(SLURM_WAIT_COMMAND, args));

/** The sweep point this command waits for, from the sweep's progress file (lib/sweep/progress-file.ts). */
const sweepProgress = (names: string[]) => pointProgress(progressDir(process.env), names);

export interface SlurmWaitIo extends WaitIo {
    /** The sweep point's progress (tests give their own); default: the sweep's progress file. */
    progressFor?: (names: string[]) => PointProgress;
    stdout(text: string): void;
    stderr(text: string): void;
    env: Record<string, string | undefined>;
    transport?: (o: SlurmWaitOptions) => Transport;
}

const defaultIo = (): SlurmWaitIo => ({
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    progress: (line) => process.stderr.write(`slurm-wait: ${line}\n`),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
});

function makeTransport(o: SlurmWaitOptions, env: Record<string, string | undefined>): Transport {
    if (!o.ssh) return localTransport(o.env);
    const key = env.DYNAMO_BENCH_SSH_KEY;
    if (!key) throw new UsageError("--ssh needs the private key in the environment variable DYNAMO_BENCH_SSH_KEY");
    return sshTransport({ ...o.ssh, privateKey: key }, o.env);
}

async function readJobId(t: Transport, runDir: string, io: WaitIo): Promise<string> {
    const deadline = io.now() + 30_000;
    for (;;) {
        const text = (await t.readFile(path.posix.join(runDir, "job-id")))?.trim();
        if (text && /^[0-9]+$/.test(text)) return text;
        if (io.now() > deadline) throw new WaitError(`no job id in ${runDir}/job-id (was the run submitted?)`);
        await io.sleep(1000);
    }
}

export async function runSlurmWait(args: string[], io: SlurmWaitIo = defaultIo()): Promise<number> {
    const line = readCommandLine(SLURM_WAIT_COMMAND, args, io, (parsed) => {
        const o = slurmWaitOptionsFrom(parsed);
        return { o, t: io.transport ? io.transport(o) : makeTransport(o, io.env) };
    });
    if ("exitCode" in line) return line.exitCode;
    const { o, t } = line.options;
    try {
        const jobId = o.jobId ?? (await readJobId(t, o.runDir, io));
        // In a sweep, one line per step of the job naming the point; the run folder is <outputDir>/<job name>/<run id>.
        const progress = (io.progressFor ?? sweepProgress)([path.posix.basename(path.posix.dirname(o.runDir))]);
        const stages = slurmStages(o.phases);
        const stepIo = { ...io, step: (step: string) => stages(step).forEach((s) => io.progress(progress.line(s)!)) };
        io.progress(`waiting up to ${o.timeoutSeconds}s for job ${jobId} on ${t.describe} (run ${o.runDir})`);
        const state = await waitForJob(
            t,
            { jobId, runDir: o.runDir, timeoutSeconds: o.timeoutSeconds, maxPendingSeconds: o.maxPendingSeconds, pollSeconds: o.pollSeconds },
            // Only a sweep point reads the job's step at every poll (one more file read each).
            progress.inSweep && !o.sweep ? stepIo : io,
        );
        const read = (name: string) => t.readFile(path.posix.join(o.runDir, name));
        if (o.sweep) {
            const sweepOutcome = await read(SWEEP_OUTCOME);
            // Without SWEEP.tsv the sweep script never ran its points: explained like any failed job, below.
            if (sweepOutcome !== undefined) return await reportSweep(o, t, io, jobId, sweepOutcome);
        }
        const outcome = explainOutcome(jobId, state, { success: await read("SUCCESS.json"), failure: await read("FAILURE") });
        if (!outcome.ok) {
            const log = outcome.failure
                ? ""
                : await read("logs/job.log").then((l) => (l ? `\n--- last lines of ${o.runDir}/logs/job.log ---\n${l.split("\n").slice(-40).join("\n")}` : ""));
            io.stderr(`dynamo-bench slurm-wait: FAILED: ${outcome.message}${log}\n${RERUN_HINT}\n`);
            return 1;
        }
        const localRunDir = o.ssh ? await t.fetchDir(o.runDir, o.fetchTo!) : o.runDir;
        const results = await collectResults(outcome.success!, { localRunDir, runDir: o.runDir, tool: o.tool, gpus: o.gpus, concurrency: o.concurrency });
        io.stdout(formatResultLine({ ok: true, ...results }));
        if (!o.sweep) {
            const done = progress.line("collected");
            if (done) io.progress(done);
            progress.finished();
        }
        const t0 = results.timings;
        io.progress(
            `job ${jobId} done: ${results.phases.length} phase(s); ready after ${t0.readySeconds ?? "?"}s; last worker registered -> first request ${t0.lastWorkerToFirstRequestSeconds ?? "?"}s`,
        );
        return 0;
    } catch (e) {
        if (e instanceof WaitError) {
            io.stderr(`dynamo-bench slurm-wait: FAILED: ${e.message}\n`);
            return 1;
        }
        if (isResultsError(e)) {
            io.stderr(`dynamo-bench slurm-wait: FAILED: the job succeeded but its exports could not be read: ${(e as Error).message}\n`);
            return 1;
        }
        io.stderr(`dynamo-bench slurm-wait: FAILED: ${(e as Error).message ?? String(e)}\n`);
        return 1;
    } finally {
        await t.close();
    }
}

export const command: Command = {
    summary: "wait for a Slurm benchmark job and print its results line",
    run: (args) => runSlurmWait(args),
};

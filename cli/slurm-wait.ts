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
import { formatResultLine, isResultsError, type ToolName } from "../lib/results";
import { collectResults } from "../lib/slurm/results";
import { localTransport, sshTransport, type Transport } from "../lib/slurm/transport";
import { WaitError, explainOutcome, waitForJob, type WaitIo } from "../lib/slurm/wait";
import type { Command } from "./main";

export const SLURM_WAIT_USAGE = `usage: dynamo-bench slurm-wait --run-dir DIR [options]

Waits for the Slurm job of a rendered run folder to end, then summarizes the
AIPerf/genai-perf exports of every phase and prints them as one line,
DYNAMO_BENCH_RESULT <json>.

options:
  --run-dir DIR          the run folder on the login node (holds job.env, job-id, SUCCESS.json)
  --job-id ID            the job; default: the id in DIR/job-id
  --timeout S            give up waiting after S seconds (default 86400)
  --max-pending S        cancel the job if it is still queued after S seconds (default 3600)
  --poll S               seconds between Slurm queries (default 2)
  --env NAME=VALUE       environment of the Slurm commands (repeatable), e.g. SLURM_CONF=...
  --ssh USER@HOST[:PORT] reach the login node over SSH (key in $DYNAMO_BENCH_SSH_KEY)
  --ssh-host-key LINE    expected host key ("ssh-ed25519 AAAA..."); unchecked when absent
  --fetch-to DIR         local folder the run folder is copied to (with --ssh; required there)
  --phase NAME[:C]       a phase and its concurrency, for per-user figures (repeatable)
  --gpus N               GPUs of the inference workers, for per-GPU throughput
  --tool T               aiperf | genai-perf
  -h, --help             this help

exit status: 0 results printed, 1 the job failed or results are unreadable, 2 usage error`;

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
    gpus?: number;
    tool?: ToolName;
}

/** The job stays in the stack's state after it failed; this is how to run it again. */
const RERUN_HINT = "To run the benchmark again: change slurm.runTag (a new run folder), or `pulumi up --replace` the stack's <name>-job resource.";

class UsageError extends Error {}

const positive = (key: string, value: string, integer = false): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
        throw new UsageError(`--${key} must be a positive ${integer ? "integer" : "number"}, got "${value}"`);
    return n;
};

export function parseSlurmWaitArgs(args: string[]): SlurmWaitOptions {
    const o: Partial<SlurmWaitOptions> & { env: Record<string, string>; concurrency: Record<string, number> } = { env: {}, concurrency: {} };
    let sshHostKey: string | undefined;
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (!a.startsWith("--")) throw new UsageError(`unexpected argument "${a}"`);
        const eq = a.indexOf("=");
        const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
        const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (value === undefined) throw new UsageError(`--${key} needs a value`);
        switch (key) {
            case "run-dir":
                if (!path.posix.isAbsolute(value)) throw new UsageError(`--run-dir must be an absolute path, got "${value}"`);
                o.runDir = value;
                break;
            case "job-id":
                if (!/^[0-9]+(_[0-9]+)?$/.test(value)) throw new UsageError(`--job-id must be a Slurm job id, got "${value}"`);
                o.jobId = value;
                break;
            case "timeout":
                o.timeoutSeconds = positive(key, value);
                break;
            case "max-pending":
                o.maxPendingSeconds = positive(key, value);
                break;
            case "poll":
                o.pollSeconds = positive(key, value);
                break;
            case "env": {
                const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
                if (!m) throw new UsageError(`--env must be NAME=VALUE, got "${value}"`);
                o.env[m[1]] = m[2];
                break;
            }
            case "ssh": {
                const m = /^([A-Za-z_][A-Za-z0-9_.-]*)@([^:@\s]+)(?::([0-9]+))?$/.exec(value);
                if (!m) throw new UsageError(`--ssh must be USER@HOST[:PORT], got "${value}"`);
                o.ssh = { user: m[1], host: m[2], port: m[3] ? Number(m[3]) : 22 };
                break;
            }
            case "ssh-host-key":
                sshHostKey = value;
                break;
            case "fetch-to":
                o.fetchTo = path.resolve(value);
                break;
            case "phase": {
                const m = /^([^:]+)(?::([0-9.]+))?$/.exec(value);
                if (!m) throw new UsageError(`--phase must be NAME[:CONCURRENCY], got "${value}"`);
                if (m[2]) o.concurrency[m[1]] = positive(key, m[2]);
                break;
            }
            case "gpus":
                o.gpus = positive(key, value, true);
                break;
            case "tool":
                if (value !== "aiperf" && value !== "genai-perf") throw new UsageError(`--tool must be aiperf or genai-perf, got "${value}"`);
                o.tool = value;
                break;
            default:
                throw new UsageError(`unknown option --${key}`);
        }
    }
    if (!o.runDir) throw new UsageError("--run-dir is required");
    if (o.ssh && !o.fetchTo) throw new UsageError("--fetch-to is required with --ssh (the run folder is copied there)");
    if (sshHostKey && o.ssh) o.ssh.hostKey = sshHostKey;
    return {
        runDir: o.runDir,
        jobId: o.jobId,
        timeoutSeconds: o.timeoutSeconds ?? 86_400,
        maxPendingSeconds: o.maxPendingSeconds ?? 3600,
        pollSeconds: o.pollSeconds ?? 2,
        env: o.env,
        ssh: o.ssh,
        fetchTo: o.fetchTo,
        concurrency: o.concurrency,
        gpus: o.gpus,
        tool: o.tool,
    };
}

export interface SlurmWaitIo extends WaitIo {
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
    if (args.includes("-h") || args.includes("--help")) {
        io.stdout(`${SLURM_WAIT_USAGE}\n`);
        return 0;
    }
    let o: SlurmWaitOptions;
    let t: Transport;
    try {
        o = parseSlurmWaitArgs(args);
        t = io.transport ? io.transport(o) : makeTransport(o, io.env);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.stderr(`dynamo-bench slurm-wait: ${e.message}\n\n${SLURM_WAIT_USAGE}\n`);
        return 2;
    }
    try {
        const jobId = o.jobId ?? (await readJobId(t, o.runDir, io));
        io.progress(`waiting up to ${o.timeoutSeconds}s for job ${jobId} on ${t.describe} (run ${o.runDir})`);
        const state = await waitForJob(
            t,
            { jobId, runDir: o.runDir, timeoutSeconds: o.timeoutSeconds, maxPendingSeconds: o.maxPendingSeconds, pollSeconds: o.pollSeconds },
            io,
        );
        const read = (name: string) => t.readFile(path.posix.join(o.runDir, name));
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

// The Slurm target: the run's files written on the login node (locally or over
// SSH), the job submitted (sbatch) and cancelled on destroy (scancel), and a
// local command that waits for the job and turns its exports into results.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";
import { clusterEngine, notRun, RESULTS_COLLECTED, specOutputs, type BenchmarkTimings, type EngineInfo } from "../../lib/outputs";
import { parseResultLine, phaseFigures, type ResultLine, type StackOutputs } from "../../lib/results";
import { CLI_ENTRY, repoDirFrom, slurmFetchRoot } from "../../lib/paths";
import { shJoin, shq } from "../../lib/shell-quote";
import type { SlurmResults } from "../../lib/slurm/results";
import { shellCommand, type CommandRunner, type ShellCommandArgs, type SshConnection } from "../exec";
import type { BenchmarkOutputs, Secrets } from "../target";
import {
    cancelCommand,
    cancelRunCommand,
    renderJob,
    sbatchCommandLine,
    stageCommand,
    submitCommand,
    waitCommandArgs,
    type RenderedFile,
    type RenderedJob,
} from "../../lib/slurm/render";

export { CLI_ENTRY } from "../../lib/paths";
/** Time the wait command gets beyond the job's own bound (fetching and summarizing). */
export const WAIT_SLACK_SECONDS = 300;
/** Bound of writing one file on the login node. */
export const STAGE_TIMEOUT_SECONDS = 120;
/** Bound of submit.sh (waiting up to 60 s for leftover jobs, sbatch up to 120 s) and of scancel. */
export const SUBMIT_TIMEOUT_SECONDS = 300;

/** What only the Slurm target has: its `details` output (no secret appears in it). */
export interface SlurmDetails {
    jobName: string;
    runId: string;
    /** The run folder on the cluster: job files, logs, exports, markers. */
    runDir: string;
    nodes: number;
    /** Node slots and what runs on each (names are known once the job runs). */
    plan: Array<{ slot: number; node?: string; roles: string[] }>;
    submitted: boolean;
    /** How to submit by hand (what the deployment runs when slurm.submit is true). */
    submitCommand: string;
    sbatchCommand: string;
    /** The Slurm job id, once submitted. */
    jobId?: pulumi.Output<string>;
    engine: EngineInfo;
}

export type SlurmBenchmarkOutputs = BenchmarkOutputs<SlurmDetails>;

/** The outputs that come from the run: known once slurm-wait printed its result line. */
interface RunOutputs {
    resultsStatus: string;
    phases: Record<string, StackOutputs>;
    timings: BenchmarkTimings;
}

export interface SlurmBenchmarkArgs {
    spec: BenchmarkSpec;
    /** sshPrivateKey for slurm.login.mode ssh; hfToken, written to the run folder as secrets.env (mode 600). */
    secrets?: Secrets;
    /** Local folder for runs fetched over SSH; default ${DYNAMO_BENCH_CACHE:-~/.cache/dynamo-bench}/slurm. */
    fetchRoot?: string;
    /** How this machine runs commands (components/exec); default @pulumi/command. */
    runner?: CommandRunner;
}

type Run = (name: string, args: Omit<ShellCommandArgs, "connection">, opts: pulumi.CustomResourceOptions) => ReturnType<typeof shellCommand>;

export class SlurmBenchmark extends pulumi.ComponentResource {
    public readonly outputs: SlurmBenchmarkOutputs;
    public readonly job: RenderedJob;

    constructor(name: string, args: SlurmBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:slurm:Benchmark", name, {}, opts);
        const { spec } = args;
        const s = spec.slurm;
        const job = renderJob(spec);
        this.job = job;
        const login = s.login;

        const runner = args.runner ?? "pulumi-command";
        let connection: pulumi.Output<SshConnection> | undefined;
        if (login.mode === "ssh") {
            const key = args.secrets?.sshPrivateKey;
            if (!key)
                throw new Error(
                    "slurm.login.mode is ssh but the secret sshPrivateKey is not set: `pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519`",
                );
            connection = pulumi.secret(
                pulumi.output(key).apply((privateKey) => ({
                    host: login.host,
                    port: login.port,
                    user: login.user,
                    privateKey,
                    ...(login.hostKey ? { hostKey: login.hostKey } : {}),
                })),
            );
        }
        // Login-node commands: on this machine, or over SSH when login.mode is ssh.
        const run: Run = (n, a, o) => shellCommand(runner, n, { ...a, ...(connection ? { connection } : {}) }, o);

        // Files: one command each, content on stdin, written atomically.
        const files: RenderedFile[] = [...job.files];
        // The submit script's resource also cancels this run's jobs on delete: it is in the state
        // before anything is submitted, so destroy finds a job whose submit was interrupted.
        const staged = files.map(
            (f) =>
                run(
                    `${name}-file-${f.name.replace(/[^A-Za-z0-9]+/g, "-")}`,
                    {
                        create: stageCommand(job.runDir, f),
                        stdin: f.content,
                        timeoutSeconds: STAGE_TIMEOUT_SECONDS,
                        ...(f.name === "submit.sh" ? { delete: cancelRunCommand(job) } : {}),
                    },
                    { parent: this },
                ).resource,
        );
        if (args.secrets?.hfToken) {
            const content = pulumi.secret(pulumi.output(args.secrets.hfToken).apply((t) => `HF_TOKEN=${shq(t)}\n`));
            staged.push(
                run(
                    `${name}-file-secrets-env`,
                    { create: stageCommand(job.runDir, { name: "secrets.env", mode: "0600" }), stdin: content, timeoutSeconds: STAGE_TIMEOUT_SECONDS },
                    { parent: this },
                ).resource,
            );
        }

        const submit = submitCommand(job);
        const details = {
            jobName: job.jobName,
            runId: job.runId,
            runDir: job.runDir,
            nodes: job.plan.nodeCount,
            plan: job.plan.slots.map((slot, i) => ({ slot: i, ...(slot.name ? { node: slot.name } : {}), roles: slot.roles })),
            submitCommand: submit,
            sbatchCommand: sbatchCommandLine(job),
            engine: clusterEngine(spec),
        };

        if (!s.submit) {
            const reason = `slurm.submit is false: the job files are in ${job.runDir} for review; submit them with: ${submit}`;
            this.outputs = benchmarkOutputs(
                spec,
                { ...details, submitted: false },
                pulumi.output<RunOutputs>({ resultsStatus: notRun(reason), phases: {}, timings: {} }),
            );
            this.registerOutputs({ ...this.outputs });
            return;
        }

        // The job: submitted once per run folder; destroy (and replacement) cancels it by name,
        // which also finds a job an interrupted deployment submitted but never recorded.
        const jobCmd = run(
            `${name}-job`,
            { create: submit, delete: cancelCommand(job), triggers: [job.runId], timeoutSeconds: SUBMIT_TIMEOUT_SECONDS },
            { parent: this, dependsOn: staged, deleteBeforeReplace: true },
        );
        const jobId = jobCmd.stdout.apply((out) => (out ?? "").trim().split("\n").pop() ?? "");

        const fetchRoot = args.fetchRoot ?? slurmFetchRoot(process.env);
        const fetchTo = login.mode === "ssh" ? path.join(fetchRoot, job.jobName, job.runId) : undefined;
        const wait = shellCommand(
            runner,
            `${name}-results`,
            {
                create: jobId.apply((id) => shJoin(["node", CLI_ENTRY, ...waitCommandArgs(spec, job, id, fetchTo)])),
                // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
                dir: repoDirFrom(process.cwd()),
                ...(login.mode === "ssh" ? { environment: { DYNAMO_BENCH_SSH_KEY: pulumi.secret(args.secrets!.sshPrivateKey!) } } : {}),
                // A new job (new id) is a new run: wait and collect again.
                triggers: [jobId],
                streamStderr: true,
                timeoutSeconds: job.waitTimeoutSeconds + WAIT_SLACK_SECONDS,
            },
            { parent: this, dependsOn: [jobCmd.resource] },
        );

        // A failed job fails slurm-wait and `pulumi up`; a result line here is a collected run.
        const collected = wait.stdout.apply((stdout): RunOutputs => {
            const result = parseResultLine<ResultLine & SlurmResults>(stdout ?? "", "slurm-wait");
            return { resultsStatus: RESULTS_COLLECTED, phases: phaseFigures(result), timings: result.timings };
        });
        this.outputs = benchmarkOutputs(spec, { ...details, submitted: true, jobId }, collected);
        this.registerOutputs({ ...this.outputs });
    }
}

function benchmarkOutputs(spec: BenchmarkSpec, details: SlurmDetails, run: pulumi.Output<RunOutputs>): SlurmBenchmarkOutputs {
    return {
        ...specOutputs(spec),
        phases: run.apply((r) => r.phases),
        timings: run.apply((r) => r.timings),
        resultsStatus: run.apply((r) => r.resultsStatus),
        details,
    };
}

/** The Slurm target's entry in the target contract (components/target.ts). */
export function deploy(spec: BenchmarkSpec, secrets: Secrets, runner: CommandRunner, opts?: pulumi.ComponentResourceOptions): SlurmBenchmarkOutputs {
    return new SlurmBenchmark(spec.name, { spec, secrets, runner }, opts).outputs;
}

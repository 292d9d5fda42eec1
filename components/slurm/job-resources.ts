// What every Slurm job of this program creates, one benchmark's or a whole
// sweep's (slurm.sweepJob): its files staged on the login node (one command
// each, content on stdin, written atomically), the job submitted (cancelled on
// destroy and on replacement), and the local command that waits for it and
// prints its result line.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";
import { CLI_ENTRY, repoDirFrom, slurmFetchRoot } from "../../lib/paths";
import { shJoin } from "../../lib/shell-quote";
import { renderSecretsEnv, SECRETS_ENV_FILE } from "../../lib/slurm/secrets-env";
import { cancelCommand, cancelRunCommand, stageCommand, submitCommand, type RenderedJob } from "../../lib/slurm/render";
import { shellCommand, type CommandRunner, type ShellCommandArgs, type SshConnection } from "../exec";
import type { Secrets } from "../target";

/** Time the wait command gets beyond the job's own bound (fetching and summarizing). */
export const WAIT_SLACK_SECONDS = 300;
/** Bound of writing one file on the login node. */
export const STAGE_TIMEOUT_SECONDS = 120;
/** Bound of submit.sh (waiting up to 60 s for leftover jobs, sbatch up to 120 s) and of scancel. */
export const SUBMIT_TIMEOUT_SECONDS = 300;

export interface JobResourcesArgs {
    /** Whose slurm section (login, submit) the job follows; for a sweep job, any point's (the section cannot be swept). */
    spec: BenchmarkSpec;
    job: Pick<RenderedJob, "jobName" | "runId" | "runDir" | "files" | "loginEnv" | "waitTimeoutSeconds">;
    secrets?: Secrets;
    runner: CommandRunner;
    /** `dynamo-bench slurm-wait` arguments for the submitted job (fetchTo: local copy of the run folder over SSH). */
    waitArgs: (jobId: string, fetchTo?: string) => string[];
    /** Local folder for runs fetched over SSH; default ${DYNAMO_BENCH_CACHE:-~/.cache/dynamo-bench}/slurm. */
    fetchRoot?: string;
}

export interface SubmittedJob {
    jobId: pulumi.Output<string>;
    /** slurm-wait's stdout: its last line is the result line. */
    waitStdout: pulumi.Output<string>;
}

type Run = (name: string, args: Omit<ShellCommandArgs, "connection">, opts: pulumi.CustomResourceOptions) => ReturnType<typeof shellCommand>;

/** Stages, submits and waits; undefined when slurm.submit is false (the files are staged only). */
export function jobResources(parent: pulumi.Resource, name: string, args: JobResourcesArgs): SubmittedJob | undefined {
    const { spec, job } = args;
    const s = spec.slurm;
    const login = s.login;
    const runner = args.runner;
    let connection: pulumi.Output<SshConnection> | undefined;
    if (login.mode === "ssh") {
        const key = args.secrets?.sshPrivateKey;
        if (!key)
            throw new Error("slurm.login.mode is ssh but the secret sshPrivateKey is not set: `pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519`");
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

    // The submit script's resource also cancels this run's jobs on delete: it is in the state
    // before anything is submitted, so destroy finds a job whose submit was interrupted.
    const staged = job.files.map(
        (f) =>
            run(
                `${name}-file-${f.name.replace(/[^A-Za-z0-9]+/g, "-")}`,
                {
                    create: stageCommand(job.runDir, f),
                    stdin: f.content,
                    timeoutSeconds: STAGE_TIMEOUT_SECONDS,
                    ...(f.name === "submit.sh" ? { delete: cancelRunCommand(job) } : {}),
                },
                { parent },
            ).resource,
    );
    // HF_TOKEN and the secretEnv entries: mode 600, content only inside a secret Output (lib/slurm/secrets-env.ts).
    if (args.secrets?.hfToken || args.secrets?.secretEnv) {
        const content = pulumi.secret(
            pulumi
                .all([args.secrets.hfToken, args.secrets.secretEnv])
                .apply(([token, env]) => renderSecretsEnv(token, env as Record<string, string> | undefined) ?? ""),
        );
        staged.push(
            run(
                `${name}-file-secrets-env`,
                { create: stageCommand(job.runDir, { name: SECRETS_ENV_FILE, mode: "0600" }), stdin: content, timeoutSeconds: STAGE_TIMEOUT_SECONDS },
                { parent },
            ).resource,
        );
    }
    if (!s.submit) return undefined;

    // The job: submitted once per run folder; destroy (and replacement) cancels it by name,
    // which also finds a job an interrupted deployment submitted but never recorded.
    const jobCmd = run(
        `${name}-job`,
        { create: submitCommand(job), delete: cancelCommand(job), triggers: [job.runId], timeoutSeconds: SUBMIT_TIMEOUT_SECONDS },
        { parent, dependsOn: staged, deleteBeforeReplace: true },
    );
    const jobId = jobCmd.stdout.apply((out) => (out ?? "").trim().split("\n").pop() ?? "");

    const fetchRoot = args.fetchRoot ?? slurmFetchRoot(process.env);
    const fetchTo = login.mode === "ssh" ? path.join(fetchRoot, job.jobName, job.runId) : undefined;
    const wait = shellCommand(
        runner,
        `${name}-results`,
        {
            create: jobId.apply((id) => shJoin(["node", CLI_ENTRY, ...args.waitArgs(id, fetchTo)])),
            // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
            dir: repoDirFrom(process.cwd()),
            ...(login.mode === "ssh" ? { environment: { DYNAMO_BENCH_SSH_KEY: pulumi.secret(args.secrets!.sshPrivateKey!) } } : {}),
            // A new job (new id) is a new run: wait and collect again.
            triggers: [jobId],
            streamStderr: true,
            timeoutSeconds: job.waitTimeoutSeconds + WAIT_SLACK_SECONDS,
        },
        { parent, dependsOn: [jobCmd.resource] },
    );
    return { jobId, waitStdout: wait.stdout.apply((out) => out ?? "") };
}

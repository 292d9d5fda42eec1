// Renders one benchmark run into the files a Slurm login node needs: the
// generated env file (every value single-quoted) next to copies of the static
// scripts, plus the sbatch argv and the few login-node command lines. Pure.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { assign, assignArray, shJoin, shq } from "./quote";
import { planJob, type JobPlan } from "./plan";
import { timeLimitSeconds } from "./time";
import { componentFor, fatalPatterns, frontendProcess, namespaceFor, phaseProcess, serviceProcesses, workerProcess, type CommandContext, type ProcessSpec } from "./commands";

export const SCRIPT_NAMES = ["batch.sh", "node.sh", "submit.sh"] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];
export type SlurmScripts = Record<ScriptName, string>;

/** Folder of the static scripts in this repository. */
export const SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "scripts", "slurm");

export function loadScripts(dir = SCRIPTS_DIR): SlurmScripts {
    return Object.fromEntries(SCRIPT_NAMES.map((n) => [n, fs.readFileSync(path.join(dir, n), "utf8")])) as SlurmScripts;
}

export interface RenderedFile {
    name: string;
    content: string;
    /** Octal file mode. */
    mode: "0755" | "0644" | "0600";
}

export interface RenderedPhase {
    name: string;
    /** Artifact folder on the cluster. */
    dir: string;
    concurrency: number;
}

export interface RenderedJob {
    jobName: string;
    /** Content hash of the spec and the scripts: a changed config or script is a new run. */
    runId: string;
    runDir: string;
    namespace: string;
    frontendPort: number;
    plan: JobPlan;
    sbatchArgs: string[];
    /** job.env and the static scripts, to be written into runDir. */
    files: RenderedFile[];
    phases: RenderedPhase[];
    timeLimit: string;
    timeLimitSeconds: number;
    /** Upper bound for waiting on the job from submit: queue time plus the time limit plus a margin. */
    waitTimeoutSeconds: number;
    /** Environment prefix of every login-node command (login.env). */
    loginEnv: Record<string, string>;
}

export const MARKERS = { failure: "FAILURE", success: "SUCCESS.json", jobId: "job-id", state: "state" } as const;

const DEFAULT_FRONTEND_PORT = 8000;
/** Time-limit margin on top of the ready and benchmark timeouts, when no time limit is configured. */
const DEFAULT_TIME_MARGIN_MINUTES = 10;

/** dynamo-bench-<stack>[-<name>]: what `scancel --name` finds after an interrupted deployment. */
export function jobNameFor(spec: Pick<BenchmarkSpec, "stack" | "name" | "slurm">): string {
    if (spec.slurm.jobName) return spec.slurm.jobName;
    const stack = spec.stack.replace(/[^A-Za-z0-9_.-]+/g, "-");
    const base = stack.toLowerCase() === spec.name ? `dynamo-bench-${stack}` : `dynamo-bench-${stack}-${spec.name}`;
    return base.slice(0, 100);
}

function defaultTimeLimitMinutes(spec: BenchmarkSpec): number {
    return Math.ceil((spec.timeouts.readySeconds + spec.timeouts.benchmarkSeconds) / 60) + DEFAULT_TIME_MARGIN_MINUTES;
}

/** Escapes sbatch/srun filename patterns (%j, %N, ...) so a path is taken literally. */
export function literalFilename(p: string): string {
    return p.replace(/%/g, "%%");
}

function envItems(env: Record<string, string>): string[] {
    return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function processLines(key: string, p: ProcessSpec, gpus?: [number, number]): string[] {
    const lines = [assignArray(`P_${key}_ARGV`, p.argv), assignArray(`P_${key}_ENV`, envItems(p.env))];
    if (gpus) lines.push(assignArray(`P_${key}_GPUS`, gpus));
    return lines;
}

export interface RenderOptions {
    scripts?: SlurmScripts;
}

export function renderJob(spec: BenchmarkSpec, options: RenderOptions = {}): RenderedJob {
    const s = spec.slurm;
    if (!s.outputDir) throw new Error("slurm.outputDir is required for target slurm");
    const scripts = options.scripts ?? loadScripts();
    const jobName = jobNameFor(spec);
    const runId = createHash("sha256").update(JSON.stringify({ format: 1, spec, scripts })).digest("hex").slice(0, 12);
    const runDir = path.posix.join(s.outputDir, jobName, runId);
    const namespace = namespaceFor(runId);
    const frontendPort = spec.frontend.port ?? DEFAULT_FRONTEND_PORT;
    const ctx: CommandContext = { spec, runDir, namespace, frontendPort };

    const plan = planJob({
        gpusPerNode: spec.gpusPerNode,
        decode: spec.decode,
        prefill: spec.prefill,
        topology: s.topology,
    });

    const timeLimit = s.timeLimit === undefined ? String(defaultTimeLimitMinutes(spec)) : String(s.timeLimit);
    const limitSeconds = timeLimitSeconds(s.timeLimit ?? defaultTimeLimitMinutes(spec));
    const warning = Math.min(s.timeLimitWarningSeconds, Math.max(1, Math.floor(limitSeconds / 2)));

    const sbatchArgs = [
        `--job-name=${jobName}`,
        `--nodes=${plan.nodeCount}`,
        ...(plan.explicitNodes.length > 0 ? [`--nodelist=${plan.explicitNodes.join(",")}`] : []),
        ...(s.partition ? [`--partition=${s.partition}`] : []),
        ...(s.account ? [`--account=${s.account}`] : []),
        ...(s.qos ? [`--qos=${s.qos}`] : []),
        `--time=${timeLimit}`,
        `--signal=B:USR1@${warning}`,
        ...(s.gpuRequest === "gpus-per-node" ? [`--gpus-per-node=${spec.gpusPerNode}`] : s.gpuRequest === "gres" ? [`--gres=gpu:${spec.gpusPerNode}`] : []),
        ...(s.exclusive ? ["--exclusive"] : []),
        "--ntasks-per-node=1",
        `--output=${literalFilename(path.posix.join(runDir, "logs", "job.log"))}`,
        `--chdir=${runDir}`,
        ...s.sbatchArgs,
    ];

    const container = s.container;
    const srunArgs: string[] = [];
    if (container.runtime === "pyxis") {
        const mounts = [`${runDir}:${runDir}`];
        if (path.isAbsolute(spec.model.id)) mounts.push(`${spec.model.id}:${spec.model.id}`);
        mounts.push(...container.mounts);
        srunArgs.push(
            `--container-image=${container.image ?? spec.image}`,
            `--container-name=${jobName}`,
            `--container-mounts=${mounts.join(",")}`,
            container.mountHome ? "--container-mount-home" : "--no-container-mount-home",
            container.writable ? "--container-writable" : "--container-readonly",
            `--container-workdir=${container.workdir ?? runDir}`,
        );
    }
    srunArgs.push(...s.srunArgs);

    const phases: RenderedPhase[] = spec.phases.map((p) => ({ name: p.name, dir: path.posix.join(runDir, "exports", p.name), concurrency: p.concurrency }));
    const expect: Array<[string, number]> = [[componentFor(spec, "decode"), spec.decode.replicas]];
    if (spec.prefill) expect.unshift([componentFor(spec, "prefill"), spec.prefill.replicas]);
    const probe =
        spec.benchmark.endpointType === "chat"
            ? { path: "/v1/chat/completions", body: { model: spec.servedModelName, messages: [{ role: "user", content: "ping" }], max_tokens: 1, stream: false } }
            : { path: "/v1/completions", body: { model: spec.servedModelName, prompt: "ping", max_tokens: 1, stream: false } };

    const lines: string[] = [
        `# dynamo-bench ${jobName}, run ${runId}: parameters of one benchmark job.`,
        "# Generated; sourced by batch.sh and node.sh (bash). Every value is single-quoted.",
        assign("FORMAT", 1),
        assign("JOB_NAME", jobName),
        assign("RUN_ID", runId),
        assign("RUN_DIR", runDir),
        assign("NAMESPACE", namespace),
        assign("SERVED_MODEL", spec.servedModelName),
        assign("SERVED_MODEL_JSON", JSON.stringify(spec.servedModelName)),
        assign("FRONTEND_PORT", frontendPort),
        assign("PROBE_PATH", probe.path),
        assign("PROBE_BODY", JSON.stringify(probe.body)),
        assignArray("EXPECT_COMPONENTS", expect.map(([c]) => c)),
        assignArray("EXPECT_COUNTS", expect.map(([, n]) => n)),
        assign("READY_TIMEOUT", spec.timeouts.readySeconds),
        assign("BENCH_TIMEOUT", spec.timeouts.benchmarkSeconds),
        assign("POLL_SECONDS", s.readiness.pollSeconds),
        assign("HTTP_TIMEOUT", 5),
        assign("HTTP_CLIENT", "auto"),
        assign("STOP_GRACE", s.stopGraceSeconds),
        assign("TAIL_LINES", 40),
        assign("TIME_LIMIT", timeLimit),
        assign("TIME_LIMIT_WARNING", warning),
        assign("GPUS_PER_NODE", spec.gpusPerNode),
        assign("DISCOVERY", s.discovery.backend),
        assign("ETCD_PORT", s.discovery.etcdPort),
        assign("NATS_PORT", s.discovery.natsPort),
        assign("WORKER_READY_PATTERN", s.readiness.workerReadyPattern ?? ""),
        assignArray("FATAL_PATTERNS", fatalPatterns(spec)),
        assign("RUNTIME", container.runtime),
        assign("PREPARE_CONTAINERS", container.runtime === "pyxis" ? 1 : 0),
        assign("VENV", container.runtime === "bare-metal" ? (container.venv ?? "") : ""),
        assignArray("MODULES", container.runtime === "bare-metal" ? container.modules : []),
        assignArray("PATH_PREPEND", container.runtime === "bare-metal" ? container.path : []),
        assignArray("RUNTIME_ENV", container.runtime === "bare-metal" ? envItems(container.env) : []),
        assign("WORKDIR", container.runtime === "pyxis" ? (container.workdir ?? runDir) : runDir),
        assignArray("SBATCH_ARGS", sbatchArgs),
        assignArray("SRUN_ARGS", srunArgs),
        "# node slots: a name the config gives, or '' for the next allocated node",
        assignArray("SLOT_NAMES", plan.slots.map((slot) => slot.name ?? "")),
        assignArray("SLOT_ROLES", plan.slots.map((slot) => slot.roles.join(","))),
        assign("FRONTEND_SLOT", plan.frontendSlot),
        "# worker processes (W<i>): slot, leader slot, GPUs of the node",
        assignArray("INSTANCES", plan.instances.map((i) => i.id)),
        assignArray("INSTANCE_SLOT", plan.instances.map((i) => i.slot)),
        assignArray("INSTANCE_LEADER_SLOT", plan.instances.map((i) => i.leaderSlot)),
        assignArray("PHASE_NAMES", phases.map((p) => p.name)),
        assignArray("PHASE_DIRS", phases.map((p) => p.dir)),
        "# processes: P_<key>_ARGV (argv), P_<key>_ENV (NAME=value), P_<key>_GPUS (first, count)",
        ...processLines("FRONTEND", frontendProcess(ctx)),
    ];
    plan.instances.forEach((instance, i) => {
        const p = workerProcess(ctx, instance, i);
        if (instance.ranks > 1) {
            p.env = { ...p.env, DYNAMO_BENCH_NODE_RANK: String(instance.rank), DYNAMO_BENCH_NNODES: String(instance.ranks), DYNAMO_BENCH_LEADER_HOST: "{leader_host}" };
        }
        lines.push(...processLines(`W${i}`, p, [instance.gpuFirst, instance.gpuCount]));
    });
    spec.phases.forEach((phase, i) => lines.push(...processLines(`PH${i}`, phaseProcess(ctx, phase, phases[i].dir))));
    if (s.discovery.backend === "etcd") {
        const services = serviceProcesses(ctx);
        lines.push(...processLines("ETCD", services.etcd), ...processLines("NATS", services.nats));
    }

    const files: RenderedFile[] = [
        { name: "job.env", content: `${lines.join("\n")}\n`, mode: "0644" },
        { name: "batch.sh", content: scripts["batch.sh"], mode: "0755" },
        { name: "node.sh", content: scripts["node.sh"], mode: "0755" },
        { name: "submit.sh", content: scripts["submit.sh"], mode: "0755" },
    ];
    const maxWait = s.maxPendingSeconds + limitSeconds + 120;
    return {
        jobName,
        runId,
        runDir,
        namespace,
        frontendPort,
        plan,
        sbatchArgs,
        files,
        phases,
        timeLimit,
        timeLimitSeconds: limitSeconds,
        waitTimeoutSeconds: maxWait,
        loginEnv: s.login.env,
    };
}

/** `env K=V ...` in front of a login-node command, when login.env is set. */
function withEnv(env: Record<string, string>, argv: string[]): string {
    const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return shJoin(pairs.length > 0 ? ["env", ...pairs, ...argv] : argv);
}

/** Writes stdin to runDir/name atomically, with the given mode (the file is never readable by others while written). */
export function stageCommand(runDir: string, file: Pick<RenderedFile, "name" | "mode">): string {
    const target = path.posix.join(runDir, file.name);
    const tmp = path.posix.join(runDir, `.${file.name}.tmp`);
    return `mkdir -p -- ${shq(runDir)} && (umask 077 && cat > ${shq(tmp)}) && chmod ${file.mode} ${shq(tmp)} && mv -f -- ${shq(tmp)} ${shq(target)}`;
}

/** Submits the staged run; prints the job id. */
export function submitCommand(job: Pick<RenderedJob, "runDir" | "loginEnv">): string {
    return withEnv(job.loginEnv, ["bash", path.posix.join(job.runDir, "submit.sh"), job.runDir]);
}

/** Cancels every job of this name and user: what `pulumi destroy` runs, also after an interrupted deployment. */
export function cancelCommand(job: Pick<RenderedJob, "jobName" | "loginEnv">): string {
    return `${withEnv(job.loginEnv, ["scancel", `--name=${job.jobName}`])} --user="$(id -un)"`;
}

/**
 * Cancels this run's jobs only (name and working directory), and only when the
 * run folder still exists: the delete of a staged file, so a job submitted by an
 * interrupted deployment (never recorded in the state) is cancelled on destroy.
 */
export function cancelRunCommand(job: Pick<RenderedJob, "runDir" | "loginEnv">): string {
    const script = path.posix.join(job.runDir, "submit.sh");
    return `test ! -f ${shq(script)} || ${withEnv(job.loginEnv, ["bash", script, "--cancel", job.runDir])}`;
}

/** The sbatch command line the submit script runs, for review. */
export function sbatchCommandLine(job: Pick<RenderedJob, "runDir" | "sbatchArgs">): string {
    return shJoin(["sbatch", "--parsable", ...job.sbatchArgs, path.posix.join(job.runDir, "batch.sh"), path.posix.join(job.runDir, "job.env")]);
}

/** Arguments of `dynamo-bench slurm-wait` for a submitted run (fetchTo: local copy, for a login node reached over SSH). */
export function waitCommandArgs(spec: BenchmarkSpec, job: RenderedJob, jobId: string, fetchTo?: string): string[] {
    const s = spec.slurm;
    const login = s.login;
    if (login.mode === "ssh" && !fetchTo) throw new Error("waitCommandArgs: a login node reached over SSH needs a local fetchTo folder");
    return [
        "slurm-wait",
        "--run-dir", job.runDir,
        "--job-id", jobId,
        "--timeout", String(job.waitTimeoutSeconds),
        "--max-pending", String(s.maxPendingSeconds),
        "--poll", String(s.pollSeconds),
        ...Object.entries(job.loginEnv).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
        ...(login.mode === "ssh"
            ? ["--ssh", `${login.user}@${login.host}:${login.port}`, ...(login.hostKey ? ["--ssh-host-key", login.hostKey] : []), "--fetch-to", fetchTo!]
            : []),
        ...job.phases.flatMap((p) => ["--phase", `${p.name}:${p.concurrency}`]),
        "--gpus", String(spec.totalWorkerGpus),
        "--tool", spec.benchmark.tool,
    ];
}

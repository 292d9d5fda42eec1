// job.env: every parameter of one benchmark job as bash assignments, sourced by
// batch.sh and node.sh on the cluster. Data only; every value single-quoted.
import type { BenchmarkSpec } from "../../config/resolve";
import { oneTokenProbe } from "../benchmark/probe";
import { setupArgv } from "../dynamo/setup";
import { assign, assignArray } from "../shell-quote";
import {
    betweenPhasesProcesses,
    componentFor,
    fatalPatterns,
    frontendProcess,
    lmcacheControllerProcess,
    phaseProcess,
    serviceProcesses,
    workerProcess,
    type CommandContext,
    type ProcessSpec,
} from "./commands";
import { dcgmExporters, dcgmMetricsUrls, gpuSamplers } from "./gpu-telemetry";
import type { JobTimeLimit } from "./job-args";
import type { JobPlan } from "./plan";
import { progressMetricsOf } from "../dynamo/progress-metrics";
import { scrapeIntervalSeconds } from "../watchdog/stall";

/** What job.env is made from, besides the spec. */
export interface JobEnvInput {
    jobName: string;
    runId: string;
    runDir: string;
    /** Folder of the job's shared files (node.sh, batch.sh, secrets.env): the run folder, or the sweep job's folder for a point of one. */
    jobDir: string;
    namespace: string;
    frontendPort: number;
    plan: JobPlan;
    limit: JobTimeLimit;
    sbatchArgs: string[];
    srunArgs: string[];
    phases: Array<{ name: string; dir: string }>;
}

function envItems(env: Record<string, string>): string[] {
    return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** `dynamo`: a Dynamo process (frontend, worker), which node.sh gives the secretEnv items of secrets.env (lib/slurm/secrets-env.ts). */
function processLines(key: string, p: ProcessSpec, gpus?: [number, number], dynamo = false): string[] {
    const lines = [assignArray(`P_${key}_ARGV`, p.argv), assignArray(`P_${key}_ENV`, envItems(p.env))];
    if (gpus) lines.push(assignArray(`P_${key}_GPUS`, gpus));
    if (dynamo) lines.push(assign(`P_${key}_SECRET_ENV`, 1));
    return lines;
}

/**
 * The benchmark client: AIPerf leaves its IPC and mmap folders (aiperf_mmap_*) in
 * the temp folder, so node.sh gives it a private one and removes it when it ends.
 */
function clientLines(key: string, p: ProcessSpec): string[] {
    return [...processLines(key, p), assign(`P_${key}_PRIVATE_TMP`, 1)];
}

export function renderJobEnv(spec: BenchmarkSpec, job: JobEnvInput): string {
    const lines = [...headerLines(spec, job), ...runtimeLines(spec, job), ...layoutLines(job), ...processSection(spec, job)];
    return `${lines.join("\n")}\n`;
}

/** Identity, readiness and timeouts. */
function headerLines(spec: BenchmarkSpec, job: JobEnvInput): string[] {
    const s = spec.slurm;
    const probe = oneTokenProbe(spec.benchmark.endpointType, spec.servedModelName);
    const metrics = progressMetricsOf(spec);
    const controller = spec.kvCache.lmcache?.controller;
    const expect: Array<[string, number]> = [[componentFor(spec, "decode"), spec.decode.replicas]];
    if (spec.prefill) expect.unshift([componentFor(spec, "prefill"), spec.prefill.replicas]);
    return [
        `# dynamo-bench ${job.jobName}, run ${job.runId}: parameters of one benchmark job.`,
        "# Generated; sourced by batch.sh and node.sh (bash). Every value is single-quoted.",
        assign("FORMAT", 1),
        assign("JOB_NAME", job.jobName),
        assign("RUN_ID", job.runId),
        assign("RUN_DIR", job.runDir),
        assign("JOB_DIR", job.jobDir),
        assign("BATCH_SCRIPT", "batch.sh"),
        assign("NAMESPACE", job.namespace),
        assign("SERVED_MODEL", spec.servedModelName),
        assign("SERVED_MODEL_JSON", JSON.stringify(spec.servedModelName)),
        assign("FRONTEND_PORT", job.frontendPort),
        assign("PROBE_PATH", probe.path),
        assign("PROBE_BODY", JSON.stringify(probe.body)),
        assignArray(
            "EXPECT_COMPONENTS",
            expect.map(([c]) => c),
        ),
        assignArray(
            "EXPECT_COUNTS",
            expect.map(([, n]) => n),
        ),
        assign("READY_TIMEOUT", spec.timeouts.readySeconds),
        assign("BENCH_TIMEOUT", spec.timeouts.benchmarkSeconds),
        // The stall watchdog (scripts/stall-watch.sh): its bound, scrape interval and the frontend's counters.
        assign("STALL_SECONDS", spec.timeouts.stallSeconds),
        assign("STALL_POLL_SECONDS", scrapeIntervalSeconds(spec.timeouts.stallSeconds)),
        assign("STALL_METRICS_PATH", metrics.path),
        assign("STALL_COMPLETED_METRIC", metrics.completed),
        assign("STALL_STARTED_METRIC", metrics.started),
        assign("POLL_SECONDS", s.readiness.pollSeconds),
        assign("HTTP_TIMEOUT", 5),
        assign("HTTP_CLIENT", "auto"),
        assign("STOP_GRACE", s.stopGraceSeconds),
        assign("TAIL_LINES", 40),
        assign("TIME_LIMIT", job.limit.timeLimit),
        assign("TIME_LIMIT_WARNING", job.limit.warningSeconds),
        assign("GPUS_PER_NODE", spec.gpusPerNode),
        assign("DISCOVERY", s.discovery.backend),
        assign("ETCD_PORT", s.discovery.etcdPort),
        assign("NATS_PORT", s.discovery.natsPort),
        assign("WORKER_READY_PATTERN", s.readiness.workerReadyPattern ?? ""),
        assignArray("FATAL_PATTERNS", fatalPatterns(spec)),
        // Start-up commands on every node before any process (P_SETUP); 0: none.
        assign("SETUP", setupArgv(spec.setup) ? 1 : 0),
        assign("SETUP_TIMEOUT", spec.setup.timeoutSeconds),
        "# benchmark.betweenPhases: after each phase but the last, the command (P_BW<i>) and the one-token probe, bounded",
        assign("BETWEEN_COMMAND", spec.benchmark.betweenPhases.command ? 1 : 0),
        assign("BETWEEN_HEALTH_CHECK", spec.benchmark.betweenPhases.healthCheck ? 1 : 0),
        assign("BETWEEN_TIMEOUT", spec.benchmark.betweenPhases.timeoutSeconds),
        "# slurm.gpuUtilization: a sampler per node slot (P_GPU<slot>, run every P_GPU<slot>_REPEAT[0] seconds into [1])",
        assign("GPU_SAMPLING", spec.slurm.gpuUtilization.enabled ? 1 : 0),
        "# slurm.dcgmExporter: an exporter per node slot (P_DCGM<slot>) before the workers; its /metrics must answer in time",
        assign("DCGM_EXPORTER", spec.slurm.dcgmExporter.enabled ? 1 : 0),
        assign("DCGM_PORT", spec.slurm.dcgmExporter.port),
        assign("DCGM_TIMEOUT", spec.slurm.dcgmExporter.startupTimeoutSeconds),
        "# kvCache.lmcache.controller: LMCache's controller (P_LMCTL) on the frontend's node before the workers; its HTTP port must accept connections in time",
        assign("LMCACHE_CONTROLLER", controller ? 1 : 0),
        assign("LMCACHE_CONTROLLER_PORT", controller?.port ?? 0),
        assign("LMCACHE_CONTROLLER_TIMEOUT", controller?.startupTimeoutSeconds ?? 0),
    ];
}

/** How processes run on the nodes: container or bare metal, sbatch and srun options. */
function runtimeLines(spec: BenchmarkSpec, job: JobEnvInput): string[] {
    const container = spec.slurm.container;
    const bare = container.runtime === "bare-metal" ? container : undefined;
    return [
        assign("RUNTIME", container.runtime),
        assign("PREPARE_CONTAINERS", container.runtime === "pyxis" ? 1 : 0),
        assign("VENV", bare ? (bare.venv ?? "") : ""),
        assignArray("MODULES", bare ? bare.modules : []),
        assignArray("PATH_PREPEND", bare ? bare.path : []),
        assignArray("RUNTIME_ENV", bare ? envItems(bare.env) : []),
        assign("WORKDIR", container.runtime === "pyxis" ? (container.workdir ?? job.runDir) : job.runDir),
        assignArray("SBATCH_ARGS", job.sbatchArgs),
        assignArray("SRUN_ARGS", job.srunArgs),
    ];
}

/** Node slots, worker instances and benchmark phases. */
function layoutLines(job: JobEnvInput): string[] {
    const { plan } = job;
    return [
        "# node slots: a name the config gives, or '' for the next allocated node",
        assignArray(
            "SLOT_NAMES",
            plan.slots.map((slot) => slot.name ?? ""),
        ),
        assignArray(
            "SLOT_ROLES",
            plan.slots.map((slot) => slot.roles.join(",")),
        ),
        assign("FRONTEND_SLOT", plan.frontendSlot),
        "# worker processes (W<i>): slot, leader slot, GPUs of the node",
        assignArray(
            "INSTANCES",
            plan.instances.map((i) => i.id),
        ),
        assignArray(
            "INSTANCE_SLOT",
            plan.instances.map((i) => i.slot),
        ),
        assignArray(
            "INSTANCE_LEADER_SLOT",
            plan.instances.map((i) => i.leaderSlot),
        ),
        assignArray(
            "PHASE_NAMES",
            job.phases.map((p) => p.name),
        ),
        assignArray(
            "PHASE_DIRS",
            job.phases.map((p) => p.dir),
        ),
    ];
}

/** Every process's argv and environment (lib/slurm/commands), by key. */
function processSection(spec: BenchmarkSpec, job: JobEnvInput): string[] {
    const ctx: CommandContext = { spec, runDir: job.runDir, namespace: job.namespace, frontendPort: job.frontendPort };
    const lines = [
        "# processes: P_<key>_ARGV (argv), P_<key>_ENV (NAME=value), P_<key>_GPUS (first, count), P_<key>_SECRET_ENV (1: gets secretEnv), P_<key>_PRIVATE_TMP (1: a temp folder of its own)",
        ...processLines("FRONTEND", frontendProcess(ctx), undefined, true),
    ];
    job.plan.instances.forEach((instance, i) => {
        const p = workerProcess(ctx, instance, i);
        if (instance.ranks > 1) {
            p.env = {
                ...p.env,
                DYNAMO_BENCH_NODE_RANK: String(instance.rank),
                DYNAMO_BENCH_NNODES: String(instance.ranks),
                DYNAMO_BENCH_LEADER_HOST: "{leader_host}",
            };
        }
        lines.push(...processLines(`W${i}`, p, [instance.gpuFirst, instance.gpuCount], true));
    });
    spec.phases.forEach((phase, i) =>
        lines.push(...clientLines(`PH${i}`, phaseProcess(ctx, phase, job.phases[i]!.dir, job.plan.instances, dcgmMetricsUrls(spec, job.plan.slots.length)))),
    );
    const setup = setupArgv(spec.setup);
    if (setup) lines.push(...processLines("SETUP", { argv: setup, env: { TERM: "dumb", ...spec.env } }));
    betweenPhasesProcesses(ctx).forEach((p, i) => lines.push(...processLines(`BW${i}`, p)));
    const controller = lmcacheControllerProcess(spec);
    if (controller) lines.push(...processLines("LMCTL", controller));
    dcgmExporters(spec, job.plan.slots.length).forEach((p, slot) => lines.push(...processLines(`DCGM${slot}`, p)));
    gpuSamplers(spec, job.runDir, job.plan.slots.length).forEach((p, slot) =>
        lines.push(...processLines(`GPU${slot}`, p), assignArray(`P_GPU${slot}_REPEAT`, [p.everySeconds, p.file])),
    );
    if (spec.slurm.discovery.backend === "etcd") {
        const services = serviceProcesses(ctx);
        lines.push(...processLines("ETCD", services.etcd), ...processLines("NATS", services.nats));
    }
    return lines;
}

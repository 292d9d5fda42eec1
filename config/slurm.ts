// The `slurm` section of the stack config: how a benchmark becomes a Slurm job.
// Everything here travels to the cluster as data (argv lists, a quoted env
// file); nothing is pasted into shell programs.
import { z } from "zod";

const positiveInt = z.number().int().min(1);
const port = z.number().int().min(1024).max(65535);
const argv = z.array(z.string()).default([]);
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"), z.string()).default({});
const absolutePath = z
    .string()
    .regex(/^\/[^\0\n]*$/, "expected an absolute path without newlines")
    .refine((p) => !p.split("/").includes(".."), "expected a path without '..' segments");
/** Partition, account and QOS names: Slurm identifiers (a partition list may use commas). */
const slurmName = z.string().regex(/^[A-Za-z0-9_.,+@%-]+$/, "expected a Slurm name (letters, digits and _ . , + @ % -)");
/** A node name or a Slurm hostlist expression such as gpu[01-04,07]. */
export const hostlistPattern = /^[A-Za-z0-9_.-]*(\[[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*\][A-Za-z0-9_.-]*)*$/;
const hostlist = z.string().min(1).regex(hostlistPattern, "expected a node name or hostlist expression such as gpu[01-04]");
const hostname = z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected one node name");
/** Slurm time formats: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS", or a number of minutes. */
export const timeLimitPattern = /^([0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?)$/;
/** A pyxis mount "source:target[:flags]"; pyxis splits on ',' and ':' so neither may appear in a path. */
const pyxisMount = z
    .string()
    .regex(/^\/[^,:\s]*(:\/[^,:\s]*(:[a-z+]+)?)?$/, "expected an absolute source[:target[:flags]] without commas, colons or spaces in the paths");

export const pyxisSchema = z.strictObject({
    runtime: z.literal("pyxis"),
    /** Container image (`srun --container-image`); defaults to the spec's runtime image. */
    image: z
        .string()
        .min(1)
        .regex(/^[^\s,]+$/, "expected an image reference without spaces or commas")
        .optional(),
    /** Extra mounts; the run directory and a local model folder are mounted at their own paths automatically. */
    mounts: z.array(pyxisMount).default([]),
    /** Mount the user's home directory (pyxis mounts it unless told not to). */
    mountHome: z.boolean().default(false),
    /** `--container-writable`; false gives `--container-readonly`. */
    writable: z.boolean().default(true),
    /** Working directory inside the container; the run directory when unset. */
    workdir: absolutePath.optional(),
});

export const bareMetalSchema = z.strictObject({
    runtime: z.literal("bare-metal"),
    /** Python virtual environment whose bin/ goes first on PATH (ai-dynamo and aiperf installed there). */
    venv: absolutePath.optional(),
    /** Environment modules loaded before every process (`module load <name>`, one per entry, in order). */
    modules: z.array(z.string().regex(/^[A-Za-z0-9_.+/-]+$/, "expected a module name such as cuda/12.4")).default([]),
    /** Directories put first on PATH, after the venv. */
    path: z.array(absolutePath).default([]),
    /** Environment for every process of the job (on top of the spec's top-level env). */
    env: envMap,
});

export const containerSchema = z.discriminatedUnion("runtime", [pyxisSchema, bareMetalSchema]);

export const topologySchema = z.strictObject({
    /** Prefill workers on one node, each with its own slice of the node's GPUs. */
    prefillWorkersPerNode: positiveInt.default(1),
    /** Decode workers on one node, each with its own slice of the node's GPUs. */
    decodeWorkersPerNode: positiveInt.default(1),
    /** Prefill and decode workers share nodes; each node's GPUs are split, decode workers first. */
    sharedNodes: z.boolean().default(false),
    /** The frontend, etcd/NATS and the benchmark client get a node of their own instead of the first decode node. */
    dedicatedFrontendNode: z.boolean().default(false),
    /** Exact prefill nodes (names or hostlist expressions), as many as the prefill workers need. */
    prefillNodes: z.array(hostlist).optional(),
    /** Exact decode nodes, as many as the decode workers need. */
    decodeNodes: z.array(hostlist).optional(),
    /** The frontend's node: the dedicated node, or one of the decode nodes. */
    frontendNode: hostname.optional(),
    /**
     * The job's nodes (names or hostlist expressions, CloudAI's test-run `nodes`): exactly as many as the
     * plan needs. Nodes named by prefillNodes, decodeNodes or frontendNode must be among them; the other
     * node slots take the rest in order (dedicated frontend, decode, prefill).
     */
    nodes: z.array(hostlist).min(1).optional(),
});

export const sshLoginSchema = z.strictObject({
    mode: z.literal("ssh"),
    host: z
        .string()
        .min(1)
        .regex(/^[A-Za-z0-9_.:%-]+$/, "expected a host name or address"),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "expected a user name"),
    /** The login node's host key ("ssh-ed25519 AAAA..."); checked when set, not checked when unset. */
    hostKey: z
        .string()
        .regex(/^(ssh|ecdsa)-[A-Za-z0-9-]+ [A-Za-z0-9+/=]+$/, "expected a public key line such as 'ssh-ed25519 AAAA...'")
        .optional(),
    /** Environment of every command on the login node (e.g. SLURM_CONF). */
    env: envMap,
});

export const localLoginSchema = z.strictObject({
    mode: z.literal("local"),
    /** Environment of every Slurm command (e.g. SLURM_CONF). */
    env: envMap,
});

export const loginSchema = z.discriminatedUnion("mode", [localLoginSchema, sshLoginSchema]);

export const discoverySchema = z.strictObject({
    /** file: a directory in the run directory (no services); etcd: etcd and NATS started on the frontend node. */
    backend: z.enum(["file", "etcd"]).default("file"),
    etcdCommand: z.array(z.string()).min(1).default(["etcd"]),
    natsCommand: z.array(z.string()).min(1).default(["nats-server", "-js"]),
    etcdPort: port.default(2379),
    natsPort: port.default(4222),
});

export const readinessSchema = z.strictObject({
    /** Extended regex that must appear in a worker's log before it counts as ready (on top of the frontend's view). */
    workerReadyPattern: z.string().min(1).optional(),
    /**
     * Discovery components the frontend must list (GET /health) for prefill and decode workers;
     * by default the ones the launch model's workers register under (per release and backend).
     * Set them for custom `commands` that register elsewhere.
     */
    prefillComponent: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, "expected a component name")
        .optional(),
    decodeComponent: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, "expected a component name")
        .optional(),
    /** Seconds between readiness and health probes inside the job. */
    pollSeconds: z.number().min(0.1).max(30).default(0.5),
});

export const slurmSectionSchema = z.strictObject({
    partition: slurmName.optional(),
    account: slurmName.optional(),
    qos: slurmName.optional(),
    /** Job time limit in a Slurm time format or minutes; defaults to the ready and benchmark timeouts plus 10 minutes. */
    timeLimit: z.union([positiveInt, z.string().regex(timeLimitPattern, "expected a Slurm time such as 90, 01:30:00 or 1-00:00:00")]).optional(),
    /** Seconds before the time limit at which the job stops itself and reports the time limit (sbatch --signal=B:USR1@N). */
    timeLimitWarningSeconds: positiveInt.max(3600).default(60),
    /** How GPUs are requested: --gpus-per-node=N, --gres=gpu:N, or not at all (clusters without GPU GRES). */
    gpuRequest: z.enum(["gpus-per-node", "gres", "none"]).default("gpus-per-node"),
    /** Whole nodes for the job (sbatch --exclusive): the processes the job starts are all that run there. */
    exclusive: z.boolean().default(true),
    container: containerSchema.prefault({ runtime: "bare-metal" }),
    /** Extra sbatch arguments, one argv element each ("--exclusive", "--constraint=h100"). */
    sbatchArgs: argv,
    /** Extra arguments of every srun step. */
    srunArgs: argv,
    /** Shared directory visible on the login node and every compute node; each run gets a folder below it. */
    outputDir: absolutePath.optional(),
    topology: topologySchema.prefault({}),
    login: loginSchema.prefault({ mode: "local" }),
    /** false: write the job files only, for review; nothing is submitted. */
    submit: z.boolean().default(true),
    /**
     * In a sweep: one job for every point, reusing its allocation between points (scripts/slurm/sweep.sh),
     * instead of one job per point; any changed point re-runs the whole job (docs/slurm.md, "Sweeps").
     */
    sweepJob: z.boolean().default(false),
    /** backend: the real engines (python -m dynamo.<backend>); mocker: Dynamo's GPU-free engine. */
    engine: z.enum(["backend", "mocker"]).default("backend"),
    /** Mocker timing: 1 simulates real timing, larger is faster, 0 removes simulated delay. */
    mockerSpeedupRatio: z.number().min(0).default(1),
    /** Program argv that replaces the default of a role (e.g. ["python3", "-m", "dynamo.vllm"]); role arguments follow it. */
    commands: z
        .strictObject({
            prefill: z.array(z.string()).min(1).optional(),
            decode: z.array(z.string()).min(1).optional(),
            frontend: z.array(z.string()).min(1).optional(),
            benchmark: z.array(z.string()).min(1).optional(),
        })
        .prefault({}),
    /** Python interpreter of the default commands. */
    python: z.string().min(1).default("python3"),
    discovery: discoverySchema.prefault({}),
    /** Worker process i of the job uses ports base + 32*i .. base + 32*i + 31 (bootstrap, system server, KV events, NIXL). */
    workerPortBase: port.default(20000),
    /** Start each worker's system server (DYN_SYSTEM_PORT: /metrics, /health); off, the model card travels through discovery. */
    workerSystemServer: z.boolean().default(false),
    readiness: readinessSchema.prefault({}),
    /**
     * NVIDIA's DCGM exporter on every node of the job, started before the workers (as CloudAI's
     * dcgm_exporter): the job waits for each node's /metrics, and with server metrics AIPerf scrapes them.
     */
    dcgmExporter: z
        .strictObject({
            enabled: z.boolean().default(false),
            /** Port of /metrics on every node (DCGM_EXPORTER_LISTEN=:<port>). */
            port: port.default(9401),
            /** The exporter program (argv), found on the nodes (bare metal) or in the job's container image. */
            command: z.array(z.string().min(1)).min(1).default(["dcgm-exporter"]),
            /** Bound on every node's /metrics answering after the start. */
            startupTimeoutSeconds: positiveInt.max(3600).default(60),
        })
        .prefault({}),
    /**
     * GPU utilisation samples on every node of the job, from readiness to the end (as CloudAI's
     * nvidia-smi loop): one CSV per node in the run folder (gpu/), summarized per phase in the outputs.
     */
    gpuUtilization: z
        .strictObject({
            enabled: z.boolean().default(false),
            /** Seconds between two samples. */
            intervalSeconds: positiveInt.max(3600).default(5),
            /** The nvidia-smi program (argv); the query flags follow it. */
            command: z.array(z.string().min(1)).min(1).default(["nvidia-smi"]),
        })
        .prefault({}),
    /** Extended regexes that mark a worker as failed when they appear in its log; replaces the backend's defaults. */
    fatalErrorPatterns: z.array(z.string().min(1)).optional(),
    /** Patterns added to the defaults (or to fatalErrorPatterns). */
    extraFatalErrorPatterns: z.array(z.string().min(1)).default([]),
    /** Seconds a job may wait in the queue before it is cancelled and the deployment fails. */
    maxPendingSeconds: positiveInt.default(3600),
    /** Seconds between Slurm state queries while waiting for the job. */
    pollSeconds: z.number().min(0.2).max(60).default(2),
    /** Seconds processes get between SIGTERM and SIGKILL when the job stops them. */
    stopGraceSeconds: positiveInt.max(300).default(10),
    /** Slurm job name; defaults to dynamo-bench-<stack>[-<name>]. `pulumi destroy` cancels jobs of this name. */
    /** Any change starts a new run (a new job and run folder) even when nothing else changed. */
    runTag: z.string().max(200).default(""),
    jobName: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/, "expected letters, digits, '_', '.' and '-'")
        .optional(),
});

/** The section as it sits in BenchmarkSpec: every field optional or defaulted. */
export const slurmSchema = slurmSectionSchema.prefault({});

export type SlurmSpec = z.output<typeof slurmSectionSchema>;
export type SlurmTopologySpec = z.output<typeof topologySchema>;
export type SlurmContainerSpec = z.output<typeof containerSchema>;
export type SlurmLoginSpec = z.output<typeof loginSchema>;

// Field table, part 2: CloudAI's AIDynamo test (its cmd_args). The workers' topology is decided once all fields are read
// (topology.ts); their rows here only report.
import { DEFAULT_DYNAMO_VERSION, SUPPORTED_DYNAMO_VERSIONS, findRelease } from "../../dynamo/releases";
import { applyAccuracyCli } from "./accuracy";
import { applyBenchmarkArg } from "./benchmark-args";
import { applyPhases, CLIENT_SETUP } from "./phases";
import type { FieldRow, MapContext } from "./table";
import { splitWords } from "./words";
import { applyWorkerArg, applyWorkerCmd, applyWorkerExtraArgs, roleOf } from "./worker-args";

const workloads = (ctx: Pick<MapContext, "doc">): string[] =>
    String((ctx.doc.cmd_args as Record<string, unknown>)?.workloads ?? "genai_perf.sh")
        .split(",")
        .map((w) => w.trim());

const unlessRuns = (script: string) => (ctx: Pick<MapContext, "doc">) =>
    workloads(ctx).includes(script) ? undefined : `CloudAI runs only the workloads listed in cmd_args.workloads (${workloads(ctx).join(", ")})`;

function applyImage(value: unknown, ctx: MapContext): false {
    const tag = /:([0-9]+\.[0-9]+\.[0-9]+)$/.exec(String(value))?.[1];
    if (ctx.target === "local") {
        ctx.note("used", `the local target runs the project venv's ai-dynamo (${DEFAULT_DYNAMO_VERSION}), not an image`);
    } else if (tag && findRelease(tag)) {
        ctx.draft.set("platform.version", tag);
        ctx.draft.set("image", value);
        if (ctx.target === "slurm") ctx.draft.set("slurm.container.image", value);
        ctx.note("mapped", `the runtime image; its tag picks the Dynamo release ${tag} for every flag`, "image, platform.version");
    } else {
        ctx.note(
            "adjusted",
            `names Dynamo ${tag ?? "(no version tag)"}, which dynamo-bench does not generate flags for (${SUPPORTED_DYNAMO_VERSIONS.join(", ")}): the stack runs the ${DEFAULT_DYNAMO_VERSION} runtime image instead; set image and platform.version to choose`,
            "platform.version",
        );
    }
    return false;
}

function applyWorkloads(value: unknown, ctx: MapContext): false {
    const w = workloads(ctx);
    const aiperf = w.includes("aiperf.sh");
    ctx.draft.set("benchmark.tool", aiperf ? "aiperf" : "genai-perf");
    if (aiperf && w.includes("genai_perf.sh"))
        ctx.note("adjusted", "CloudAI runs genai-perf and AIPerf one after the other; a stack runs one client: AIPerf", "benchmark.tool");
    else ctx.note("mapped", `${String(value)} -> ${aiperf ? "aiperf" : "genai-perf"}`, "benchmark.tool");
    return false;
}

/** Frontend switches of CloudAI's configurations that a dynamo-bench frontend does not get, and why (judged by the real parser). */
const NOT_CARRIED_FRONTEND_FLAGS: Record<string, string> = {
    "--router-reset-states":
        "CloudAI's guard against router state an earlier job left in its etcd (under /tmp); every dynamo-bench run has a Dynamo namespace of its own, and the 1.6.1 frontend refuses the flag",
};

/** `python -m dynamo.frontend --router-mode kv ...`: the router mode is a setting, the other flags are the frontend's extraArgs. */
function applyIngress(value: unknown, ctx: MapContext): false {
    const words = splitWords(String(value));
    if (!(/^python(3(\.[0-9]+)?)?$/.test(words[0] ?? "") && words[1] === "-m" && words[2] === "dynamo.frontend")) {
        ctx.note("not mapped", "expected python -m dynamo.frontend (the launch model's frontend)");
        return false;
    }
    const flags = words.slice(3);
    const at = flags.indexOf("--router-mode");
    if (at >= 0) {
        ctx.draft.set("frontend.routerMode", flags[at + 1]);
        flags.splice(at, 2);
    }
    const port = flags.indexOf("--http-port");
    if (port >= 0) flags.splice(port, 2);
    for (const [flag, why] of Object.entries(NOT_CARRIED_FRONTEND_FLAGS)) {
        if (!flags.includes(flag)) continue;
        flags.splice(flags.indexOf(flag), 1);
        ctx.note("not mapped", `${flag}: ${why}`);
    }
    ctx.draft.args.frontend.push(...flags);
    ctx.note(
        "mapped",
        `--router-mode is frontend.routerMode${flags.length ? `; ${flags.join(" ")} joins frontend.extraArgs` : ""}`,
        "frontend.routerMode, frontend.extraArgs",
    );
    return false;
}

/** CloudAI runs its node set-up on Slurm only (ai_dynamo.sh; its Kubernetes path ignores both). */
const slurmOnly = (ctx: { target: string }) =>
    ctx.target === "kubernetes" ? "CloudAI runs it on Slurm only; its Kubernetes deployment ignores it" : undefined;

/** node_setup_cmd, startup_cmd: start-up commands, in CloudAI's order; a local rehearsal runs none (they set up cluster nodes). */
function applySetupCommand(value: unknown, ctx: MapContext): false {
    if (ctx.target === "local") {
        ctx.note("not mapped", "a cluster node's start-up command; a local rehearsal runs none (add it to setup.commands if this machine needs it)");
        return false;
    }
    const commands = (ctx.draft.get("setup.commands") as string[] | undefined) ?? [];
    const command = String(value).trim();
    // CloudAI's startup_cmd runs before the job's main step, node_setup_cmd inside it.
    const next = ctx.field.endsWith("startup_cmd") ? [command, ...commands] : [...commands, command];
    ctx.draft.set("setup.commands", next);
    ctx.note("mapped", "a start-up command on every node before the Dynamo processes, bounded by setup.timeoutSeconds", "setup.commands");
    return false;
}

/** CloudAI's dcgm_exporter is a Slurm step; elsewhere the cluster's own exporter is the place for GPU metrics. */
function applyDcgm(key: "enabled" | "port") {
    return (value: unknown, ctx: MapContext): false | undefined => {
        if (ctx.target !== "slurm") {
            ctx.note("not mapped", "a Slurm step in CloudAI; on Kubernetes and locally dynamo-bench starts no DCGM exporter");
            return false;
        }
        ctx.draft.set(`slurm.dcgmExporter.${key}`, key === "enabled" ? value === true || String(value).toLowerCase() === "true" : value);
        return undefined;
    };
}

function applyDiscovery(key: "etcdCommand" | "natsCommand" | "etcdPort" | "natsPort") {
    return (value: unknown, ctx: MapContext): false => {
        if (ctx.target !== "slurm") {
            ctx.note(
                "not mapped",
                ctx.target === "local" ? "the local target needs no etcd or NATS (file discovery)" : "the Dynamo operator runs them on Kubernetes",
            );
            return false;
        }
        ctx.draft.set("slurm.discovery.backend", "etcd");
        ctx.draft.set(`slurm.discovery.${key}`, key.endsWith("Port") ? value : splitWords(String(value)));
        ctx.note("mapped", "etcd and NATS on the frontend node, as CloudAI starts them", `slurm.discovery.${key}`);
        return false;
    };
}

function workerRows(worker: "prefill_worker" | "decode_worker"): FieldRow[] {
    const role = roleOf(worker);
    const at = `cmd_args.dynamo.${worker}`;
    return [
        {
            scope: "AIDynamo",
            field: `${at}.num_nodes`,
            outcome: "used",
            to: `${role}.replicas`,
            note: "with multiple_workers_per_node, the role's worker count (see the topology lines)",
        },
        {
            scope: "AIDynamo",
            field: `${at}.multiple_workers_per_node`,
            outcome: "used",
            to: `${role}.replicas`,
            note: "workers per node (see the topology lines)",
        },
        {
            scope: "AIDynamo",
            field: `${at}.nodes`,
            outcome: "mapped",
            to: `slurm.topology.${role}Nodes`,
            note: "the role's exact nodes",
            apply: (_v, ctx) => {
                if (ctx.target !== "slurm") ctx.note("not mapped", "exact nodes are a Slurm setting");
                return ctx.target === "slurm" ? undefined : false;
            },
        },
        { scope: "AIDynamo", field: `${at}.cmd`, outcome: "used", note: "the engine module", apply: (v, ctx) => applyWorkerCmd(role, v, ctx) },
        {
            scope: "AIDynamo",
            field: `${at}.worker_initialized_regex`,
            outcome: "not mapped",
            note: "readiness here is the frontend listing every worker (GET /health), not a log pattern; on Slurm slurm.readiness.workerReadyPattern adds one",
        },
        {
            scope: "AIDynamo",
            field: `${at}.extra_args`,
            outcome: "mapped",
            to: `${role}.extraArgs`,
            note: "split into argv elements",
            apply: (v, ctx) => applyWorkerExtraArgs(role, v, ctx),
        },
        {
            scope: "AIDynamo",
            field: `${at}.args.*`,
            outcome: "mapped",
            to: `${role}.extraArgs`,
            note: "tensor/pipeline/data parallel sizes are settings; connector, a kv-transfer-config naming LMCache or KVBM, enable-hierarchical-cache and hicache-* are kvCache settings; flags the launch model generates are compared; per-worker ports are allocated; the rest are engine flags",
            apply: (v, ctx) => applyWorkerArg(role, ctx.captures[0]!, v, ctx),
        },
    ];
}

export const DYNAMO_ROWS: FieldRow[] = [
    {
        scope: "AIDynamo",
        field: "cmd_args.docker_image_url",
        outcome: "mapped",
        to: "image, platform.version",
        note: "a supported release's tag picks platform.version; another tag is replaced by the release's image (reported as adjusted)",
        apply: applyImage,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.workloads",
        outcome: "mapped",
        to: "benchmark.tool",
        note: "aiperf.sh -> aiperf, genai_perf.sh -> genai-perf (both: aiperf)",
        apply: applyWorkloads,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.model",
        outcome: "mapped",
        to: "model.id",
        note: "the model",
        apply: (v, ctx) => ctx.draft.set("model.id", v),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.backend",
        outcome: "mapped",
        to: "backend",
        note: "vllm or sglang; sglang_dsr1 is sglang with wide expert parallelism (see the (wide EP) lines)",
        apply: (v, ctx) => void ctx.draft.set("backend", String(v).replace("_dsr1", "")),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.endpoint",
        outcome: "mapped",
        to: "benchmark.endpointType",
        note: "v1/chat/completions -> chat, v1/completions -> completions",
        apply: (v, ctx) => ctx.draft.set("benchmark.endpointType", String(v).endsWith("chat/completions") ? "chat" : "completions"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.connector",
        outcome: "ignored by CloudAI",
        note: "validated, then never read: connectors are detected from the workers' args",
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.workspace_path",
        outcome: "not mapped",
        note: "workers start in the image's working directory (Kubernetes) or the run folder (Slurm)",
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.ingress_cmd",
        outcome: "mapped",
        to: "frontend.routerMode, frontend.extraArgs",
        note: "python -m dynamo.frontend: --router-mode is the setting, other flags join extraArgs",
        apply: applyIngress,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.node_setup_cmd",
        outcome: "mapped",
        to: "setup.commands",
        note: "a start-up command on every node before the Dynamo processes, bounded by setup.timeoutSeconds",
        apply: applySetupCommand,
        ignoredWhen: slurmOnly,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.port",
        outcome: "mapped",
        to: "frontend.port",
        note: "the frontend's HTTP port",
        apply: (v, ctx) => {
            if (ctx.target === "local") ctx.note("not mapped", "the local target picks a free port (set frontend.port to pin one)");
            else ctx.draft.set("frontend.port", v);
            return ctx.target === "local" ? false : undefined;
        },
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.etcd_cmd",
        outcome: "mapped",
        to: "slurm.discovery.etcdCommand",
        note: "Slurm: etcd and NATS discovery, as CloudAI starts them; the operator's on Kubernetes, none locally",
        apply: applyDiscovery("etcdCommand"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.etcd_port",
        outcome: "mapped",
        to: "slurm.discovery.etcdPort",
        note: "Slurm: etcd and NATS discovery",
        apply: applyDiscovery("etcdPort"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.nats_cmd",
        outcome: "mapped",
        to: "slurm.discovery.natsCommand",
        note: "Slurm: etcd and NATS discovery",
        apply: applyDiscovery("natsCommand"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.nats_port",
        outcome: "mapped",
        to: "slurm.discovery.natsPort",
        note: "Slurm: etcd and NATS discovery",
        apply: applyDiscovery("natsPort"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.dcgm_exporter.enabled",
        outcome: "mapped",
        to: "slurm.dcgmExporter.enabled",
        note: "the DCGM exporter on every node, scraped with the server metrics",
        apply: applyDcgm("enabled"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.dcgm_exporter.port",
        outcome: "mapped",
        to: "slurm.dcgmExporter.port",
        note: "its /metrics port",
        apply: applyDcgm("port"),
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.dynamo.dcgm_exporter.docker_image_url",
        outcome: "not mapped",
        note: "dcgm-exporter runs from the nodes (bare metal) or the job's image (pyxis); set slurm.dcgmExporter.command",
    },
    ...workerRows("prefill_worker"),
    ...workerRows("decode_worker"),
    {
        scope: "AIDynamo",
        field: "cmd_args.startup_cmd",
        outcome: "mapped",
        to: "setup.commands",
        note: "a start-up command on every node before the Dynamo processes (before node_setup_cmd), in the workers' image; CloudAI's per-node runtime file (CLOUDAI_RUNTIME_FILE) is not read",
        apply: applySetupCommand,
        ignoredWhen: slurmOnly,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.startup_cmd_docker_image",
        outcome: "not mapped",
        note: "start-up commands run in the workers' image (or environment) here; a second image per node is not available",
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.aiperf_accuracy.cli",
        outcome: "mapped",
        to: "benchmark.phases[].accuracy",
        note: "an accuracy phase after the load phases: --accuracy-* flags are its settings, --concurrency and --num-requests its load, other flags its extraArgs",
        apply: applyAccuracyCli,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.aiperf_accuracy.entrypoint",
        outcome: "used",
        note: "aiperf profile: AIPerf's accuracy mode (another command is not mapped)",
    },
    { scope: "AIDynamo", field: "cmd_args.aiperf_accuracy.name", outcome: "used", note: "names the accuracy phase (as a DNS label)" },
    {
        scope: "AIDynamo",
        field: "cmd_args.aiperf_accuracy.setup_cmd",
        outcome: "not mapped",
        note: CLIENT_SETUP,
    },
    {
        scope: "AIDynamo",
        field: "cmd_args.aiperf_accuracy.artifact_dir_name",
        outcome: "not mapped",
        note: "the scores are read from the phase's own folder into its outputs",
    },
    { scope: "AIDynamo", field: "cmd_args.aiperf_phases", outcome: "mapped", to: "benchmark.phases", note: "one phase each", apply: applyPhases },
    ...clientRows("aiperf", "aiperf.sh"),
    ...clientRows("genai_perf", "genai_perf.sh"),
];

function clientRows(tool: "aiperf" | "genai_perf", script: string): FieldRow[] {
    const at = `cmd_args.${tool}`;
    const ignoredWhen = unlessRuns(script);
    const row = (field: string, outcome: FieldRow["outcome"], note: string, extra: Partial<FieldRow> = {}): FieldRow => ({
        scope: "AIDynamo",
        field: `${at}.${field}`,
        outcome,
        note,
        ignoredWhen,
        ...extra,
    });
    return [
        row("args.*", "mapped", "load, token counts, endpoint type, streaming and server metrics are settings; other flags join benchmark.extraArgs", {
            to: "benchmark.*",
            apply: (v, ctx) => applyBenchmarkArg(ctx.captures[0]!, v, ctx),
        }),
        row("extra_args", "mapped", "split into argv elements", {
            to: "benchmark.extraArgs",
            apply: (v, ctx) => void ctx.draft.args.benchmark.push(...splitWords(String(v))),
        }),
        row("cmd", "used", `${tool === "aiperf" ? "aiperf" : "genai-perf"} profile is what dynamo-bench runs`),
        row("name", "not mapped", "names CloudAI's log files"),
        row("script", "not mapped", "CloudAI's wrapper script; dynamo-bench runs the client itself"),
        row("report_name", "not mapped", "the exports are parsed into the stack outputs"),
        row("artifact_dir_name", "not mapped", "the exports stay in the run folder"),
        row("setup_cmd", "not mapped", CLIENT_SETUP),
        row("between_phase_cmd", "mapped", "after each phase but the last (bash -lc), where the benchmark client runs", {
            to: "benchmark.betweenPhases.command",
            apply: (v, ctx) => {
                if (v === "true") ctx.note("used", "true: CloudAI's default, nothing to run");
                else ctx.draft.set("benchmark.betweenPhases.command", ["bash", "-lc", String(v)]);
                return v === "true" ? false : undefined;
            },
        }),
        row("health_check_between_phases", "mapped", "the one-token probe through the frontend after each phase but the last", {
            to: "benchmark.betweenPhases.healthCheck",
            apply: (v, ctx) => {
                ctx.draft.set("benchmark.betweenPhases.healthCheck", v === true);
                return undefined;
            },
        }),
        row("continue_on_phase_failure", "used", "false: a failed phase fails the run, as here (true is not available)"),
    ];
}

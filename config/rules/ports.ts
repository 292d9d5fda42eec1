// Port rules. The plan owns every port a process listens on: the frontend's
// HTTP port, each worker's block (bootstrap, system server, KV events, NIXL side
// channel, distributed init; lib/dynamo/ports.ts), the discovery services and
// LMCache's controller with its workers' ports (lib/dynamo/lmcache-controller.ts).
// The readiness probes look where the plan put each process, so a flag or env
// var in the user's own settings that moves a process would make the process
// and the probe disagree: such settings are refused by name, on every target,
// pointing at the setting that does move it. On Slurm every port is fixed
// before the job starts, so the whole layout is checked here: in range (the
// system server's DYN_SYSTEM_PORT at most 32767, Dynamo reads it as i16) and
// no two processes that may share a node on the same port.
import type { ParsedSpec } from "../schema";
import { lmcacheControllerPorts } from "../../lib/dynamo/lmcache-controller";
import { DEFAULT_FRONTEND_PORT, PORT_BLOCK, PORT_OFFSETS } from "../../lib/dynamo/ports";
import { KVBM_CONSOLIDATOR_PORT_OFFSET } from "../../lib/dynamo/workers/kv-cache";
import { slurmWorkerSystemServer } from "../../lib/facts/slurm-worker-metrics";
import type { RuleViolation } from "./violation";

/** Highest DYN_SYSTEM_PORT Dynamo accepts (it parses the variable as a signed 16-bit number). */
const MAX_SYSTEM_PORT = 32767;
const MAX_PORT = 65535;

/** Flags whose value the plan sets, per process kind, and the setting to use instead. */
const PLAN_FLAGS: Record<"frontend" | "worker", Record<string, string>> = {
    frontend: { "--http-port": "frontend.port" },
    worker: {
        "--bootstrap-ports": "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
        "--disaggregation-bootstrap-port": "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
        "--dist-init-addr": "nothing: the plan puts it on the worker's leader node",
    },
};

/** Environment variables that move a process's port away from the plan's. */
const PLAN_ENV: Record<string, string> = {
    DYN_HTTP_PORT: "frontend.port",
    DYN_SYSTEM_PORT: "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
    DYN_VLLM_KV_EVENT_PORT: "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
    VLLM_NIXL_SIDE_CHANNEL_PORT: "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
    DYN_KVBM_LEADER_ZMQ_PUB_PORT: "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
    DYN_KVBM_LEADER_ZMQ_ACK_PORT: "slurm.workerPortBase (Slurm) or nothing (the plan picks it)",
    DYN_KVBM_METRICS_PORT: "kvCache.kvbm.metrics (the plan picks the port)",
};

export function checkPortRules(spec: ParsedSpec): RuleViolation[] {
    const out: RuleViolation[] = [];
    const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    out.push(...planFlags("frontend.extraArgs", spec.frontend.extraArgs, PLAN_FLAGS.frontend));
    for (const role of roles) out.push(...planFlags(`${role}.extraArgs`, spec[role].extraArgs, PLAN_FLAGS.worker));
    for (const [path, env] of [
        ["env", spec.env],
        ["frontend.env", spec.frontend.env],
        ...roles.map((role) => [`${role}.env`, spec[role].env] as const),
    ] as const) {
        for (const name of Object.keys(env)) {
            if (Object.hasOwn(PLAN_ENV, name)) {
                out.push({
                    path: `${path}.${name}`,
                    message: `is set by the plan (the readiness probe looks at the plan's port, not this one); remove it and set ${PLAN_ENV[name]}`,
                });
            }
        }
    }
    if (spec.target === "slurm") out.push(...checkSlurmPorts(spec));
    return out;
}

/** A flag of the plan's, as its own element or as --flag=value. */
function planFlags(path: string, args: readonly string[], flags: Record<string, string>): RuleViolation[] {
    return args.flatMap((arg, i) => {
        const name = arg.split("=")[0]!;
        if (!Object.hasOwn(flags, name)) return [];
        return [
            {
                path: `${path}[${i}]`,
                message: `expected no ${name}: the plan sets it and probes the process there, got ${JSON.stringify(arg)}; remove it and set ${flags[name]}`,
            },
        ];
    });
}

interface PortUse {
    owner: string;
    path: string;
    first: number;
    last: number;
}

/** Every worker process of a Slurm job gets a block of its own, in plan order (lib/slurm/commands.ts workerPorts). */
function workerProcessCount(spec: ParsedSpec): number {
    const roles = spec.mode === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    return roles.reduce((n, role) => n + spec[role].replicas * spec[role].nodesPerWorker, 0);
}

function checkSlurmPorts(spec: ParsedSpec): RuleViolation[] {
    const s = spec.slurm;
    const out: RuleViolation[] = [];
    const count = workerProcessCount(spec);
    const base = s.workerPortBase;
    const last = base + count * PORT_BLOCK - 1;
    if (count > 0 && last > MAX_PORT) {
        out.push({
            path: "slurm.workerPortBase",
            message: `expected the ${count} worker processes' port blocks (${PORT_BLOCK} ports each) to end at ${MAX_PORT} or below, got ${base}..${last}; lower slurm.workerPortBase to at most ${MAX_PORT + 1 - count * PORT_BLOCK}`,
        });
    }
    const lastSystem = base + (count - 1) * PORT_BLOCK + PORT_OFFSETS.system;
    if (slurmWorkerSystemServer(spec) && count > 0 && lastSystem > MAX_SYSTEM_PORT) {
        out.push({
            path: "slurm.workerPortBase",
            message: `expected every worker's system server port (DYN_SYSTEM_PORT, read by Dynamo as a signed 16-bit number) at most ${MAX_SYSTEM_PORT}, got up to ${lastSystem}; lower slurm.workerPortBase to at most ${MAX_SYSTEM_PORT - (count - 1) * PORT_BLOCK - PORT_OFFSETS.system} (the system servers run for benchmark.serverMetrics, on by default on Slurm, and for slurm.workerSystemServer)`,
        });
    }
    // The frontend, etcd and NATS run on the frontend node, which may also hold workers.
    const frontend = spec.frontend.port ?? DEFAULT_FRONTEND_PORT;
    const uses: PortUse[] = [{ owner: `the frontend (${frontend})`, path: "frontend.port", first: frontend, last: frontend }];
    if (s.discovery.backend === "etcd") {
        const { etcdPort, natsPort } = s.discovery;
        uses.push({ owner: `etcd (client ${etcdPort}, peer ${etcdPort + 1})`, path: "slurm.discovery.etcdPort", first: etcdPort, last: etcdPort + 1 });
        uses.push({ owner: `NATS (${natsPort})`, path: "slurm.discovery.natsPort", first: natsPort, last: natsPort });
    }
    // The DCGM exporter runs on every node, next to the workers and the frontend.
    if (s.dcgmExporter.enabled) {
        const p = s.dcgmExporter.port;
        uses.push({ owner: `the DCGM exporter (${p})`, path: "slurm.dcgmExporter.port", first: p, last: p });
    }
    // The LMCache controller runs on the frontend's node; its workers bind gpusPerNode ports per worker process (lib/dynamo/lmcache-controller.ts).
    const lmc = spec.kvCache.lmcache?.controller;
    if (lmc) {
        const at = "kvCache.lmcache.controller";
        for (const p of lmcacheControllerPorts(lmc)) {
            uses.push({ owner: `the LMCache controller's ${p.label} port (${p.port})`, path: `${at}.${p.setting}`, first: p.port, last: p.port });
        }
        const lastWorker = lmc.workerPortBase + count * spec.gpusPerNode - 1;
        if (count > 0 && lastWorker > MAX_PORT) {
            out.push({
                path: `${at}.workerPortBase`,
                message: `expected the LMCache worker ports (${spec.gpusPerNode} per worker process, ${count} processes) to end at ${MAX_PORT} or below, got ${lmc.workerPortBase}..${lastWorker}; lower ${at}.workerPortBase to at most ${MAX_PORT + 1 - count * spec.gpusPerNode}`,
            });
        }
        if (count > 0)
            uses.push({
                owner: `the LMCache worker ports (${lmc.workerPortBase}..${lastWorker})`,
                path: `${at}.workerPortBase`,
                first: lmc.workerPortBase,
                last: lastWorker,
            });
    }
    if (count > 0) uses.push({ owner: `the worker port blocks (${base}..${last})`, path: "slurm.workerPortBase", first: base, last });
    for (let i = 0; i < uses.length; i++) {
        for (let j = 0; j < i; j++) {
            const [a, b] = [uses[j]!, uses[i]!];
            if (a.first <= b.last && b.first <= a.last) {
                out.push({
                    path: b.path,
                    message: `expected a port apart from ${a.owner} (both may run on one node), got ${b.owner}; change ${b.path} or ${a.path}`,
                });
            }
        }
    }
    if (count > 0 && spec.kvCache.connector === "kvbm") out.push(...checkKvbmConsolidators(base, count, uses));
    if (s.discovery.backend === "etcd" && s.discovery.etcdPort + 1 > MAX_PORT) {
        out.push({
            path: "slurm.discovery.etcdPort",
            message: `expected at most ${MAX_PORT - 1} (etcd's peer port is the next one), got ${s.discovery.etcdPort}`,
        });
    }
    return out;
}

/**
 * KVBM's event consolidator binds the worker's KVBM publish port + 1000 (fixed by KVBM).
 * Inside the worker blocks that lands on a free offset (lib/dynamo/ports.ts); past the
 * last block it must stay in range and clear of the frontend, etcd and NATS.
 */
function checkKvbmConsolidators(base: number, count: number, uses: readonly PortUse[]): RuleViolation[] {
    const lastBlockPort = base + count * PORT_BLOCK - 1;
    const ports = Array.from({ length: count }, (_, i) => base + i * PORT_BLOCK + PORT_OFFSETS.kvbmPub + KVBM_CONSOLIDATOR_PORT_OFFSET);
    const highest = ports[ports.length - 1]!;
    if (highest > MAX_PORT) {
        return [
            {
                path: "slurm.workerPortBase",
                message: `expected every KVBM worker's event consolidator port (its KVBM publish port + ${KVBM_CONSOLIDATOR_PORT_OFFSET}, fixed by KVBM) at most ${MAX_PORT}, got up to ${highest}; lower slurm.workerPortBase to at most ${MAX_PORT - (count - 1) * PORT_BLOCK - PORT_OFFSETS.kvbmPub - KVBM_CONSOLIDATOR_PORT_OFFSET}`,
            },
        ];
    }
    const out: RuleViolation[] = [];
    for (const use of uses) {
        if (use.path === "slurm.workerPortBase") continue;
        const hit = ports.find((p) => p > lastBlockPort && p >= use.first && p <= use.last);
        if (hit !== undefined) {
            out.push({
                path: use.path,
                message: `expected a port apart from the KVBM event consolidator on ${hit} (a KVBM worker's publish port + ${KVBM_CONSOLIDATOR_PORT_OFFSET}, on the same node), got ${use.owner}; change ${use.path} or slurm.workerPortBase`,
            });
        }
    }
    return out;
}

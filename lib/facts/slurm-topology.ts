// The node-plan check: whether a topology of prefill and decode workers fits
// the nodes and GPUs the config names. A fact about Slurm allocations that the
// config rules check at preview and the Slurm target's planner relies on;
// pure, and free of any target, so both may import it.
import { expandHostlists } from "./slurm-hostlist";

export type Role = "prefill" | "decode";

export interface PlanWorker {
    replicas: number;
    nodesPerWorker: number;
    /** GPUs of one worker on each of its nodes. */
    gpusPerNodeOfWorker: number;
}

export interface PlanTopology {
    prefillWorkersPerNode: number;
    decodeWorkersPerNode: number;
    sharedNodes: boolean;
    dedicatedFrontendNode: boolean;
    prefillNodes?: string[];
    decodeNodes?: string[];
    frontendNode?: string;
    /** The job's whole node list; the slots no role list names take its other nodes in order. */
    nodes?: string[];
}

export interface PlanInput {
    gpusPerNode: number;
    decode: PlanWorker;
    /** Absent in aggregated mode. */
    prefill?: PlanWorker;
    topology: PlanTopology;
}

export interface PlanViolation {
    /** Field under the `slurm` section (or a top-level field). */
    path: string;
    message: string;
}

/** Nodes the workers of one role occupy. */
export function roleNodeCount(worker: PlanWorker, workersPerNode: number): number {
    if (worker.replicas === 0) return 0;
    return worker.nodesPerWorker > 1 ? worker.replicas * worker.nodesPerWorker : Math.ceil(worker.replicas / workersPerNode);
}

/** Node slots of the plan: a dedicated frontend node, then decode and prefill nodes (one set when they share). */
export function planNodeCount(input: PlanInput): number {
    const t = input.topology;
    const decodeCount = roleNodeCount(input.decode, t.decodeWorkersPerNode);
    const prefillCount = input.prefill ? roleNodeCount(input.prefill, t.prefillWorkersPerNode) : 0;
    const shared = t.sharedNodes && input.prefill !== undefined;
    return (t.dedicatedFrontendNode ? 1 : 0) + (shared ? Math.max(decodeCount, prefillCount) : decodeCount + prefillCount);
}

/** Everything the config can get wrong about the topology, each naming its field. */
export function checkPlan(input: PlanInput): PlanViolation[] {
    const out: PlanViolation[] = [];
    const fail = (path: string, message: string) => out.push({ path, message });
    const t = input.topology;
    const { decode, prefill, gpusPerNode } = input;
    const shared = t.sharedNodes && prefill !== undefined;

    if (!prefill) {
        if (t.sharedNodes) fail("slurm.topology.sharedNodes", "applies to disaggregated mode only (there are no prefill workers to share nodes with)");
        if (t.prefillNodes) fail("slurm.topology.prefillNodes", "applies to disaggregated mode only, got a list in aggregated mode");
    }
    const roles: Array<[Role, PlanWorker, number]> = [["decode", decode, t.decodeWorkersPerNode]];
    if (prefill) roles.push(["prefill", prefill, t.prefillWorkersPerNode]);
    for (const [role, worker, perNode] of roles) {
        if (worker.nodesPerWorker > 1) {
            if (perNode > 1)
                fail(
                    `slurm.topology.${role}WorkersPerNode`,
                    `expected 1 for multinode ${role} workers (nodesPerWorker ${worker.nodesPerWorker}), got ${perNode}`,
                );
            if (shared)
                fail(
                    "slurm.topology.sharedNodes",
                    `expected false with multinode ${role} workers (nodesPerWorker ${worker.nodesPerWorker}): they use whole nodes`,
                );
        } else if (!shared && perNode * worker.gpusPerNodeOfWorker > gpusPerNode) {
            fail(
                `slurm.topology.${role}WorkersPerNode`,
                `expected ${perNode} ${role} workers x ${worker.gpusPerNodeOfWorker} GPUs to fit a node of ${gpusPerNode} GPUs (gpusPerNode), got ${perNode * worker.gpusPerNodeOfWorker}`,
            );
        }
    }
    if (shared && prefill) {
        const need = t.decodeWorkersPerNode * decode.gpusPerNodeOfWorker + t.prefillWorkersPerNode * prefill.gpusPerNodeOfWorker;
        if (need > gpusPerNode) {
            fail(
                "slurm.topology.sharedNodes",
                `expected decode (${t.decodeWorkersPerNode} x ${decode.gpusPerNodeOfWorker} GPUs) plus prefill (${t.prefillWorkersPerNode} x ${prefill.gpusPerNodeOfWorker} GPUs) to fit a node of ${gpusPerNode} GPUs, got ${need}`,
            );
        }
    }

    const decodeCount = roleNodeCount(decode, t.decodeWorkersPerNode);
    const prefillCount = prefill ? roleNodeCount(prefill, t.prefillWorkersPerNode) : 0;
    const lists: Partial<Record<Role, string[]>> = {};
    for (const role of ["decode", "prefill"] as const) {
        const given = role === "decode" ? t.decodeNodes : t.prefillNodes;
        if (!given) continue;
        let names: string[];
        try {
            names = expandHostlists(given);
        } catch (e) {
            fail(`slurm.topology.${role}Nodes`, (e as Error).message);
            continue;
        }
        lists[role] = names;
        const want = shared ? Math.max(decodeCount, prefillCount) : role === "decode" ? decodeCount : prefillCount;
        if (names.length !== want) {
            const why = shared
                ? `shared nodes hold max(decode ${decodeCount}, prefill ${prefillCount}) nodes`
                : `${role}.replicas and slurm.topology.${role}WorkersPerNode need ${want}`;
            fail(`slurm.topology.${role}Nodes`, `expected ${want} node${want === 1 ? "" : "s"} (${why}), got ${names.length}: ${names.join(",")}`);
        }
    }
    if (lists.decode && lists.prefill) {
        if (shared) {
            if (lists.decode.join(",") !== lists.prefill.join(","))
                fail("slurm.topology.prefillNodes", "expected the same nodes as decodeNodes when sharedNodes is true (or leave one of them unset)");
        } else {
            const both = lists.prefill.filter((n) => lists.decode!.includes(n));
            if (both.length > 0)
                fail("slurm.topology.prefillNodes", `expected nodes apart from decodeNodes (set sharedNodes to share them), got ${both.join(",")} in both`);
        }
    }
    if (t.frontendNode) {
        const workerNodes = [...(lists.decode ?? []), ...(lists.prefill ?? [])];
        if (t.dedicatedFrontendNode && workerNodes.includes(t.frontendNode)) {
            fail(
                "slurm.topology.frontendNode",
                `expected a node apart from the worker nodes when dedicatedFrontendNode is true, got ${t.frontendNode}, a worker node`,
            );
        }
        if (!t.dedicatedFrontendNode && !(lists.decode ?? (shared ? lists.prefill : undefined))?.includes(t.frontendNode)) {
            fail(
                "slurm.topology.frontendNode",
                `expected one of the decode nodes (set decodeNodes), or set dedicatedFrontendNode to true; got ${t.frontendNode}`,
            );
        }
    }
    out.push(...checkNodeList(input, [...(lists.decode ?? []), ...(lists.prefill ?? []), ...(t.frontendNode ? [t.frontendNode] : [])]));
    return out;
}

/** slurm.topology.nodes: as many nodes as the plan has slots, holding every node a role list or frontendNode names. */
function checkNodeList(input: PlanInput, named: readonly string[]): PlanViolation[] {
    const given = input.topology.nodes;
    if (!given) return [];
    const path = "slurm.topology.nodes";
    let names: string[];
    try {
        names = expandHostlists(given);
    } catch (e) {
        return [{ path, message: (e as Error).message }];
    }
    const out: PlanViolation[] = [];
    const want = planNodeCount(input);
    if (names.length !== want) {
        out.push({
            path,
            message: `expected ${want} node${want === 1 ? "" : "s"} (what the workers, workers per node and frontend placement need), got ${names.length}: ${names.join(",")}; name ${want} nodes or change the replicas or workers per node`,
        });
    }
    const missing = [...new Set(named)].filter((n) => !names.includes(n));
    if (missing.length > 0) {
        out.push({
            path,
            message: `expected every node named in prefillNodes, decodeNodes and frontendNode among the job's nodes, got ${names.join(",")} without ${missing.join(",")}`,
        });
    }
    return out;
}

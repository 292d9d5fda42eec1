// Topology: which node slot of the allocation runs the frontend and each worker
// process, and which GPUs of its node each worker gets. Pure; the job script
// only maps slots to the hostnames Slurm allocated.
import { expandHostlists } from "./hostlist";

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
}

export interface PlanInput {
    gpusPerNode: number;
    decode: PlanWorker;
    /** Absent in aggregated mode. */
    prefill?: PlanWorker;
    topology: PlanTopology;
}

/** One process of one worker: a worker spanning N nodes has N ranks. */
export interface PlanInstance {
    /** Log and pid-file name: decode-0, prefill-1, or decode-0-rank1 for multinode workers. */
    id: string;
    role: Role;
    worker: number;
    rank: number;
    ranks: number;
    slot: number;
    /** Slot of rank 0 (the worker's leader). */
    leaderSlot: number;
    /** First GPU of the node (index into the node's GPU list) and how many. */
    gpuFirst: number;
    gpuCount: number;
}

export interface PlanSlot {
    /** Node name when the config names it; otherwise the job takes the next allocated node. */
    name?: string;
    roles: string[];
}

export interface JobPlan {
    nodeCount: number;
    slots: PlanSlot[];
    frontendSlot: number;
    instances: PlanInstance[];
    /** Nodes the config names, for sbatch --nodelist. */
    explicitNodes: string[];
    shared: boolean;
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
            if (perNode > 1) fail(`slurm.topology.${role}WorkersPerNode`, `expected 1 for multinode ${role} workers (nodesPerWorker ${worker.nodesPerWorker}), got ${perNode}`);
            if (shared) fail("slurm.topology.sharedNodes", `expected false with multinode ${role} workers (nodesPerWorker ${worker.nodesPerWorker}): they use whole nodes`);
        } else if (!shared && perNode * worker.gpusPerNodeOfWorker > gpusPerNode) {
            fail(`slurm.topology.${role}WorkersPerNode`, `expected ${perNode} ${role} workers x ${worker.gpusPerNodeOfWorker} GPUs to fit a node of ${gpusPerNode} GPUs (gpusPerNode), got ${perNode * worker.gpusPerNodeOfWorker}`);
        }
    }
    if (shared && prefill) {
        const need = t.decodeWorkersPerNode * decode.gpusPerNodeOfWorker + t.prefillWorkersPerNode * prefill.gpusPerNodeOfWorker;
        if (need > gpusPerNode) {
            fail("slurm.topology.sharedNodes", `expected decode (${t.decodeWorkersPerNode} x ${decode.gpusPerNodeOfWorker} GPUs) plus prefill (${t.prefillWorkersPerNode} x ${prefill.gpusPerNodeOfWorker} GPUs) to fit a node of ${gpusPerNode} GPUs, got ${need}`);
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
            const why = shared ? `shared nodes hold max(decode ${decodeCount}, prefill ${prefillCount}) nodes` : `${role}.replicas and slurm.topology.${role}WorkersPerNode need ${want}`;
            fail(`slurm.topology.${role}Nodes`, `expected ${want} node${want === 1 ? "" : "s"} (${why}), got ${names.length}: ${names.join(",")}`);
        }
    }
    if (lists.decode && lists.prefill) {
        if (shared) {
            if (lists.decode.join(",") !== lists.prefill.join(",")) fail("slurm.topology.prefillNodes", "expected the same nodes as decodeNodes when sharedNodes is true (or leave one of them unset)");
        } else {
            const both = lists.prefill.filter((n) => lists.decode!.includes(n));
            if (both.length > 0) fail("slurm.topology.prefillNodes", `expected nodes apart from decodeNodes (set sharedNodes to share them), got ${both.join(",")} in both`);
        }
    }
    if (t.frontendNode) {
        const workerNodes = [...(lists.decode ?? []), ...(lists.prefill ?? [])];
        if (t.dedicatedFrontendNode && workerNodes.includes(t.frontendNode)) {
            fail("slurm.topology.frontendNode", `expected a node apart from the worker nodes when dedicatedFrontendNode is true, got ${t.frontendNode}, a worker node`);
        }
        if (!t.dedicatedFrontendNode && !(lists.decode ?? (shared ? lists.prefill : undefined))?.includes(t.frontendNode)) {
            fail("slurm.topology.frontendNode", `expected one of the decode nodes (set decodeNodes), or set dedicatedFrontendNode to true; got ${t.frontendNode}`);
        }
    }
    return out;
}

/** The node plan. Throws when checkPlan finds a problem. */
export function planJob(input: PlanInput): JobPlan {
    const violations = checkPlan(input);
    if (violations.length > 0) throw new Error(violations.map((v) => `${v.path}: ${v.message}`).join("\n"));
    const t = input.topology;
    const { decode, prefill } = input;
    const shared = t.sharedNodes && prefill !== undefined;
    const slots: PlanSlot[] = [];
    const addSlot = (name?: string): number => slots.push({ name, roles: [] }) - 1;

    let frontendSlot = -1;
    if (t.dedicatedFrontendNode) frontendSlot = addSlot(t.frontendNode);

    const decodeCount = roleNodeCount(decode, t.decodeWorkersPerNode);
    const prefillCount = prefill ? roleNodeCount(prefill, t.prefillWorkersPerNode) : 0;
    const decodeNames = t.decodeNodes ? expandHostlists(t.decodeNodes) : undefined;
    const prefillNames = t.prefillNodes ? expandHostlists(t.prefillNodes) : undefined;

    let decodeSlots: number[];
    let prefillSlots: number[];
    if (shared) {
        const names = decodeNames ?? prefillNames;
        const common = Array.from({ length: Math.max(decodeCount, prefillCount) }, (_, i) => addSlot(names?.[i]));
        decodeSlots = common.slice(0, decodeCount);
        prefillSlots = common.slice(0, prefillCount);
    } else {
        decodeSlots = Array.from({ length: decodeCount }, (_, i) => addSlot(decodeNames?.[i]));
        prefillSlots = Array.from({ length: prefillCount }, (_, i) => addSlot(prefillNames?.[i]));
    }
    if (frontendSlot < 0) {
        const named = t.frontendNode ? decodeSlots.find((s) => slots[s].name === t.frontendNode) : undefined;
        frontendSlot = named ?? decodeSlots[0];
    }
    slots[frontendSlot].roles.push("frontend");

    const instances: PlanInstance[] = [];
    const gpusUsed = new Map<number, number>();
    const place = (role: Role, worker: PlanWorker, perNode: number, roleSlots: number[]) => {
        for (let w = 0; w < worker.replicas; w++) {
            const ranks = worker.nodesPerWorker;
            const firstSlot = ranks > 1 ? roleSlots[w * ranks] : roleSlots[Math.floor(w / perNode)];
            for (let r = 0; r < ranks; r++) {
                const slot = ranks > 1 ? roleSlots[w * ranks + r] : firstSlot;
                const gpuFirst = gpusUsed.get(slot) ?? 0;
                gpusUsed.set(slot, gpuFirst + worker.gpusPerNodeOfWorker);
                const id = ranks > 1 ? `${role}-${w}-rank${r}` : `${role}-${w}`;
                instances.push({ id, role, worker: w, rank: r, ranks, slot, leaderSlot: firstSlot, gpuFirst, gpuCount: worker.gpusPerNodeOfWorker });
                slots[slot].roles.push(id);
            }
        }
    };
    place("decode", decode, t.decodeWorkersPerNode, decodeSlots);
    if (prefill) place("prefill", prefill, t.prefillWorkersPerNode, prefillSlots);

    const explicitNodes = [...new Set([...slots.map((s) => s.name).filter((n): n is string => n !== undefined)])];
    return { nodeCount: slots.length, slots, frontendSlot, instances, explicitNodes, shared };
}

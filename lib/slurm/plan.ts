// Topology: which node slot of the allocation runs the frontend and each worker
// process, and which GPUs of its node each worker gets. Pure; the job script
// only maps slots to the hostnames Slurm allocated. What a valid topology is
// (checkPlan) lives in lib/facts, where the config rules read it too.
import { expandHostlists } from "./hostlist";
import { checkPlan, roleNodeCount, type PlanInput, type PlanWorker, type Role } from "../facts/slurm-topology";

export { checkPlan, roleNodeCount, type PlanInput, type PlanTopology, type PlanViolation, type PlanWorker, type Role } from "../facts/slurm-topology";

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
    // A job-wide node list names the slots no role list named, in slot order.
    if (t.nodes) {
        const spare = expandHostlists(t.nodes).filter((n) => !slots.some((s) => s.name === n));
        for (const slot of slots) if (slot.name === undefined) slot.name = spare.shift();
    }

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

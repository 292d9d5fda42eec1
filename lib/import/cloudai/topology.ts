// Where CloudAI's workers go, in dynamo-bench's terms. CloudAI gives each role
// a node count; with multiple-workers-per-node false a node runs one worker
// (given all its GPUs), with true it runs gpus_per_node / (TP x PP) workers.
// A scenario num_nodes below prefill + decode nodes makes the roles share
// nodes (decode GPUs first). Prefill on 0 nodes is aggregated mode.
import type { Draft } from "./draft";
import type { Target } from "./table";
import type { TomlTable } from "./toml";

export interface WorkerShape {
    nodes: number | number[];
    tensorParallel: number;
    pipelineParallel: number;
    perNode: boolean;
    nodeList?: string[];
}

const num = (v: unknown, fallback: number) => (typeof v === "number" ? v : fallback);

/** CloudAI compares "True"/"true"/true alike (PR #970). */
const truthy = (v: unknown) => v === true || (typeof v === "string" && v.toLowerCase() === "true");

export function workerShape(worker: TomlTable | undefined): WorkerShape {
    const args = (worker?.args ?? {}) as TomlTable;
    const nodes = worker?.num_nodes;
    const list = typeof worker?.nodes === "string" ? worker.nodes.split(",").filter(Boolean) : undefined;
    return {
        nodes: Array.isArray(nodes) ? nodes.map(Number) : num(nodes, 1),
        tensorParallel: num(args.tensor_parallel_size, 1),
        pipelineParallel: num(args.pipeline_parallel_size, 1),
        perNode: truthy(worker?.multiple_workers_per_node),
        ...(list ? { nodeList: list } : {}),
    };
}

/** Notes for the report, each with the setting it explains. */
export interface TopologyNote {
    to: string;
    note: string;
}

export function applyTopology(draft: Draft, target: Target, gpusPerNode: number, prefill: WorkerShape, decode: WorkerShape, runNodes: unknown): TopologyNote[] {
    const notes: TopologyNote[] = [];
    const perNode = (w: WorkerShape) => (w.perNode ? Math.max(1, Math.floor(gpusPerNode / (w.tensorParallel * w.pipelineParallel))) : 1);
    const aggregated = prefill.nodes === 0;
    if (aggregated) {
        draft.set("mode", "aggregated");
        draft.set("prefill.replicas", 0);
        notes.push({ to: "mode", note: "prefill on 0 nodes: aggregated mode, decode workers serve prefill too" });
    } else {
        draft.set("mode", "disaggregated");
    }
    for (const [role, w] of [
        ["prefill", prefill],
        ["decode", decode],
    ] as const) {
        if (role === "prefill" && aggregated) continue;
        const k = perNode(w);
        if (Array.isArray(w.nodes)) draft.grid[`${role}.replicas`] = w.nodes.map((n) => n * k);
        else draft.set(`${role}.replicas`, w.nodes * k);
        notes.push({
            to: `${role}.replicas`,
            note: `${Array.isArray(w.nodes) ? `${w.nodes.join(" or ")} nodes (swept)` : `${w.nodes} node(s)`} x ${k} worker(s) per node${w.perNode ? ` (multiple-workers-per-node: ${gpusPerNode} GPUs / TP ${w.tensorParallel} x PP ${w.pipelineParallel})` : " (CloudAI gave that one worker all of the node's GPUs; here it gets tensor x pipeline parallel GPUs)"}`,
        });
        if (target === "slurm" && k > 1) draft.set(`slurm.topology.${role}WorkersPerNode`, k);
        if (target === "slurm" && w.nodeList) draft.set(`slurm.topology.${role}Nodes`, w.nodeList);
    }
    const total = (n: number | number[]) => (Array.isArray(n) ? Math.min(...n) : n);
    if (!aggregated && typeof runNodes === "number" && runNodes < total(prefill.nodes) + total(decode.nodes)) {
        if (target === "slurm") {
            draft.set("slurm.topology.sharedNodes", true);
            notes.push({ to: "slurm.topology.sharedNodes", note: `num_nodes ${runNodes} < prefill + decode nodes: the roles share nodes, decode GPUs first` });
        } else {
            notes.push({ to: "", note: `num_nodes ${runNodes} shares nodes between the roles on Slurm; on ${target} each worker is placed on its own` });
        }
    }
    return notes;
}

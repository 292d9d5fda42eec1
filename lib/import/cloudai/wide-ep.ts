// CloudAI's sglang_dsr1 backend in dynamo-bench terms: one SGLang worker per
// role across all of the role's nodes, with DP attention and DeepEP experts
// (prefill/decode.wideEp, config/wide-ep.ts). CloudAI passes --tp-size and
// --dp-size of the role's GPU count (gpus_per_node x num_nodes) unless the
// worker's args set them; here that world is tensorParallel x
// dataParallel, with tensorParallel GPUs per attention group.
import type { Draft } from "./draft";
import type { ReportLine } from "./report";
import type { Target } from "./table";
import type { TomlTable } from "./toml";

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

export function finishWideEp(draft: Draft, target: Target, gpusPerNode: number, dynamo: Record<string, TomlTable>, lines: ReportLine[], source: string): void {
    if (String(dynamo.backend ?? "") !== "sglang_dsr1") return;
    const line = (outcome: ReportLine["outcome"], note: string, to?: string) =>
        lines.push({ field: "(wide EP)", source, outcome, note, ...(to ? { to } : {}) });
    if (target === "local") {
        line("not mapped", "sglang_dsr1's wide expert parallelism needs the real engine; the mocker has no experts to spread");
        return;
    }
    const roles = draft.get("mode") === "aggregated" ? (["decode"] as const) : (["prefill", "decode"] as const);
    for (const role of roles) {
        const worker = (dynamo[`${role}_worker`] ?? {}) as TomlTable;
        const args = (worker.args ?? {}) as TomlTable;
        const nodes = num(worker.num_nodes) ?? 1;
        if (Array.isArray(worker.num_nodes)) {
            line("not mapped", `${role}_worker.num_nodes is a list: a wide-EP worker's node count is not swept here; its first value is used`);
        }
        const nodeCount = Array.isArray(worker.num_nodes) ? Number(worker.num_nodes[0]) : nodes;
        const world = num(args.tensor_parallel_size) ?? gpusPerNode * nodeCount;
        const groups = num(args.data_parallel_size) ?? world;
        if (world % groups !== 0) {
            line(
                "not mapped",
                `${role}: tensor-parallel-size ${world} is not a multiple of data-parallel-size ${groups}; set ${role}.tensorParallel and ${role}.dataParallel`,
            );
            continue;
        }
        draft.set(`${role}.replicas`, 1);
        draft.set(`${role}.nodesPerWorker`, nodeCount);
        draft.set(`${role}.tensorParallel`, world / groups);
        draft.set(`${role}.dataParallel`, groups);
        draft.set(`${role}.wideEp`, { a2aBackend: "deepep" });
        line(
            "mapped",
            `sglang_dsr1: one ${role} worker across ${nodeCount} node(s), ${world} GPUs (--tp-size ${world}), ${groups} attention groups (--dp-size, --enable-dp-attention), experts on all of them through DeepEP`,
            `${role}.wideEp, ${role}.nodesPerWorker, ${role}.tensorParallel, ${role}.dataParallel`,
        );
    }
    line(
        "not mapped",
        "CloudAI's --deepep-config is a file of the Dynamo repository it clones (components/backends/sglang/configs/deepseek_r1/wideep/deepep.json); set prefill.wideEp.deepepConfig / decode.wideEp.deepepConfig to that file on the nodes",
    );
}

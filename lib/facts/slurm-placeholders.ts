// The words scripts/slurm/node.sh replaces in every argv element and env value
// of a node's processes with that node's addresses. A fact the config rules
// need (a user value holding one would be rewritten on the node) and the Slurm
// target writes into the launch model's processes.
export const SLURM_PLACEHOLDERS = { node: "{node_host}", leader: "{leader_host}", frontend: "{frontend_host}" } as const;

/** Start of {slot_host_<N>}: the address of the plan's node slot N (batch.sh lists them in RUN_DIR/nodes.txt). */
export const SLOT_HOST_PREFIX = "{slot_host_";

/** The placeholder node.sh replaces with the address of node slot `slot`. */
export function slotHost(slot: number): string {
    return `${SLOT_HOST_PREFIX}${slot}}`;
}

export const SLURM_PLACEHOLDER_WORDS: readonly string[] = [...Object.values(SLURM_PLACEHOLDERS), SLOT_HOST_PREFIX];

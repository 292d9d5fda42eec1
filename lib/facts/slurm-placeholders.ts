// The words scripts/slurm/node.sh replaces in every argv element and env value
// of a node's processes with that node's addresses. A fact the config rules
// need (a user value holding one would be rewritten on the node) and the Slurm
// target writes into the launch model's processes.
export const SLURM_PLACEHOLDERS = { node: "{node_host}", leader: "{leader_host}", frontend: "{frontend_host}" } as const;

export const SLURM_PLACEHOLDER_WORDS: readonly string[] = Object.values(SLURM_PLACEHOLDERS);

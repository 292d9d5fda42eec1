// Start-up commands (`setup`), as CloudAI's node_setup_cmd and startup_cmd: shell
// commands run on every node (Slurm), in every worker and frontend pod before
// its container (Kubernetes, an init container), or once on this machine
// (local), before any Dynamo process starts. Bounded; a failure stops the run
// with the commands' log tail.
import { z } from "zod";

export const setupSchema = z.strictObject({
    /** Shell commands, run in order by one `bash -lc` (stopping at the first that fails), in the workers' image or environment. */
    commands: z.array(z.string().min(1)).default([]),
    /** Bound on all the commands together, per node. */
    timeoutSeconds: z.number().int().min(1).max(86_400).default(600),
});

export type SetupSpec = z.output<typeof setupSchema>;

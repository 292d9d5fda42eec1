// What happens between two benchmark phases (`benchmark.betweenPhases`), as
// CloudAI's AIPerf `between-phase-cmd` and `health-check-between-phases`: a
// command (a router restart, a cache flush), then a check that the frontend
// still serves, each bounded. Every target runs them where its benchmark client
// runs: the local runner, the Slurm job script, the Kubernetes benchmark Job.
import { z } from "zod";

export const betweenPhasesSchema = z.strictObject({
    /** argv run after each phase but the last, where the benchmark client runs (Slurm: the frontend's node; Kubernetes: the benchmark Job's pod); it must exit 0. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** After each phase but the last (and after the command): the one-token probe through the frontend must answer. */
    healthCheck: z.boolean().default(false),
    /** Bound on the command, and on the health check waiting for an answer. */
    timeoutSeconds: z.number().int().min(1).default(120),
});

export type BetweenPhasesSpec = z.output<typeof betweenPhasesSchema>;

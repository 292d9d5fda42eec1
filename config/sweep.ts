// The `sweep` section: many deployments in one stack (docs/sweeps.md). Its
// values stay `unknown` here on purpose: each point's values go through the
// one configuration schema (config/schema.ts) as part of that point's config,
// so a swept value is checked exactly like the same value set by hand.
import { z } from "zod";

const positiveMs = z.number().positive();

export const sweepSchema = z.strictObject({
    /** Cartesian product: dotted setting path -> the values to try. */
    grid: z.record(z.string(), z.array(z.unknown()).min(1, "expected at least one value")).default({}),
    /** Explicit points, each a map of dotted setting path -> value; run after the grid's. */
    points: z.array(z.record(z.string(), z.unknown())).default([]),
    /** Upper bound on grid product + explicit points: a typo in a grid should not start hundreds of deployments. */
    maxPoints: z.number().int().min(1).default(64),
    /** Latency limits (p99, milliseconds) a load must meet to count for `best`. */
    limits: z
        .strictObject({
            ttftP99Ms: positiveMs.optional(),
            itlP99Ms: positiveMs.optional(),
            requestLatencyP99Ms: positiveMs.optional(),
        })
        .default({}),
    /**
     * Kubernetes: keep every point's graph deployed as a resource of its own
     * (the cluster must hold every point's GPUs at once). Default: each point's
     * graph is deleted once its results are in, before the next point deploys.
     */
    keepGraphs: z.boolean().default(false),
    /** Checks beyond the configuration rules; a point that fails one is skipped and listed. */
    constraints: z
        .strictObject({
            /** CloudAI's optional check: prefill tensorParallel <= decode tensorParallel. */
            prefillTpAtMostDecodeTp: z.boolean().default(false),
            /** GPUs the cluster has for the workers of one point (the configuration cannot know it otherwise). */
            clusterGpus: z.number().int().min(1).optional(),
        })
        .prefault({}),
});

export type SweepSpec = z.output<typeof sweepSchema>;

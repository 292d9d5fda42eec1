// Names derived from user input.

/** Stack names allow characters Kubernetes names do not. */
export function toDnsLabel(value: string): string {
    const label = value
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40)
        .replace(/-+$/, "");
    return label || "bench";
}

/** The KAI queue a stack creates for its benchmark: named after it, so no other stack owns it. */
export function ownKaiQueueName(benchmarkName: string): string {
    return `${benchmarkName}-queue`;
}

/** The phase of one value of a load list: c<concurrency> or r<rate>, a rate's "." as "p" so it stays a DNS label (r0.5 -> r0p5). */
export function loadPhaseName(load: { concurrency?: number; requestRate?: number }): string {
    return load.requestRate !== undefined ? `r${String(load.requestRate).replace(".", "p")}` : `c${load.concurrency}`;
}

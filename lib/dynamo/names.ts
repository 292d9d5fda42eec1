// Dynamo namespace of one run: unique per run, so nothing registered by another
// run is ever seen. Dynamo namespaces allow a-z, 0-9, '-' and '_'.
export function namespaceForRun(runId: string): string {
    const slug = runId
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-")
        .replace(/^-+|-+$/g, "");
    return `dbench-${slug || "run"}`.slice(0, 63);
}

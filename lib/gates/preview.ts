// What `pulumi preview --json` says would change: its steps, read into rows for
// a pull-request comment. Pure; unknown fields are ignored, a file that is not
// a preview is an error naming what it lacks.

export interface PreviewChange {
    /** create, update, replace, delete, ... (Pulumi's step op). */
    op: string;
    type: string;
    name: string;
}

export interface PreviewSummary {
    /** From the steps' URNs: urn:pulumi:<stack>::<project>::<type>::<name>. */
    stack: string;
    /** Steps that change something, in the preview's order; "same" steps are counted only. */
    changes: PreviewChange[];
    /** op -> count, as Pulumi's changeSummary (or counted from the steps). */
    counts: Record<string, number>;
    /** Error diagnostics of the preview (a failed preview still writes JSON). */
    errors: string[];
}

interface Step {
    op?: string;
    urn?: string;
}

/** stack, type (the last of a parent$child chain) and name of a URN: urn:pulumi:<stack>::<project>::<types>::<name>. */
function parseUrn(urn: string): { stack: string; type: string; name: string } | undefined {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0]!.startsWith("urn:pulumi:")) return undefined;
    return { stack: parts[0]!.slice("urn:pulumi:".length), type: parts[2]!.split("$").pop()!, name: parts.slice(3).join("::") };
}

export function readPreview(json: unknown, source: string): PreviewSummary {
    const doc = json as { steps?: unknown; changeSummary?: unknown; diagnostics?: unknown } | null;
    if (doc === null || typeof doc !== "object" || !Array.isArray(doc.steps)) {
        throw new Error(`${source} is not the output of \`pulumi preview --json\`: it has no "steps" list`);
    }
    const steps = doc.steps as Step[];
    let stack = "";
    const changes: PreviewChange[] = [];
    const counted: Record<string, number> = {};
    for (const step of steps) {
        const m = parseUrn(step.urn ?? "");
        if (!m) continue;
        stack ||= m.stack;
        const op = step.op ?? "unknown";
        counted[op] = (counted[op] ?? 0) + 1;
        // The stack itself is no change to review.
        if (op === "same" || m.type === "pulumi:pulumi:Stack") continue;
        changes.push({ op, type: m.type, name: m.name });
    }
    const summary = doc.changeSummary && typeof doc.changeSummary === "object" ? (doc.changeSummary as Record<string, number>) : counted;
    const errors = Array.isArray(doc.diagnostics)
        ? (doc.diagnostics as Array<{ severity?: string; message?: string }>).filter((d) => d.severity === "error").map((d) => (d.message ?? "").trim())
        : [];
    return { stack: stack || "(unknown stack)", changes, counts: summary, errors };
}

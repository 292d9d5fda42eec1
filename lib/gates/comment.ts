// The pull-request comment: per stack, what `pulumi preview` would change, the
// figures, and the gates' verdicts. Plain Markdown (headings, tables, lists, no
// links, no HTML) so GitHub and GitLab render it alike. Pure.
import { markdownTable } from "../report/markdown";
import { PHASE_FIGURE_TITLES, phaseFigureCells } from "../report/phase-table";
import type { GatesVerdict } from "./verdict";
import type { PreviewSummary } from "./preview";
import type { PhaseFigures } from "./repeats";
import type { RegressionRow } from "./regression";

/** A stack's outputs as the comment reads them. */
export interface CommentOutputs {
    benchmark?: string;
    target?: string;
    resultsStatus?: string;
    phases?: Record<string, PhaseFigures>;
    points?: Record<string, { phases?: Record<string, PhaseFigures> }>;
    valid?: boolean;
    invalidReasons?: string[];
    gates?: GatesVerdict;
}

export interface CommentInput {
    /** In the order given; each preview is one stack. */
    previews: PreviewSummary[];
    outputs: Array<{ source: string; outputs: CommentOutputs }>;
}

const n = (x: number | undefined, digits = 3) => (x === undefined ? "-" : Number.isFinite(x) ? `${+x.toFixed(digits)}` : String(x));
const signed = (x: number | undefined, unit = "") => (x === undefined ? "-" : `${x >= 0 ? "+" : ""}${n(x, 1)}${unit}`);

/**
 * One section per stack: a preview's stack, with the outputs that belong to it
 * (their benchmark name is the stack's, or their file is named "<stack>.json" or
 * "...-<stack>.json", as CI jobs name them), then outputs no preview claimed.
 * Headings start at level 4, so the comment nests under a caller's own heading.
 */
export function renderComment(input: CommentInput): string {
    const sections: Array<{ name: string; preview?: PreviewSummary; outputs?: CommentOutputs }> = input.previews.map((p) => ({ name: p.stack, preview: p }));
    for (const o of input.outputs) {
        const owner = sections.find((s) => !s.outputs && s.preview && belongsTo(o, s.preview.stack));
        if (owner) owner.outputs = o.outputs;
        else sections.push({ name: o.outputs.benchmark ?? o.source, outputs: o.outputs });
    }
    const verdicts = input.outputs.map((o) => o.outputs.gates?.status ?? "not judged");
    const headline = verdicts.includes("fail") ? "FAIL" : verdicts.includes("pass") ? "PASS" : "not judged";
    const parts = [`**dynamo-bench: ${headline}**. ${summaryLine(sections)}`];
    for (const s of sections) {
        parts.push(`#### ${s.name}`);
        if (s.preview) parts.push(...previewSection(s.preview));
        if (s.outputs) parts.push(...outputsSection(s.outputs));
    }
    return parts.join("\n\n") + "\n";
}

function belongsTo(o: { source: string; outputs: CommentOutputs }, stack: string): boolean {
    const file = o.source.split("/").pop() ?? "";
    return o.outputs.benchmark === stack || file === `${stack}.json` || file.endsWith(`-${stack}.json`);
}

function summaryLine(sections: Array<{ name: string; preview?: PreviewSummary; outputs?: CommentOutputs }>): string {
    return sections
        .map((s) => {
            // A read (the baseline's StackReference) is listed in the table but changes nothing.
            const count = s.preview?.changes.filter((c) => c.op !== "read").length ?? 0;
            const changes = s.preview ? `${count} change${count === 1 ? "" : "s"} in preview` : "";
            const gates = s.outputs ? `gates ${s.outputs.gates?.status ?? "not judged"}` : "";
            return `${s.name}: ${[changes, gates].filter(Boolean).join(", ")}`;
        })
        .join("; ");
}

function previewSection(p: PreviewSummary): string[] {
    const counts = Object.entries(p.counts)
        .filter(([, c]) => c > 0)
        .map(([op, c]) => `${c} ${op}`)
        .join(", ");
    const out = [`**Preview**: ${counts || "no steps"}`];
    if (p.errors.length > 0) out.push(p.errors.map((e) => `- preview error: ${oneLine(e)}`).join("\n"));
    if (p.changes.length > 0)
        out.push(markdownTable({ header: ["change", "type", "name"], rows: p.changes.map((c) => [c.op, c.type, c.name]), numeric: [false, false, false] }));
    else out.push("Nothing would change.");
    return out;
}

function outputsSection(o: CommentOutputs): string[] {
    const out: string[] = [];
    const phases = allPhases(o);
    if (Object.keys(phases).length === 0) out.push(`**Figures**: none (resultsStatus: ${o.resultsStatus ?? "unknown"})`);
    else {
        const repeated = Object.values(phases).some((p) => p.repeats);
        const rows = Object.entries(phases).map(([name, f]) => [name, ...(repeated ? [String(f.repeats?.count ?? 1)] : []), ...phaseFigureCells(f)]);
        const header = ["phase", ...(repeated ? ["runs"] : []), ...PHASE_FIGURE_TITLES];
        out.push(`**Figures**${repeated ? " (mean of the runs)" : ""}`, markdownTable({ header, rows, numeric: header.map((_, i) => i > 0) }));
    }
    const g = o.gates;
    out.push(`**Gates**: ${g?.status ?? "not judged"}${o.valid === false && g?.status !== "not judged" ? " (invalid run)" : ""}`);
    const lines = [...(g?.failures ?? []).map((f) => `- fails: ${oneLine(f)}`), ...(g?.recorded ?? []).map((r) => `- recorded: ${oneLine(r)}`)];
    if (lines.length > 0) out.push(lines.join("\n"));
    if (g && g.slo.length > 0) {
        const rows = g.slo.map((r) => [r.where, r.slo, n(r.value), r.pass ? "met" : "not met"]);
        out.push(markdownTable({ header: ["phase", "SLO", "measured", "verdict"], rows, numeric: [false, false, true, false] }));
    }
    if (g?.regression) out.push(`Compared with ${g.regression.baseline}:`, regressionTable(g.regression.rows));
    return out;
}

function regressionTable(rows: RegressionRow[]): string {
    const header = ["phase", "metric", "baseline", "current", "difference", "tolerance", "spread", "verdict"];
    const cells = rows.map((r) => [
        r.where,
        r.metric,
        n(r.baseline),
        n(r.current),
        signed(r.differencePct, "%"),
        `${n(r.tolerancePct)}%`,
        n(r.spread),
        r.verdict,
    ]);
    return markdownTable({ header, rows: cells, numeric: [false, false, true, true, true, true, true, false] });
}

/** The phases, or each sweep point's as "<point>/<phase>". */
function allPhases(o: CommentOutputs): Record<string, PhaseFigures> {
    if (!o.points) return o.phases ?? {};
    return Object.fromEntries(Object.entries(o.points).flatMap(([id, p]) => Object.entries(p.phases ?? {}).map(([name, f]) => [`${id}/${name}`, f])));
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

// What happened to each CloudAI field: the import report's lines, and the
// report as Markdown (printed by the command, written next to the stack file).
import * as path from "node:path";

export type Outcome =
    /** Carried over to the named setting. */
    | "mapped"
    /** Carried over, but changed so the stack runs here; the note says how and why. */
    | "adjusted"
    /** Read to decide something else (the template, the topology); it has no setting of its own. */
    | "used"
    /** CloudAI itself does not act on it, so there is nothing to carry. */
    | "ignored by CloudAI"
    /** Known to CloudAI and to us, with no equivalent here yet; the note says why. */
    | "not mapped"
    /** A field neither CloudAI's models as we know them nor this importer know: check its spelling. */
    | "unknown"
    /** A secret: never written to a file; the note gives the command that sets it. */
    | "secret";

export interface ReportLine {
    /** The CloudAI field, dotted (keys as normalised: underscores). */
    field: string;
    /** The file the value came from. */
    source: string;
    outcome: Outcome;
    /** The dynamo-bench setting(s) it went to. */
    to?: string;
    note: string;
    /** The value, shortened; never set for a secret. */
    value?: string;
}

export interface ImportReport {
    stack: string;
    scenario: string;
    testRun: string;
    target: string;
    lines: ReportLine[];
    /** `pulumi config set --secret ...` commands the user runs (values never written). */
    secretCommands: string[];
    /** Config validation: "ok", or each problem with the field to fix. */
    validation: { ok: true; summary: string } | { ok: false; problems: string[] };
}

export function describeValue(value: unknown): string {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const ORDER: Outcome[] = ["unknown", "secret", "not mapped", "adjusted", "ignored by CloudAI", "used", "mapped"];

export function countByOutcome(lines: readonly ReportLine[]): Partial<Record<Outcome, number>> {
    const counts: Partial<Record<Outcome, number>> = {};
    for (const l of lines) counts[l.outcome] = (counts[l.outcome] ?? 0) + 1;
    return counts;
}

/** One line: "12 mapped, 3 not mapped, 1 unknown". */
export function summaryLine(lines: readonly ReportLine[]): string {
    const counts = countByOutcome(lines);
    return ORDER.filter((o) => counts[o])
        .map((o) => `${counts[o]} ${o}`)
        .join(", ");
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderReport(r: ImportReport): string {
    const out = [
        `# CloudAI import: ${r.stack}`,
        "",
        `Scenario ${r.scenario}, test run "${r.testRun}", target ${r.target}: stacks/Pulumi.${r.stack}.yaml (or the --out folder).`,
        "",
        `Fields: ${summaryLine(r.lines)}.`,
        "",
        "## Validation",
        "",
        ...(r.validation.ok
            ? [r.validation.summary]
            : ["The stack does not validate yet; fix these fields:", "", ...r.validation.problems.map((p) => `- ${p}`)]),
        "",
    ];
    if (r.secretCommands.length > 0) out.push("## Secrets", "", "Not copied into the stack file; set them with:", "", "```sh", ...r.secretCommands, "```", "");
    for (const outcome of ORDER) {
        const lines = r.lines.filter((l) => l.outcome === outcome);
        if (lines.length === 0) continue;
        out.push(
            `## ${outcome[0]!.toUpperCase()}${outcome.slice(1)} (${lines.length})`,
            "",
            "| CloudAI field | from | value | dynamo-bench | why |",
            "|---|---|---|---|---|",
        );
        for (const l of lines) {
            const value = l.value === undefined ? "" : `\`${cell(l.value)}\``;
            out.push(`| \`${cell(l.field)}\` | ${path.basename(l.source)} | ${value} | ${l.to ? `\`${cell(l.to)}\`` : ""} | ${cell(l.note)} |`);
        }
        out.push("");
    }
    return out.join("\n");
}

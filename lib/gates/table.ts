// The gates' verdict as a plain-text table for the terminal (`dynamo-bench gate`). Pure.
import type { GatesVerdict } from "./verdict";

const n = (x: number | undefined) => (x === undefined ? "-" : Number.isFinite(x) ? `${+x.toFixed(3)}` : String(x));

export function renderVerdictTable(title: string, verdict: GatesVerdict, invalidReasons: readonly string[], validityRecorded: boolean): string {
    const rows: string[][] = [["check", "where", "what", "measured", "verdict"]];
    if (!validityRecorded) rows.push(["validity", "-", "not recorded in these outputs (made before the gates existed)", "-", "-"]);
    for (const reason of invalidReasons) {
        const [where, ...rest] = reason.split(": ");
        rows.push(["validity", rest.length > 0 ? where! : "-", rest.length > 0 ? rest.join(": ") : reason, "-", "invalid"]);
    }
    if (validityRecorded && invalidReasons.length === 0 && verdict.status !== "not judged")
        rows.push(["validity", "all", "every phase ran as asked", "-", "valid"]);
    for (const r of verdict.slo) rows.push(["slo", r.where, r.slo, n(r.value), r.pass ? "met" : "not met"]);
    for (const r of verdict.regression?.rows ?? []) {
        const diff = r.differencePct === undefined ? "" : ` (${r.differencePct >= 0 ? "+" : ""}${n(r.differencePct)}%)`;
        const measured = `${n(r.baseline)} -> ${n(r.current)}${diff}`;
        rows.push([
            "regression",
            r.where,
            `${r.metric} within ${n(r.tolerancePct)}%${r.spread > 0 ? `, spread ${n(r.spread)}` : ""}`,
            measured,
            r.note ? `${r.verdict}: ${r.note}` : r.verdict,
        ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
    const against = verdict.regression ? `, against ${verdict.regression.baseline}` : "";
    const failures = verdict.failures.map((f) => `  fails: ${f.replace(/\s*\n\s*/g, " ")}`);
    const recorded = verdict.recorded.map((f) => `  recorded: ${f.replace(/\s*\n\s*/g, " ")}`);
    return [`${title}: ${verdict.status.toUpperCase()}${against}`, ...lines.map((l) => `  ${l}`), ...failures, ...recorded].join("\n");
}

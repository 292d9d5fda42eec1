/** Human-readable, aligned text rendering of a RunSummary (used by `dynamo-bench results`). */

import type { Metric } from "./model";
import { formatNumber, type StatKey } from "./numbers";
import type { RunSummary } from "./summary";

const TABLE_STATS: StatKey[] = ["avg", "min", "max", "std", "p50", "p90", "p95", "p99"];

/** Render rows as an aligned table. `right[i]` right-aligns column i. */
export function alignTable(rows: string[][], right: boolean[], indent = "  "): string {
    const widths: number[] = [];
    for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
    return rows
        .map(
            (r) =>
                indent +
                r
                    .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
                    .join("  ")
                    .trimEnd(),
        )
        .join("\n");
}

function label(m: Metric): string {
    return m.known ? m.id : m.name;
}

function cell(m: Metric, k: StatKey): string {
    const v = m.stats[k];
    if (v !== undefined) return formatNumber(v) + (m.approximate?.includes(k) ? "~" : "");
    const nf = m.nonFinite?.[k];
    return nf ?? "";
}

export function renderSummary(s: RunSummary): string {
    const out: string[] = [];
    const tool = s.tool.name + (s.tool.version ? ` ${s.tool.version}` : "");
    out.push(`Run ${s.label}  (${tool}${s.phase ? `, phase ${s.phase}` : ""})`);
    for (const src of s.sources) {
        out.push(`  source: ${src.file}  [${src.format}${src.records !== undefined ? `, ${src.records} records` : ""}]`);
    }
    const params = Object.entries(s.parameters);
    if (params.length > 0) out.push(`  parameters: ${params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
    const topo = Object.entries(s.topology);
    if (topo.length > 0) out.push(`  topology: ${topo.map(([k, v]) => `${k}=${v}`).join(" ")}`);

    const all = Object.values(s.metrics);
    const dist = all.filter((m) => !m.scalar);
    const scalars = all.filter((m) => m.scalar);
    if (dist.length > 0) {
        const cols = TABLE_STATS.filter((k) => dist.some((m) => m.stats[k] !== undefined || m.nonFinite?.[k] !== undefined));
        const rows = [["Metric", "Unit", ...cols], ...dist.map((m) => [label(m), m.unit ?? "", ...cols.map((k) => cell(m, k))])];
        out.push("", alignTable(rows, [false, false, ...cols.map(() => true)]));
    }
    if (scalars.length > 0) {
        const rows = [["Metric", "Unit", "Value"], ...scalars.map((m) => [label(m), m.unit ?? "", cell(m, "avg")])];
        out.push("", alignTable(rows, [false, false, true]));
    }
    const derived = Object.entries(s.derived);
    if (derived.length > 0) {
        const rows = [["Derived", "Unit", "Value", "Basis"], ...derived.map(([k, d]) => [k, d.unit, formatNumber(d.value), d.basis])];
        out.push("", alignTable(rows, [false, false, true, false]));
    }
    for (const ph of Object.values(s.phases)) {
        const parts = [`requests=${ph.requestCount ?? "?"}`, `errors=${ph.errorCount ?? "?"}`];
        if (ph.durationS !== undefined) parts.push(`duration=${formatNumber(ph.durationS)}s`);
        for (const id of ["ttft", "itl", "requestLatency"]) {
            const m = ph.metrics[id];
            if (m?.stats.p50 !== undefined) parts.push(`${id} p50=${formatNumber(m.stats.p50)}${m.unit ?? ""}`);
        }
        out.push("", `  phase ${ph.phase}: ${parts.join(" ")}`);
    }
    if (s.errorSummary && s.errorSummary.length > 0) {
        out.push("", "  errors:");
        for (const e of s.errorSummary)
            out.push(`    ${e.count} × ${e.type ?? "error"}${e.code !== undefined ? ` (${e.code})` : ""}${e.message ? `: ${e.message.slice(0, 120)}` : ""}`);
    }
    if (s.gpuTelemetry.length > 0) {
        const gpus = new Set(s.gpuTelemetry.map((r) => `${r.endpoint ?? ""}/${r.gpu}`));
        const rows = [
            ["GPU", "Telemetry", "Unit", "avg/value", "min", "max"],
            ...s.gpuTelemetry.map((r) => [
                r.gpu,
                r.metric,
                r.unit ?? "",
                r.value !== undefined ? formatNumber(r.value) : r.stats.avg !== undefined ? formatNumber(r.stats.avg) : "",
                r.stats.min !== undefined ? formatNumber(r.stats.min) : "",
                r.stats.max !== undefined ? formatNumber(r.stats.max) : "",
            ]),
        ];
        out.push("", `  GPU telemetry: ${s.gpuTelemetry.length} rows, ${gpus.size} GPU(s) (informational; per-GPU figures use the topology passed in)`);
        out.push(alignTable(rows, [false, false, false, true, true, true]));
    }
    if (s.serverMetrics.length > 0) {
        const rows = [
            ["Server metric", "Type", "Unit", "Values"],
            ...s.serverMetrics.map((r) => [
                r.metric,
                r.type,
                r.unit ?? "",
                [...Object.entries(r.values).map(([k, v]) => `${k}=${formatNumber(v)}`), ...Object.entries(r.labels).map(([k, v]) => `${k}=${v}`)].join(" "),
            ]),
        ];
        out.push("", alignTable(rows, [false, false, false, false]));
    }
    if (s.warnings.length > 0) {
        out.push("", "  warnings:");
        for (const w of s.warnings) out.push(`    - ${w}`);
    }
    return out.join("\n") + "\n";
}

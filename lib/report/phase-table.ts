// A compact table of the phases' key figures, read from stack outputs: what a
// performance engineer scans first after `pulumi up`.
import type { DistributionOutput, StackOutputs } from "../results";

interface Column {
    title: string;
    value: (o: StackOutputs) => number | undefined;
    digits: number;
}

const dist = (pick: (o: StackOutputs) => DistributionOutput | undefined, stat: keyof DistributionOutput) => (o: StackOutputs) => pick(o)?.[stat];

const COLUMNS: Column[] = [
    { title: "TTFT avg ms", value: dist((o) => o.ttftMs, "avg"), digits: 1 },
    { title: "TTFT p50", value: dist((o) => o.ttftMs, "p50"), digits: 1 },
    { title: "TTFT p99", value: dist((o) => o.ttftMs, "p99"), digits: 1 },
    { title: "ITL avg ms", value: dist((o) => o.itlMs, "avg"), digits: 2 },
    { title: "ITL p99", value: dist((o) => o.itlMs, "p99"), digits: 2 },
    { title: "latency p50 ms", value: dist((o) => o.requestLatencyMs, "p50"), digits: 1 },
    { title: "latency p90", value: dist((o) => o.requestLatencyMs, "p90"), digits: 1 },
    { title: "latency p99", value: dist((o) => o.requestLatencyMs, "p99"), digits: 1 },
    { title: "out tok/s", value: (o) => o.outputTokenThroughputTokPerS, digits: 1 },
    { title: "tok/s/GPU", value: (o) => o.outputTokenThroughputPerGpuTokPerS, digits: 1 },
    { title: "tok/s/user", value: (o) => o.outputTokenThroughputPerUserTokPerS, digits: 1 },
    { title: "req/s", value: (o) => o.requestThroughputReqPerS, digits: 2 },
    { title: "requests", value: (o) => o.requestCount, digits: 0 },
    { title: "errors", value: (o) => o.errorCount, digits: 0 },
];

/** The titles of the key figures, in table order (the report's tables reuse them). */
export const PHASE_FIGURE_TITLES: readonly string[] = COLUMNS.map((c) => c.title);

/** One phase's key figures as text, in the order of PHASE_FIGURE_TITLES; "-" for a figure the outputs lack. */
export function phaseFigureCells(figures: StackOutputs): string[] {
    return COLUMNS.map((c) => format(c.value(figures), c.digits));
}

/** Rows are phases in the order given; a figure the outputs lack shows as "-". */
export function renderPhaseTable(phases: Record<string, StackOutputs>): string {
    const names = Object.keys(phases);
    if (names.length === 0) return "(no phases with results)";
    const header = ["phase", ...PHASE_FIGURE_TITLES];
    const rows = names.map((name) => [name, ...phaseFigureCells(phases[name]!)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
    return [line(header), ...rows.map(line)].join("\n");
}

function format(value: number | undefined, digits: number): string {
    return value === undefined ? "-" : value.toFixed(digits);
}

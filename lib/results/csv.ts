/**
 * CSV exports of genai-perf and AIPerf: multi-table files split at header rows,
 * cells read by header name, never by position.
 *
 * Tables recognised (header → kind):
 *   Metric,avg|p99|...            request statistics (genai-perf p99..p25[,p10,p5,p1]; AIPerf avg,[sum,]min,max,p1..p99,std)
 *   Metric,Value                  request scalars (throughput, counts, duration)
 *   Metric,GPU,<stats>            genai-perf GPU telemetry
 *   Metric,GPU,Value              genai-perf constant GPU telemetry
 *   Endpoint,GPU_Index,...        AIPerf GPU telemetry
 *   Endpoint,Type,Metric,...      AIPerf server metrics (gauge / counter / histogram)
 *   Endpoint,Metric,Key,Value,... AIPerf server metrics (info)
 */

import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { ResultsError } from "./errors";
import { type GpuTelemetryRow, type Metric, type ParsedExport, type ServerMetricRow, type ToolName, makeMetric } from "./model";
import { gpuMetricBase, splitNameUnit } from "./names";
import { type NonFinite, type StatKey, type Stats, isStatKey, parseCell } from "./numbers";

export interface CsvRow {
    cells: string[];
    /** 1-based line number in the file. */
    line: number;
}

export type TableKind = "request-stats" | "request-scalars" | "gpu-stats" | "gpu-values" | "aiperf-gpu" | "server-typed" | "server-info";

export interface CsvTable {
    kind: TableKind;
    header: string[];
    /** Lower-cased, trimmed header cells. */
    keys: string[];
    headerLine: number;
    rows: CsvRow[];
}

interface CsvText {
    rows: CsvRow[];
    /** `# key: value` lines of a comment preamble (server-metrics export). */
    preamble: Record<string, string>;
    endsWithNewline: boolean;
}

function isBlank(cells: string[]): boolean {
    return cells.every((c) => c.trim() === "");
}

/** Parse CSV text into rows with line numbers. Throws ResultsError (EMPTY, PARTIAL, MALFORMED, FOREIGN). */
export function readCsvRows(text: string, file: string): CsvText {
    let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim() === "") throw new ResultsError("EMPTY", file, "file is empty", 1);

    // A comment preamble ("# AIPerf Server Metrics Export (CSV)", "# aiperf_version: 0.0.0", ...).
    // Only leading lines starting with '#' are comments: a metric name could start with '#'.
    // They are blanked, not removed, so line numbers stay true.
    const preamble: Record<string, string> = {};
    if (body.startsWith("#")) {
        const lines = body.split("\n");
        let i = 0;
        for (; i < lines.length && lines[i].startsWith("#"); i++) {
            const m = /^#\s*([A-Za-z_][\w ]*?)\s*:\s*(.*?)\s*\r?$/.exec(lines[i]);
            if (m) preamble[m[1]] = m[2];
            lines[i] = "";
        }
        body = lines.join("\n");
        if (body.trim() === "") throw new ResultsError("PARTIAL", file, "only a comment preamble, no table", i);
    }

    let records: Array<{ record: string[]; info: { lines: number } }>;
    try {
        records = parse(body, {
            bom: false,
            relax_column_count: true,
            skip_empty_lines: false,
            record_delimiter: ["\r\n", "\n", "\r"],
            trim: true,
            info: true,
        }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    } catch (e) {
        const err = e as { code?: string; lines?: number; message?: string };
        const line = typeof err.lines === "number" ? err.lines : undefined;
        if (err.code === "CSV_QUOTE_NOT_CLOSED") {
            throw new ResultsError("PARTIAL", file, "file ends inside a quoted field (truncated?)", line);
        }
        throw new ResultsError("MALFORMED", file, `CSV syntax error: ${err.message ?? String(e)}`, line);
    }
    const rows = records.map((r) => ({ cells: r.record, line: r.info.lines }));
    return { rows, preamble, endsWithNewline: /[\r\n]$/.test(body) };
}

function classify(keys: string[]): TableKind | undefined {
    if (keys[0] === "metric") {
        if (keys.length === 2 && keys[1] === "value") return "request-scalars";
        if (keys[1] === "gpu") {
            if (keys.length === 3 && keys[2] === "value") return "gpu-values";
            return keys.slice(2).some(isStatKey) ? "gpu-stats" : undefined;
        }
        return keys.slice(1).some(isStatKey) ? "request-stats" : undefined;
    }
    if (keys[0] === "endpoint" && keys.includes("metric")) {
        if (keys.includes("gpu_index")) return "aiperf-gpu";
        if (keys.includes("type")) return "server-typed";
        if (keys.includes("key") && keys.includes("value")) return "server-info";
    }
    return undefined;
}

function isHeaderRow(cells: string[]): boolean {
    const first = cells[0]?.trim().toLowerCase();
    if (first === "metric") return true;
    return first === "endpoint" && cells.some((c) => c.trim().toLowerCase() === "metric");
}

/** Split rows into tables at header rows. Blank rows are ignored (the tools write 0, 1 or 2 between tables). */
export function splitTables(csv: CsvText, file: string): CsvTable[] {
    const tables: CsvTable[] = [];
    let current: CsvTable | undefined;
    const last = csv.rows.length - 1;
    for (let i = 0; i <= last; i++) {
        const row = csv.rows[i];
        if (isBlank(row.cells)) continue;
        if (isHeaderRow(row.cells)) {
            const keys = row.cells.map((c) => c.trim().toLowerCase());
            const kind = classify(keys);
            if (kind === undefined) {
                throw new ResultsError(
                    "FOREIGN",
                    file,
                    `table header "${row.cells.join(",")}" is not a genai-perf/AIPerf layout (no known statistic columns)`,
                    row.line,
                );
            }
            current = { kind, header: row.cells, keys, headerLine: row.line, rows: [] };
            tables.push(current);
            continue;
        }
        if (current === undefined) {
            const first = row.cells[0] ?? "";
            if (row.cells.length === 1 && /^(metric|endpoint);/i.test(first)) {
                throw new ResultsError(
                    "FOREIGN",
                    file,
                    "semicolon-delimited CSV (a spreadsheet re-save?); export it again with ',' as delimiter and '.' as decimal point",
                    row.line,
                );
            }
            throw new ResultsError(
                "FOREIGN",
                file,
                `expected a "Metric,..." or "Endpoint,..." header row, found "${row.cells.join(",").slice(0, 80)}"`,
                row.line,
            );
        }
        if (row.cells.length !== current.header.length) {
            const truncated = i === last && !csv.endsWithNewline && row.cells.length < current.header.length;
            throw new ResultsError(
                truncated ? "PARTIAL" : "MALFORMED",
                file,
                truncated
                    ? `last row has ${row.cells.length} of ${current.header.length} fields: file ends mid-row (truncated?)`
                    : `row has ${row.cells.length} fields, the header at line ${current.headerLine} has ${current.header.length}`,
                row.line,
            );
        }
        current.rows.push(row);
    }
    if (tables.length === 0) throw new ResultsError("FOREIGN", file, "no table header found", 1);
    return tables;
}

interface StatCells {
    stats: Stats;
    nonFinite: Partial<Record<StatKey, NonFinite>>;
    count?: number;
}

function notANumber(file: string, row: CsvRow, column: string, text: string): ResultsError {
    return new ResultsError("MALFORMED", file, `column "${column}" of "${row.cells[0]}": "${text}" is not a number`, row.line);
}

/** Read the statistic cells of a row by header name. */
function readStats(table: CsvTable, row: CsvRow, file: string, skip: ReadonlySet<number>): StatCells {
    const out: StatCells = { stats: {}, nonFinite: {} };
    for (let i = 0; i < table.keys.length; i++) {
        if (skip.has(i)) continue;
        const key = table.keys[i];
        if (!isStatKey(key) && key !== "count") continue;
        const cell = parseCell(row.cells[i]);
        if (cell.kind === "missing") continue;
        if (cell.kind === "invalid" || cell.kind === "bool") throw notANumber(file, row, table.header[i], row.cells[i]);
        if (key === "count") {
            if (cell.kind === "number") out.count = cell.value;
            continue;
        }
        if (cell.kind === "number") out.stats[key] = cell.value;
        else out.nonFinite[key] = cell.value;
    }
    return out;
}

function columnIndex(table: CsvTable, ...names: string[]): number {
    for (const n of names) {
        const i = table.keys.indexOf(n);
        if (i >= 0) return i;
    }
    return -1;
}

function detectTool(file: string, tables: CsvTable[]): ToolName {
    const name = path.basename(file).toLowerCase();
    if (name.endsWith("_genai_perf.csv")) return "genai-perf";
    if (name.includes("aiperf") || name.includes("server_metrics")) return "aiperf";
    for (const t of tables) {
        if (t.kind === "aiperf-gpu" || t.kind === "server-typed" || t.kind === "server-info") return "aiperf";
        if (t.kind === "gpu-stats" || t.kind === "gpu-values") return "genai-perf";
        if (t.kind === "request-stats") {
            if (t.keys.includes("std") || t.keys.includes("sum")) return "aiperf";
            const p99 = t.keys.indexOf("p99");
            const p25 = t.keys.indexOf("p25");
            if (p99 >= 0 && p25 >= 0) return p99 < p25 ? "genai-perf" : "aiperf";
        }
    }
    for (const t of tables) {
        if (t.kind !== "request-scalars") continue;
        for (const r of t.rows) {
            const label = r.cells[0];
            if (/\((per sec|count)\)\s*$/.test(label)) return "genai-perf";
            if (/\(requests\/sec\)\s*$/.test(label) || /^request count$/i.test(label.trim())) return "aiperf";
        }
    }
    return "unknown";
}

/**
 * Parse a genai-perf or AIPerf CSV export: summary tables, GPU telemetry tables
 * and server-metrics tables, each kept in its own place.
 */
export function parseCsvExport(text: string, file: string): ParsedExport {
    const csv = readCsvRows(text, file);
    const tables = splitTables(csv, file);
    const tool = detectTool(file, tables);
    const warnings: string[] = [];
    const metrics: Record<string, Metric> = {};
    const gpuTelemetry: GpuTelemetryRow[] = [];
    const serverMetrics: ServerMetricRow[] = [];
    const none = new Set<number>();

    const firstLine: Record<string, number> = {};
    const addMetric = (m: Metric, line: number) => {
        if (tool === "genai-perf" && m.id === "goodput" && m.stats.avg === -1) {
            warnings.push(`${file}:${line}: "${m.name}" is -1.00, genai-perf's marker for an invalid goodput spec; ignored`);
            return;
        }
        if (metrics[m.id] !== undefined) {
            warnings.push(`${file}:${line}: metric "${m.name}" (${m.id}) was already read at line ${firstLine[m.id]}; the first is kept`);
            return;
        }
        metrics[m.id] = m;
        firstLine[m.id] = line;
    };

    for (const table of tables) {
        switch (table.kind) {
            case "request-stats": {
                const unknown = table.keys.slice(1).filter((k) => !isStatKey(k) && k !== "count");
                if (unknown.length > 0) warnings.push(`${file}:${table.headerLine}: columns ignored: ${unknown.join(", ")}`);
                for (const row of table.rows) {
                    const { base, unit } = splitNameUnit(row.cells[0]);
                    const s = readStats(table, row, file, none);
                    addMetric(
                        makeMetric({
                            name: row.cells[0],
                            lookup: base,
                            unit,
                            stats: s.stats,
                            scalar: false,
                            count: s.count,
                            nonFinite: s.nonFinite,
                            source: file,
                            warnings,
                        }),
                        row.line,
                    );
                }
                break;
            }
            case "request-scalars": {
                for (const row of table.rows) {
                    const { base, unit } = splitNameUnit(row.cells[0]);
                    const cell = parseCell(row.cells[1]);
                    const stats: Stats = {};
                    const nonFinite: Partial<Record<StatKey, NonFinite>> = {};
                    if (cell.kind === "number") stats.avg = cell.value;
                    else if (cell.kind === "nonfinite") nonFinite.avg = cell.value;
                    else if (cell.kind === "bool") {
                        warnings.push(`${file}:${row.line}: "${row.cells[0]}" is a boolean (${row.cells[1]}); not a metric, ignored`);
                        continue;
                    } else if (cell.kind === "invalid") throw notANumber(file, row, table.header[1], row.cells[1]);
                    addMetric(makeMetric({ name: row.cells[0], lookup: base, unit, stats, scalar: true, nonFinite, source: file, warnings }), row.line);
                }
                break;
            }
            case "gpu-stats":
            case "gpu-values": {
                for (const row of table.rows) {
                    const { base, unit } = splitNameUnit(row.cells[0]);
                    const r: GpuTelemetryRow = { gpu: row.cells[1], metric: gpuMetricBase(base), name: row.cells[0], stats: {}, source: file, line: row.line };
                    if (unit !== undefined) r.unit = unit;
                    if (table.kind === "gpu-values") {
                        const cell = parseCell(row.cells[2]);
                        if (cell.kind === "number") r.value = cell.value;
                        else if (cell.kind === "nonfinite") r.nonFinite = { value: cell.value };
                        else if (cell.kind !== "missing") throw notANumber(file, row, table.header[2], row.cells[2]);
                    } else {
                        const s = readStats(table, row, file, new Set([0, 1]));
                        r.stats = s.stats;
                        if (Object.keys(s.nonFinite).length > 0) r.nonFinite = s.nonFinite;
                    }
                    gpuTelemetry.push(r);
                }
                break;
            }
            case "aiperf-gpu": {
                const iEndpoint = columnIndex(table, "endpoint");
                const iIndex = columnIndex(table, "gpu_index");
                const iName = columnIndex(table, "gpu_name");
                const iUuid = columnIndex(table, "gpu_uuid");
                const iMetric = columnIndex(table, "metric");
                const fixed = new Set([iEndpoint, iIndex, iName, iUuid, iMetric]);
                for (const row of table.rows) {
                    const { base, unit } = splitNameUnit(row.cells[iMetric]);
                    const s = readStats(table, row, file, fixed);
                    const r: GpuTelemetryRow = {
                        endpoint: row.cells[iEndpoint],
                        gpu: row.cells[iIndex],
                        metric: gpuMetricBase(base),
                        name: row.cells[iMetric],
                        stats: s.stats,
                        source: file,
                        line: row.line,
                    };
                    if (iName >= 0 && row.cells[iName] !== "") r.gpuName = row.cells[iName];
                    if (iUuid >= 0 && row.cells[iUuid] !== "") r.gpuUuid = row.cells[iUuid];
                    if (unit !== undefined) r.unit = unit;
                    if (Object.keys(s.nonFinite).length > 0) r.nonFinite = s.nonFinite;
                    const labels: Record<string, string> = {};
                    table.keys.forEach((k, i) => {
                        if (!fixed.has(i) && !isStatKey(k) && k !== "count" && row.cells[i] !== "") labels[table.header[i]] = row.cells[i];
                    });
                    if (Object.keys(labels).length > 0) r.labels = labels;
                    gpuTelemetry.push(r);
                }
                break;
            }
            case "server-typed":
            case "server-info": {
                const iEndpoint = columnIndex(table, "endpoint");
                const iType = columnIndex(table, "type");
                const iMetric = columnIndex(table, "metric");
                const iUnit = columnIndex(table, "unit");
                const iDesc = columnIndex(table, "description");
                const fixed = new Set([iEndpoint, iType, iMetric, iUnit, iDesc]);
                const numeric = (k: string) =>
                    table.kind === "server-typed" &&
                    (isStatKey(k) || /^(total|rate|rate_(avg|min|max|std)|count|count_rate|sum|sum_rate|p\d+(_estimate)?)$/.test(k));
                for (const row of table.rows) {
                    const r: ServerMetricRow = {
                        endpoint: row.cells[iEndpoint],
                        type: iType >= 0 ? row.cells[iType] : "info",
                        metric: row.cells[iMetric],
                        values: {},
                        labels: {},
                        source: file,
                        line: row.line,
                    };
                    if (iUnit >= 0 && row.cells[iUnit] !== "") r.unit = row.cells[iUnit];
                    if (iDesc >= 0 && row.cells[iDesc] !== "") r.description = row.cells[iDesc];
                    table.keys.forEach((k, i) => {
                        if (fixed.has(i)) return;
                        const text = row.cells[i];
                        if (numeric(k)) {
                            const cell = parseCell(text);
                            if (cell.kind === "number") r.values[table.header[i]] = cell.value;
                            else if (cell.kind === "invalid" || cell.kind === "bool") throw notANumber(file, row, table.header[i], text);
                        } else if (text !== "") {
                            r.labels[table.header[i]] = text;
                        }
                    });
                    serverMetrics.push(r);
                }
                break;
            }
        }
    }

    const isServer = tables.some((t) => t.kind === "server-typed" || t.kind === "server-info");
    const out: ParsedExport = {
        file,
        kind: isServer ? "server-metrics-csv" : "summary-csv",
        tool,
        format: isServer ? "aiperf-server-metrics-csv" : tool === "unknown" ? "csv" : `${tool}-csv`,
        metrics,
        gpuTelemetry,
        serverMetrics,
        warnings,
        bytes: Buffer.byteLength(text, "utf8"),
    };
    const version = csv.preamble["aiperf_version"];
    if (version !== undefined) out.toolVersion = version;
    if (csv.preamble["schema_version"] !== undefined) out.format += ` (schema ${csv.preamble["schema_version"]})`;
    return out;
}

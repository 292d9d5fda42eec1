/**
 * Export files: which is which (by name, else by content), parsing one file
 * (from disk or from a string), and finding the files of each run in a
 * directory tree. Folder and file names vary by tool version and flags, so the
 * search is recursive and never relies on a fixed run-directory name.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { parseCsvExport } from "./csv";
import { ResultsError } from "./errors";
import { parseJsonExport } from "./json";
import type { ExportKind, ParsedExport } from "./model";
import { type RecordsOptions, parseRecordsFile, parseRecordsText } from "./records";

export interface ExportFile {
    path: string;
    kind: ExportKind;
    /** Directory the file is in. */
    dir: string;
    /** File-name prefix shared by the files of one run ("" for AIPerf's default names). */
    prefix: string;
}

/** A group of export files written by one run (same directory and name prefix). */
export interface RunFiles {
    /** Directory relative to the searched root ("." for the root), plus "/<prefix>" when the prefix is not empty. */
    label: string;
    dir: string;
    prefix: string;
    files: ExportFile[];
}

type NameClass = { kind: ExportKind; prefix: string } | "skip" | undefined;

const SKIP: RegExp[] = [
    /\.partial$/, // AIPerf writes here first, then renames
    /^analyze_export_genai_perf\.csv$/, // genai-perf analyze sweep table, other layout
    /_aggregate\.(csv|json)$/, // AIPerf multi-run aggregates (mean/std/CI)
    /_collated\.json$/,
    /_timeslices\.(csv|json)$/,
    /^accuracy_results\.csv$/,
    /^inputs\.json$/,
    /_raw\.jsonl$/,
    /gpu_telemetry(_export)?\.jsonl$/,
    /^outputs\.json$/,
    /^checkpoint\.json$/,
    /server_metrics(_export)?\.(json|jsonl|parquet)$/,
    /(^|_)profile_export\.json$/, // perf_analyzer's raw per-request export (genai-perf runs)
];

/** Classify a file by its name alone. undefined: a .csv/.json/.jsonl whose name says nothing (look at the content). */
export function classifyName(fileName: string): NameClass {
    const name = path.basename(fileName).toLowerCase();
    const base = path.basename(fileName);
    const cut = (suffix: string) => base.slice(0, base.length - suffix.length);
    if (SKIP.some((r) => r.test(name))) return "skip";
    // genai-perf's default stem is "profile_export" (from --profile-export-file profile_export.json): no prefix.
    const stem = (suffix: string) => (name === `profile_export${suffix}` ? "" : cut(suffix));
    if (name.endsWith("_genai_perf.csv")) return { kind: "summary-csv", prefix: stem("_genai_perf.csv") };
    if (name.endsWith("_genai_perf.json")) return { kind: "summary-json", prefix: stem("_genai_perf.json") };
    if (name.endsWith("profile_export_aiperf.csv")) return { kind: "summary-csv", prefix: cut("profile_export_aiperf.csv") };
    if (name.endsWith("profile_export_aiperf.json")) return { kind: "summary-json", prefix: cut("profile_export_aiperf.json") };
    if (name.endsWith("server_metrics_export.csv")) return { kind: "server-metrics-csv", prefix: cut("server_metrics_export.csv") };
    if (name.endsWith("_server_metrics.csv")) return { kind: "server-metrics-csv", prefix: cut("_server_metrics.csv") };
    if (name.endsWith("profile_export.jsonl")) return { kind: "records-jsonl", prefix: cut("profile_export.jsonl") };
    if (name.endsWith(".jsonl") && name.includes("profile_export")) return { kind: "records-jsonl", prefix: cut(".jsonl") };
    return undefined;
}

/** Guess the kind from the first bytes of the content. undefined: not an export this library reads. */
export function sniffKind(fileName: string, head: string): ExportKind | undefined {
    const text = (head.charCodeAt(0) === 0xfeff ? head.slice(1) : head).trimStart();
    const ext = path.extname(fileName).toLowerCase();
    if (text.startsWith("{")) {
        const firstLine = text.split("\n", 1)[0];
        // AIPerf records start with {"metadata": ...} (a summary JSON is pretty-printed or has no such keys).
        if (/^\{\s*"(metadata|metrics|error)"\s*:/.test(firstLine) || (ext === ".jsonl" && /"metrics"\s*:/.test(firstLine))) return "records-jsonl";
        if (ext === ".jsonl") return undefined;
        return /"(records|schema_version|aiperf_version|request_throughput|request_latency|time_to_first_token|request_count)"\s*:/.test(text)
            ? "summary-json"
            : undefined;
    }
    if (/^#[^\n]*server metrics/i.test(text)) return "server-metrics-csv";
    if (/^metric,/i.test(text)) return "summary-csv";
    if (/^endpoint,/i.test(text)) return /^endpoint,type,/i.test(text) || /^endpoint,metric,key,/i.test(text) ? "server-metrics-csv" : "summary-csv";
    return undefined;
}

function kindByExtension(fileName: string): ExportKind | undefined {
    switch (path.extname(fileName).toLowerCase()) {
        case ".csv":
            return "summary-csv";
        case ".json":
            return "summary-json";
        case ".jsonl":
            return "records-jsonl";
        default:
            return undefined;
    }
}

function resolveKind(fileName: string, head: string): ExportKind {
    const byName = classifyName(fileName);
    if (byName !== undefined && byName !== "skip") return byName.kind;
    const kind = sniffKind(fileName, head) ?? kindByExtension(fileName);
    if (kind === undefined) {
        throw new ResultsError("FOREIGN", fileName, "not a genai-perf/AIPerf export (expected .csv, .json or .jsonl content)", 1);
    }
    return kind;
}

function parseText(kind: ExportKind, text: string, file: string, options: RecordsOptions): ParsedExport {
    switch (kind) {
        case "summary-csv":
        case "server-metrics-csv":
            return parseCsvExport(text, file);
        case "summary-json":
            return parseJsonExport(text, file);
        case "records-jsonl":
            return parseRecordsText(text, file, options);
    }
}

/** Parse one export held in memory. `name` (a file name or path) picks the format, else the content does. */
export function parseExport(name: string, content: string, options: RecordsOptions = {}): ParsedExport {
    return parseText(resolveKind(name, content.slice(0, 4096)), content, name, options);
}

function readHead(file: string): string {
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(4096);
        const n = fs.readSync(fd, buf, 0, buf.length, 0);
        return buf.toString("utf8", 0, n);
    } finally {
        fs.closeSync(fd);
    }
}

function unreadable(file: string, e: unknown): ResultsError {
    const err = e as NodeJS.ErrnoException;
    const why =
        err.code === "ENOENT"
            ? "no such file or directory"
            : err.code === "EACCES"
              ? "permission denied"
              : err.code === "EISDIR"
                ? "is a directory"
                : err.message;
    return new ResultsError("UNREADABLE", file, `cannot read: ${why}`);
}

/** Parse one export file from disk. Records files are streamed; summaries are small and read whole. */
export async function parseExportFile(file: string, options: RecordsOptions = {}): Promise<ParsedExport> {
    let head: string;
    try {
        const st = fs.statSync(file);
        if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
        head = readHead(file);
    } catch (e) {
        throw unreadable(file, e);
    }
    const kind = resolveKind(file, head);
    if (kind === "records-jsonl") return parseRecordsFile(file, options);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw unreadable(file, e);
    }
    return parseText(kind, text, file, options);
}

const SKIP_DIRS = new Set(["node_modules", ".git"]);
const MAX_DEPTH = 16;

/** All export files under a directory (recursive), sorted by path. Unrecognised files are ignored. */
export function findExports(root: string): ExportFile[] {
    const out: ExportFile[] = [];
    const walk = (dir: string, depth: number) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch (e) {
            throw unreadable(dir, e);
        }
        for (const ent of entries) {
            const p = path.join(dir, ent.name);
            let isDir = ent.isDirectory();
            let isFile = ent.isFile();
            if (ent.isSymbolicLink()) {
                try {
                    const st = fs.statSync(p);
                    isFile = st.isFile();
                    isDir = false; // do not follow directory links (cycles)
                } catch {
                    continue; // dangling link
                }
            }
            if (isDir) {
                if (!SKIP_DIRS.has(ent.name) && depth < MAX_DEPTH) walk(p, depth + 1);
                continue;
            }
            if (!isFile) continue;
            const c = classifyName(ent.name);
            if (c === "skip") continue;
            if (c !== undefined) {
                out.push({ path: p, kind: c.kind, dir, prefix: c.prefix });
                continue;
            }
            if (!/\.(csv|json|jsonl)$/i.test(ent.name)) continue;
            let kind: ExportKind | undefined;
            try {
                kind = sniffKind(ent.name, readHead(p));
            } catch {
                kind = undefined;
            }
            if (kind !== undefined) out.push({ path: p, kind, dir, prefix: ent.name.replace(/\.(csv|json|jsonl)$/i, "") });
        }
    };
    walk(root, 0);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Export files under a directory, grouped into runs: same directory and same name prefix.
 * When a directory has exactly one group with a summary (CSV/JSON), groups there that hold
 * only records or server metrics join it (AIPerf 0.1.x's --profile-export-file renames only
 * the JSONL, e.g. my_run.jsonl next to profile_export_aiperf.csv).
 */
export function findRuns(root: string): RunFiles[] {
    const groups = new Map<string, RunFiles>();
    for (const f of findExports(root)) {
        const key = `${f.dir}\u0000${f.prefix}`;
        let g = groups.get(key);
        if (g === undefined) {
            const rel = path.relative(root, f.dir) || ".";
            g = { label: f.prefix === "" ? rel : rel === "." ? f.prefix : `${rel}/${f.prefix}`, dir: f.dir, prefix: f.prefix, files: [] };
            groups.set(key, g);
        }
        g.files.push(f);
    }
    const byDir = new Map<string, RunFiles[]>();
    for (const g of groups.values()) byDir.set(g.dir, [...(byDir.get(g.dir) ?? []), g]);
    const runs: RunFiles[] = [];
    for (const list of byDir.values()) {
        const isSummary = (g: RunFiles) => g.files.some((f) => f.kind === "summary-csv" || f.kind === "summary-json");
        const summaries = list.filter(isSummary);
        if (summaries.length === 1 && list.length > 1) {
            const main = summaries[0];
            for (const g of list) if (g !== main) main.files.push(...g.files);
            main.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
            runs.push(main);
        } else {
            runs.push(...list);
        }
    }
    return runs.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** Parsing of number cells as written by genai-perf and AIPerf. */

export const STAT_KEYS = ["avg", "min", "max", "std", "sum", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"] as const;
export type StatKey = (typeof STAT_KEYS)[number];
export type Stats = Partial<Record<StatKey, number>>;
export type NonFinite = "nan" | "inf" | "-inf";

const STAT_KEY_SET: ReadonlySet<string> = new Set(STAT_KEYS);
export function isStatKey(s: string): s is StatKey {
    return STAT_KEY_SET.has(s);
}

/** Result of reading one cell. */
export type Cell =
    | { kind: "missing" }
    | { kind: "number"; value: number }
    | { kind: "nonfinite"; value: NonFinite }
    | { kind: "bool"; value: boolean }
    | { kind: "invalid"; text: string };

const PLAIN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Python's f"{v:,.2f}": groups of exactly three digits after the first group.
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const MISSING = new Set(["", "n/a", "none", "null"]);

/**
 * Read one cell. Thousands separators are accepted only in the exact form
 * Python writes them ("1,146.31"); anything else that is not a plain number is
 * "invalid" rather than silently truncated (parseFloat("1,146.31") === 1).
 */
export function parseCell(raw: string): Cell {
    const s = raw.trim();
    const lower = s.toLowerCase();
    if (MISSING.has(lower)) return { kind: "missing" };
    if (PLAIN.test(s)) return { kind: "number", value: Number(s) };
    if (GROUPED.test(s)) return { kind: "number", value: Number(s.replace(/,/g, "")) };
    if (lower === "nan" || lower === "-nan" || lower === "+nan") return { kind: "nonfinite", value: "nan" };
    if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return { kind: "nonfinite", value: "inf" };
    if (lower === "-inf" || lower === "-infinity") return { kind: "nonfinite", value: "-inf" };
    if (lower === "true") return { kind: "bool", value: true };
    if (lower === "false") return { kind: "bool", value: false };
    return { kind: "invalid", text: s };
}

/** Classify a JSON value that should be a number. */
export function jsonNumber(v: unknown): Cell {
    if (v === null || v === undefined) return { kind: "missing" };
    if (typeof v === "number") {
        if (Number.isFinite(v)) return { kind: "number", value: v };
        return { kind: "nonfinite", value: Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf" };
    }
    if (typeof v === "boolean") return { kind: "bool", value: v };
    if (typeof v === "string") {
        // Our tolerant JSON loader turns bare NaN/Infinity into these strings.
        if (v === "NaN") return { kind: "nonfinite", value: "nan" };
        if (v === "Infinity") return { kind: "nonfinite", value: "inf" };
        if (v === "-Infinity") return { kind: "nonfinite", value: "-inf" };
        return parseCell(v);
    }
    return { kind: "invalid", text: JSON.stringify(v) ?? String(v) };
}

/** Format a number for humans: integers as is, others with 2 decimals (or 3 significant digits when tiny). */
export function formatNumber(v: number): string {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && a < 0.01) return v.toPrecision(3);
    return v.toFixed(2);
}

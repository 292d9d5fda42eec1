// The shape of the field table (one row per CloudAI field or field pattern)
// and the walk that sends every value of a CloudAI document through it. A
// value no row claims is reported as unknown, never dropped.
import { isPlainObject } from "../../deep-merge";
import type { Draft } from "./draft";
import { describeValue, type Outcome, type ReportLine } from "./report";
import type { TomlTable } from "./toml";

export type Target = "local" | "kubernetes" | "slurm";

/** Which CloudAI document a row reads. */
export type Scope = "test" | "AIDynamo" | "DynamoMocker" | "scenario" | "run" | "system";

export interface MapContext {
    draft: Draft;
    target: Target;
    /** The whole (merged) document the field is in, for rows that look at a neighbour. */
    doc: TomlTable;
    /** The run's own fields (num_nodes, time_limit, ...) and the system, when given. */
    run: TomlTable;
    system?: TomlTable;
    /** The field's dotted path in its document (for dse_excluded_args). */
    field: string;
    /** What `*` in the row's pattern matched, in order. */
    captures: string[];
    /** Report a line for this field other than the row's default (or in addition to it). */
    note(outcome: Outcome, note: string, to?: string): void;
    /** A secret found under this field: its `pulumi config set --secret` line goes to the report. */
    secret(command: string): void;
}

/** What a row does with the value; returning false means it reported the value itself. */
export type Apply = (value: unknown, ctx: MapContext) => void | false;

export interface FieldRow {
    scope: Scope;
    /** Dotted CloudAI field (underscores); `*` matches one key; a trailing `.**` claims the whole subtree as one value. */
    field: string;
    outcome: Outcome;
    /** The dynamo-bench setting(s), for the report and docs/migrating-from-cloudai.md. */
    to?: string;
    /** How it maps, or why it does not. */
    note: string;
    apply?: Apply;
    /** The reason CloudAI ignores the value in this document, if it does (then nothing is applied). */
    ignoredWhen?: (ctx: Omit<MapContext, "note" | "secret" | "captures" | "field">) => string | undefined;
}

/**
 * The row for a dotted path: the first whose pattern matches, so specific rows
 * go before patterns. A table value is claimed only by a `.**` row; otherwise
 * the walk goes into it.
 */
export function findRow(rows: readonly FieldRow[], scopes: readonly Scope[], path: string, isTable = false): { row: FieldRow; captures: string[] } | undefined {
    const keys = path.split(".");
    for (const row of rows) {
        if (!scopes.includes(row.scope) || (isTable && !row.field.endsWith(".**"))) continue;
        const captures = match(row.field, keys);
        if (captures) return { row, captures };
    }
    return undefined;
}

function match(pattern: string, keys: string[]): string[] | undefined {
    const parts = pattern.split(".");
    const subtree = parts[parts.length - 1] === "**";
    const fixed = subtree ? parts.slice(0, -1) : parts;
    if (subtree ? keys.length !== fixed.length : keys.length !== parts.length) return undefined;
    const captures: string[] = [];
    for (const [i, p] of fixed.entries()) {
        if (p === "*") captures.push(keys[i]!);
        else if (p !== keys[i]) return undefined;
    }
    return captures;
}

export interface WalkInput {
    rows: readonly FieldRow[];
    /** The documents' kinds whose rows apply, the first naming it in messages. */
    scopes: readonly Scope[];
    doc: TomlTable;
    source: string;
    /** Paths whose value came from another file (a scenario override), and that file. */
    overridden?: { paths: ReadonlySet<string>; source: string };
    ctx: Omit<MapContext, "note" | "secret" | "captures" | "doc" | "field">;
    lines: ReportLine[];
    secrets: string[];
    /** Prefix of the reported field names ("" or "Tests[0]."). */
    prefix?: string;
}

/** Sends every value of `doc` through the table: tables are walked key by key, any other value is one field. */
export function walk(input: WalkInput, node: TomlTable = input.doc, at: string[] = []): void {
    for (const [key, value] of Object.entries(node)) {
        const keys = [...at, key];
        const path = keys.join(".");
        const table = isPlainObject(value);
        const found = findRow(input.rows, input.scopes, path, table);
        if (!found && table) {
            walk(input, value, keys);
            continue;
        }
        if (!found) {
            report(input, path, value, {
                outcome: "unknown",
                note: `not a field dynamo-bench knows in CloudAI's ${input.scopes[0]} model; check its spelling`,
            });
            continue;
        }
        visit(input, path, value, found.row, found.captures);
    }
}

function visit(input: WalkInput, path: string, value: unknown, row: FieldRow, captures: string[]): void {
    const own: ReportLine[] = [];
    const ctx: MapContext = {
        ...input.ctx,
        doc: input.doc,
        field: path,
        captures,
        note: (outcome, note, to) => own.push(line(input, path, value, { outcome, note, ...(to ? { to } : {}) })),
        secret: (command) => input.secrets.push(command),
    };
    const ignored = row.ignoredWhen?.(ctx);
    if (ignored) {
        report(input, path, value, { outcome: "ignored by CloudAI", note: ignored });
        return;
    }
    const result = row.apply?.(value, ctx);
    if (result !== false) input.lines.push(line(input, path, value, { outcome: row.outcome, note: row.note, ...(row.to ? { to: row.to } : {}) }));
    input.lines.push(...own);
}

function line(input: WalkInput, path: string, value: unknown, what: Pick<ReportLine, "outcome" | "note" | "to">): ReportLine {
    const fromOverride = input.overridden?.paths.has(path) || [...(input.overridden?.paths ?? [])].some((p) => p.startsWith(`${path}.`));
    return {
        field: `${input.prefix ?? ""}${path}`,
        source: fromOverride ? input.overridden!.source : input.source,
        ...what,
        ...(what.outcome === "secret" ? {} : { value: describeValue(value) }),
    };
}

function report(input: WalkInput, path: string, value: unknown, what: Pick<ReportLine, "outcome" | "note" | "to">): void {
    input.lines.push(line(input, path, value, what));
}

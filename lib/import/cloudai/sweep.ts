// CloudAI's design-space exploration: any list where CloudAI takes a scalar is
// a dimension of a grid, unless dse_excluded_args names it.
// Here a dimension becomes an entry of the stack's sweep grid (docs/sweeps.md).
import type { MapContext } from "./table";

/** CloudAI's field names in dse_excluded_args start with "cmd_args."; a prefix excludes everything under it. */
export function excludedFromSweep(ctx: Pick<MapContext, "doc" | "field">): boolean {
    const excluded = ctx.doc.dse_excluded_args;
    if (!Array.isArray(excluded)) return false;
    return excluded.some((e) => {
        const prefix = String(e).replace(/-/g, "_");
        return ctx.field === prefix || ctx.field.startsWith(`${prefix}.`);
    });
}

/** A scalar is set at `path`; a list (a CloudAI dimension) becomes the sweep grid's entry for `path`. */
export function setOrSweep(value: unknown, ctx: MapContext, path: string, map: (v: unknown) => unknown = (v) => v): void {
    if (Array.isArray(value) && !excludedFromSweep(ctx)) {
        ctx.draft.grid[path] = value.map(map);
        ctx.note("mapped", `a CloudAI design-space dimension: ${value.length} values swept as sweep.grid["${path}"]`, `sweep.grid.${path}`);
        return;
    }
    ctx.draft.set(path, map(value));
}

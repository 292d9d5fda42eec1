// A sweep's points: the cartesian product of the grid, then the explicit
// points, each a map of dotted setting path -> value as the user typed it.
// Pure; validation of the values themselves happens when each point's
// configuration goes through the one schema (config/load-sweep.ts).
import type { RuleViolation } from "../../config/rules";
import { SWEEPABLE_PATHS, configValue, sweepSetting } from "./settings";

export interface SweepInput {
    grid: Record<string, unknown[]>;
    points: Array<Record<string, unknown>>;
    maxPoints: number;
}

export interface ExpandedPoint {
    /** The point's settings, dotted path -> value as typed (a labelled value stays labelled). */
    settings: Record<string, unknown>;
    /** Where each setting came from, for error messages: "sweep.grid.<path>" or "sweep.points[i].<path>". */
    origin: Record<string, string>;
}

/** The number of points the sweep makes: the grid's product (when it has keys) plus the explicit points. */
export function pointCount(input: Pick<SweepInput, "grid" | "points">): number {
    const lists = Object.values(input.grid);
    const grid = lists.length === 0 ? 0 : lists.reduce((n, list) => n * list.length, 1);
    return grid + input.points.length;
}

/** Sweep keys that are not sweepable settings, each naming its field and listing what may be swept. */
export function unknownSettings(input: Pick<SweepInput, "grid" | "points">): RuleViolation[] {
    const allowed = `; sweepable settings: ${SWEEPABLE_PATHS.join(", ")}`;
    const out: RuleViolation[] = [];
    for (const key of Object.keys(input.grid)) {
        if (!sweepSetting(key)) out.push({ path: `sweep.grid.${key}`, message: `is not a sweepable setting${allowed}` });
    }
    input.points.forEach((point, i) => {
        for (const key of Object.keys(point)) {
            if (!sweepSetting(key)) out.push({ path: `sweep.points[${i}].${key}`, message: `is not a sweepable setting${allowed}` });
        }
    });
    return out;
}

/**
 * Every point, grid first (the last grid key varies fastest), then the explicit
 * points in order. Call only after pointCount was checked against maxPoints.
 */
export function expandPoints(input: Pick<SweepInput, "grid" | "points">): ExpandedPoint[] {
    const keys = Object.keys(input.grid);
    let grid: ExpandedPoint[] = keys.length === 0 ? [] : [{ settings: {}, origin: {} }];
    for (const key of keys) {
        grid = grid.flatMap((partial) =>
            input.grid[key]!.map((value) => ({
                settings: { ...partial.settings, [key]: value },
                origin: { ...partial.origin, [key]: `sweep.grid.${key}` },
            })),
        );
    }
    const explicit = input.points.map((point, i) => ({
        settings: { ...point },
        origin: Object.fromEntries(Object.keys(point).map((key) => [key, `sweep.points[${i}].${key}`])),
    }));
    return [...grid, ...explicit];
}

/**
 * The raw configuration of one point: a copy of `base` with each setting set
 * at its dotted path (a labelled value's `value`), before any parsing, so the
 * point goes through the schema exactly as if the user had typed it there.
 */
export function pointConfig(base: Record<string, unknown>, settings: Record<string, unknown>): Record<string, unknown> {
    const out = structuredClone(base);
    for (const [path, value] of Object.entries(settings)) {
        const keys = path.split(".");
        let node: Record<string, unknown> = out;
        for (const key of keys.slice(0, -1)) {
            const next = node[key];
            if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        node[keys[keys.length - 1]!] = structuredClone(configValue(value));
    }
    return out;
}

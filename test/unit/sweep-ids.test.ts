// Properties of sweep expansion and point ids over random grids (fast-check):
// the product has pointCount points, every combination once; ids of distinct
// values are distinct, DNS-safe and made of what differs; adding an explicit
// point does not rename the grid's points.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { expandPoints, pointCount } from "../../lib/sweep/expand";
import { pointIds } from "../../lib/sweep/ids";
import { SWEEPABLE_SETTINGS } from "../../lib/sweep/settings";

const NUMERIC = SWEEPABLE_SETTINGS.filter((s) => s.idStyle === "number").map((s) => s.path);
const SETS = SWEEPABLE_SETTINGS.filter((s) => s.idStyle === "set").map((s) => s.path);

/** A grid of 1-3 numeric settings and at most one set setting, each with distinct values. */
const grids = fc
    .record({
        numeric: fc.uniqueArray(fc.constantFrom(...NUMERIC), { minLength: 1, maxLength: 3 }),
        set: fc.option(fc.constantFrom(...SETS), { nil: undefined }),
        values: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 4 }),
        labelled: fc.boolean(),
    })
    .map(({ numeric, set, values, labelled }) => {
        const grid: Record<string, unknown[]> = {};
        numeric.forEach((path, i) => (grid[path] = values[i]!));
        if (set) grid[set] = values[3]!.map((v) => (labelled ? { label: `l${v}`, value: [`--x`, String(v)] } : [`--x`, String(v)]));
        return grid;
    });

test("every combination once, as many as pointCount says", () => {
    fc.assert(
        fc.property(grids, (grid) => {
            const points = expandPoints({ grid, points: [] });
            assert.equal(points.length, pointCount({ grid, points: [] }));
            assert.equal(new Set(points.map((p) => JSON.stringify(p.settings))).size, points.length);
        }),
    );
});

test("ids are unique, DNS-safe, and only settings with more than one value appear in them", () => {
    fc.assert(
        fc.property(grids, (grid) => {
            const ids = pointIds(expandPoints({ grid, points: [] }));
            assert.equal(new Set(ids).size, ids.length, ids.join(" "));
            for (const id of ids) assert.match(id, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
            const varied = Object.entries(grid).filter(([, values]) => values.length > 1).length;
            // Each varied setting adds one part (a set's label may itself hold a dash); with none varied, all settings name it.
            const parts = ids[0]!.split("-").length;
            assert.ok(parts >= Math.max(varied, 1), `${ids[0]} from ${JSON.stringify(grid)}`);
        }),
    );
});

test("an explicit point added after the grid renames none of the grid's points when it varies nothing new", () => {
    fc.assert(
        fc.property(grids, (grid) => {
            const before = pointIds(expandPoints({ grid, points: [] }));
            // Only when the grid already varies every key: a key that varied only through the new point would enter the ids.
            fc.pre(Object.values(grid).every((values) => values.length > 1));
            const extra = Object.fromEntries(Object.entries(grid).map(([path, values]) => [path, values[0]]));
            const after = pointIds(expandPoints({ grid, points: [extra] }));
            assert.deepEqual(after.slice(0, before.length), before);
        }),
    );
});

// Point ids: stable, readable, DNS-safe, made only from the settings that
// differ between points ("p1-d2-dtp2"), so they read like what was varied and
// do not change when a setting every point shares is added to the sweep.
import type { RuleViolation } from "../../config/rules";
import type { ExpandedPoint } from "./expand";
import { SWEEPABLE_SETTINGS, dnsSafe, idPart } from "./settings";

/** The id of a sweep whose points share every setting (a one-point sweep without settings). */
export const BASE_POINT_ID = "base";

/** One id per point, in the same order. Duplicates are possible; duplicateIds reports them. */
export function pointIds(points: readonly ExpandedPoint[]): string[] {
    const differing = differingPaths(points);
    const positions = valuePositions(points);
    return points.map((point) => {
        const varied = SWEEPABLE_SETTINGS.filter((s) => s.path in point.settings && differing.has(s.path));
        // Nothing differs (a single point): name it by all its settings, so the id still says what it is.
        const used = varied.length > 0 ? varied : SWEEPABLE_SETTINGS.filter((s) => s.path in point.settings);
        const parts = used.map((s) => idPart(s, point.settings[s.path], positions.get(s.path)!.get(key(point.settings[s.path]))!));
        return dnsSafe(parts.join("-")) || BASE_POINT_ID;
    });
}

/** Points that got the same id, each pair naming where the later one comes from and what it sets. */
export function duplicateIds(points: readonly ExpandedPoint[], ids: readonly string[]): RuleViolation[] {
    const first = new Map<string, number>();
    const out: RuleViolation[] = [];
    ids.forEach((id, i) => {
        const earlier = first.get(id);
        if (earlier === undefined) {
            first.set(id, i);
            return;
        }
        out.push({
            path: sweepField(points[i]!),
            message:
                `point ${i + 1} gets the id "${id}" that point ${earlier + 1} has already (${describeSettings(points[i]!)}); ` +
                "give the points different values, or labels ({ label, value }) that differ",
        });
    });
    return out;
}

/** "sweep.points[i]" for an explicit point, else "sweep.grid". */
export function sweepField(point: ExpandedPoint): string {
    const origins = Object.values(point.origin);
    const explicit = origins.find((o) => o.startsWith("sweep.points["));
    return explicit ? explicit.slice(0, explicit.indexOf("]") + 1) : "sweep.grid";
}

export function describeSettings(point: ExpandedPoint): string {
    const entries = Object.entries(point.settings);
    return entries.length === 0 ? "no settings" : entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ");
}

/** Paths whose value is not the same in every point (set in some points only counts as differing). */
function differingPaths(points: readonly ExpandedPoint[]): Set<string> {
    const values = new Map<string, Set<string>>();
    for (const point of points) {
        for (const [path, value] of Object.entries(point.settings)) {
            if (!values.has(path)) values.set(path, new Set());
            values.get(path)!.add(key(value));
        }
    }
    return new Set([...values].filter(([path, set]) => set.size > 1 || points.some((p) => !(path in p.settings))).map(([path]) => path));
}

/** Per path, each distinct value's 1-based position in order of first appearance. */
function valuePositions(points: readonly ExpandedPoint[]): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const point of points) {
        for (const [path, value] of Object.entries(point.settings)) {
            if (!out.has(path)) out.set(path, new Map());
            const seen = out.get(path)!;
            if (!seen.has(key(value))) seen.set(key(value), seen.size + 1);
        }
    }
    return out;
}

function key(value: unknown): string {
    return JSON.stringify(value);
}

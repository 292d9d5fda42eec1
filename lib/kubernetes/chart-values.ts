// Values a dynamo-platform chart needs beyond the add-on switches, keyed by the
// chart version that first needs them. Charts move values and add guards; one
// row per change keeps every version's needs in one table.
import type { PlatformSpec } from "../../config/schema";
import { deepMerge } from "../deep-merge";

type Addons = Pick<PlatformSpec, "grove" | "kaiScheduler" | "lws">;

export interface ChartValuesRow {
    /** First chart version (major.minor.patch) the row applies to. */
    since: string;
    /** Why the chart needs it, with where the chart says so. */
    why: string;
    values: (addons: Addons) => Record<string, unknown>;
}

export const CHART_VALUES_TABLE: readonly ChartValuesRow[] = [
    {
        since: "1.5.0",
        why:
            "templates/validate-values.yaml fails the install when Grove integration is on and KAI is bundled, unless KAI leaves stale PodGroups to Grove; " +
            'the value must be a Go duration ("-1s"): the unitless "-1" the 1.5.0 docs first gave stops KAI from starting (ai-dynamo/dynamo#14722)',
        values: ({ grove, kaiScheduler }) =>
            grove.install !== "none" && kaiScheduler.install === "bundled"
                ? { "kai-scheduler": { scheduler: { args: { "default-staleness-grace-period": "-1s" } } } }
                : {},
    },
];

/** Values of every row whose `since` the chart version has reached, merged in table order. */
export function chartVersionValues(chartVersion: string, addons: Addons, table: readonly ChartValuesRow[] = CHART_VALUES_TABLE): Record<string, unknown> {
    return table
        .filter((row) => compareReleases(chartVersion, row.since) >= 0)
        .reduce<Record<string, unknown>>((out, row) => deepMerge(out, row.values(addons)), {});
}

/**
 * Orders "major.minor.patch" versions numerically. A suffix (1.5.0-rc1, 1.5.0.post1)
 * counts as its release: a release candidate already carries the release's guards.
 */
export function compareReleases(a: string, b: string): number {
    const parts = (v: string) =>
        v
            .replace(/^v/, "")
            .split(/[.-]/)
            .slice(0, 3)
            .map((p) => Number.parseInt(p, 10) || 0);
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
}

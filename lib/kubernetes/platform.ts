// Helm releases that put the Dynamo platform (and optionally Grove and the KAI
// scheduler) on a cluster. Version-aware: 0.x ships its CRDs as a chart of
// their own and toggles subcharts with `<name>.enabled`; 1.x is one chart whose
// pre-install hook applies the CRDs and toggles subcharts under `global.*`;
// later 1.x charts need more values, listed by version in chart-values.ts.
import type { PlatformSpec } from "../../config/schema";
import { CHART_SOURCES, DEFAULT_VERSIONS } from "../../config/versions";
import { deepMerge } from "../deep-merge";
import { chartVersionValues } from "./chart-values";

export type ReleaseRole = "crds" | "grove" | "kai-scheduler" | "platform";

export interface HelmReleaseSpec {
    role: ReleaseRole;
    /** Helm release name. */
    name: string;
    namespace: string;
    /** A chart URL, an oci:// reference, a chart name (with `repo`) or a local path. */
    chart: string;
    /** Chart version; unset when the chart reference already pins it (URL, local path). */
    version?: string;
    /** Chart repository, when `chart` is a chart name. */
    repo?: string;
    values: Record<string, unknown>;
    timeoutSeconds: number;
    /** Releases that must be installed first. */
    after: ReleaseRole[];
}

/** Namespaces of the releases Grove and KAI get when installed on their own. */
export const ADDON_NAMESPACES = {
    grove: "grove-system",
    /** Grove's authorizer exempts `system:serviceaccount:kai-scheduler:*`, so KAI must live here. */
    kaiScheduler: "kai-scheduler",
} as const;

/** 0.x platforms (up to 0.9) use the old chart layout. */
export function isLegacyPlatform(version: string): boolean {
    return Number(version.split(".")[0]) === 0;
}

export type ChartRefKind = "url" | "oci" | "path" | "name";

/** What kind of chart reference a string is; decides whether a version may go with it. */
export function chartRefKind(chart: string): ChartRefKind {
    if (/^https?:\/\//.test(chart)) return "url";
    if (chart.startsWith("oci://")) return "oci";
    if (/^(\/|\.\.?\/|~\/|\.$)/.test(chart) || chart.endsWith(".tgz")) return "path";
    return "name";
}

interface ChartSource {
    chart?: string;
    repo?: string;
    version?: string;
}

/**
 * Resolves a configured chart source against the defaults. A configured chart
 * wins; `repo` without `chart` means the default chart name from that repository
 * (a mirror); nothing configured means the published default.
 */
export function resolveChart(
    source: ChartSource,
    defaults: { chartName: string; published: (version: string) => string; version: string },
): Pick<HelmReleaseSpec, "chart" | "version" | "repo"> {
    const version = source.version ?? defaults.version;
    if (source.repo) return { chart: source.chart ?? defaults.chartName, repo: source.repo, version };
    if (source.chart) {
        const kind = chartRefKind(source.chart);
        return kind === "url" || kind === "path" ? { chart: source.chart } : { chart: source.chart, version };
    }
    const published = defaults.published(version);
    return chartRefKind(published) === "url" ? { chart: published } : { chart: published, version };
}

type AddonInstall = PlatformSpec["grove"]["install"];

/** Operator integration is on whenever the add-on is on the cluster, bundled or separate. */
const integrationOn = (install: AddonInstall) => install !== "none";

/** Values that switch Grove and KAI on or off, in the layout of the platform's major version. */
export function platformAddonValues(platform: PlatformSpec): Record<string, unknown> {
    const grove = platform.grove.install;
    const kai = platform.kaiScheduler.install;
    if (isLegacyPlatform(platform.version)) {
        return {
            grove: { enabled: grove === "bundled" },
            "kai-scheduler": { enabled: kai === "bundled" },
            // Bitnami moved the etcd image 0.x charts pull (installation guide's workaround).
            etcd: { image: { repository: "bitnamilegacy/etcd" }, global: { security: { allowInsecureImages: true } } },
        };
    }
    const lws = platform.lws.install;
    const switches = {
        global: {
            grove: { install: grove === "bundled", enabled: integrationOn(grove) },
            "kai-scheduler": { install: kai === "bundled", enabled: integrationOn(kai) },
            // Only when used: the chart's default is off, and charts before LWS support never see the key.
            ...(lws === "none" ? {} : { lws: { install: lws === "bundled", enabled: true } }),
        },
    };
    return deepMerge(switches, chartVersionValues(platformChartVersion(platform), platform));
}

/** Version of the platform chart installed: a configured chart version, else the release's. */
export function platformChartVersion(platform: PlatformSpec): string {
    return platform.chart.version ?? platform.version;
}

/**
 * Every Helm release of the platform, in install order. Empty when the
 * platform is not installed by this stack.
 */
export function platformReleases(platform: PlatformSpec): HelmReleaseSpec[] {
    if (!platform.install) return [];
    const timeoutSeconds = platform.timeoutSeconds;
    const releases: HelmReleaseSpec[] = [];
    const legacy = isLegacyPlatform(platform.version);

    if (legacy) {
        releases.push({
            role: "crds",
            name: "dynamo-crds",
            namespace: "default",
            ...resolveChart(platform.crdsChart, { chartName: "dynamo-crds", published: CHART_SOURCES.dynamoCrds, version: platform.version }),
            values: platform.crdsChart.values,
            timeoutSeconds,
            after: [],
        });
    }
    if (platform.grove.install === "separate") {
        releases.push({
            role: "grove",
            name: "grove",
            namespace: ADDON_NAMESPACES.grove,
            ...resolveChart(platform.grove.source, { chartName: "grove-charts", published: () => CHART_SOURCES.grove, version: DEFAULT_VERSIONS.grove }),
            values: platform.grove.source.values,
            timeoutSeconds,
            after: [],
        });
    }
    if (platform.kaiScheduler.install === "separate") {
        releases.push({
            role: "kai-scheduler",
            name: "kai-scheduler",
            namespace: ADDON_NAMESPACES.kaiScheduler,
            ...resolveChart(platform.kaiScheduler.source, {
                chartName: "kai-scheduler",
                published: () => CHART_SOURCES.kaiScheduler,
                version: DEFAULT_VERSIONS.kaiScheduler,
            }),
            values: platform.kaiScheduler.source.values,
            timeoutSeconds,
            after: [],
        });
    }
    releases.push({
        role: "platform",
        name: platform.releaseName,
        namespace: platform.namespace,
        ...resolveChart(platform.chart, { chartName: "dynamo-platform", published: CHART_SOURCES.dynamoPlatform, version: platform.version }),
        // User values are merged last so any generated value can be overridden.
        values: deepMerge(platformAddonValues(platform), platform.chart.values),
        timeoutSeconds,
        after: releases.map((r) => r.role),
    });
    return releases;
}

/** The equivalent Helm CLI call, for render mode and docs (values go in through `--values <file>`). */
export function helmInstallArgv(release: HelmReleaseSpec, valuesFile: string): string[] {
    return [
        "helm",
        "upgrade",
        "--install",
        release.name,
        release.chart,
        "--namespace",
        release.namespace,
        "--create-namespace",
        ...(release.version ? ["--version", release.version] : []),
        ...(release.repo ? ["--repo", release.repo] : []),
        "--values",
        valuesFile,
        "--wait",
        "--timeout",
        `${release.timeoutSeconds}s`,
    ];
}

// The dynamo-platform 1.2.0 chart, assembled for an offline install by the
// e2e test against the test cluster (test/e2e/k8s-cluster-stack.test.ts).
//
// The reference data ($DYNAMO_BENCH_REFERENCE/dynamo/helm/full, see its README)
// holds the complete charts but not assembled: Helm refuses a chart whose
// declared dependencies are missing from charts/, whatever their conditions.
// This helper copies dynamo-platform-1.2.0 into a temporary folder, puts the
// Grove and KAI charts under its charts/ with the names and versions the
// platform's Chart.yaml declares (grove-charts v0.1.0-alpha.8, kai-scheduler
// v0.13.4; the reference KAI chart is v0.13.0, the nearest release available
// here), and drops the nats and etcd dependencies, which the test stack turns
// off (global.nats.install=false, global.etcd.install=false).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { referencePath, referenceSkip } from "../helpers/reference";

const FULL = ["dynamo", "helm", "full"];

/** node:test `skip` value: false when the complete charts are there, else the reason. */
export const CHART_SKIP = referenceSkip(...FULL, "dynamo-platform-1.2.0", "Chart.yaml");

interface Dependency {
    name: string;
    version: string;
    alias?: string;
}

/** Rewrites a Chart.yaml's `version` (the reference copies carry placeholder versions). */
function setChartVersion(chartDir: string, version: string): void {
    const file = path.join(chartDir, "Chart.yaml");
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    doc.set("version", version);
    fs.writeFileSync(file, doc.toString());
}

/**
 * Assembles the chart in a new temporary folder and returns the chart's path
 * (a folder Helm installs from, given as `platform.chart.chart`). The caller
 * removes `path.dirname(result)` when done.
 */
export function assemblePlatformChart(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-chart-"));
    const chart = path.join(root, "dynamo-platform");
    fs.cpSync(referencePath(...FULL, "dynamo-platform-1.2.0"), chart, { recursive: true });

    const chartFile = path.join(chart, "Chart.yaml");
    const doc = parseDocument(fs.readFileSync(chartFile, "utf8"));
    const deps = (doc.toJS().dependencies ?? []) as Dependency[];
    const dropped = new Set(["nats", "etcd"]);
    doc.set(
        "dependencies",
        deps.filter((d) => !dropped.has(d.name)),
    );
    fs.writeFileSync(chartFile, doc.toString());

    // Local (file://) subcharts are read from charts/ like the others.
    const vendored: Record<string, string> = {
        "dynamo-operator": "dynamo-platform-1.2.0/components/operator",
        "grove-charts": "grove-v0.1.0-alpha.8",
        "kai-scheduler": "kai-scheduler-v0.13.0",
    };
    fs.mkdirSync(path.join(chart, "charts"), { recursive: true });
    for (const dep of deps) {
        const source = vendored[dep.name];
        if (!source) continue;
        const dest = path.join(chart, "charts", dep.name);
        fs.cpSync(referencePath(...FULL, ...source.split("/")), dest, { recursive: true });
        setChartVersion(dest, dep.version);
    }
    return chart;
}

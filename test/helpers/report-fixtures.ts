// Stack outputs for the report tests, from real runs (test/fixtures/report/README.md):
// the two benchmark stacks as they are, and a sweep-shaped outputs object
// regrouping the same figures as two points of one sweep over decode.replicas.
import * as fs from "node:fs";
import * as path from "node:path";

export const REPORT_FIXTURES = path.join(__dirname, "..", "fixtures", "report");
export const LOCAL_OUTPUTS = path.join(REPORT_FIXTURES, "local-outputs.json");
export const DECODE2_OUTPUTS = path.join(REPORT_FIXTURES, "decode2-outputs.json");
export const SWEEP_OUTPUTS = path.join(REPORT_FIXTURES, "sweep-outputs.json");

export function readOutputs(file: string): any {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** The loads the two stacks ran (their stack files' benchmark.phases). */
const LOADS = { c1: { concurrency: 1 }, c4: { concurrency: 4 }, c16: { concurrency: 16 } };

/** A sweep's outputs over decode.replicas 1 and 2, with a stale frontier the report must not trust. */
export function sweepOutputs(): any {
    const one = readOutputs(LOCAL_OUTPUTS);
    const two = readOutputs(DECODE2_OUTPUTS);
    const point = (outputs: any, replicas: number) => ({
        settings: { "decode.replicas": replicas },
        workerGpus: outputs.workerGpus,
        loads: Object.fromEntries(Object.keys(outputs.phases).map((name) => [name, LOADS[name as keyof typeof LOADS]])),
        phases: outputs.phases,
        timings: outputs.timings,
        resultsStatus: outputs.resultsStatus,
    });
    return {
        target: one.target,
        benchmark: "decode-sweep",
        model: one.model,
        dynamoVersion: one.dynamoVersion,
        resultsStatus: one.resultsStatus,
        timings: {},
        details: {},
        phases: {},
        points: { "decode-1": point(one, 1), "decode-2": point(two, 2) },
        frontier: [{ point: "decode-1", load: "c1", outputTokenThroughputPerGpuTokPerS: 1e9, outputTokenThroughputPerUserTokPerS: 1e9 }],
        best: {},
    };
}

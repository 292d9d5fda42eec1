// From a finished run folder to the results the stack outputs carry: one
// summary per phase (lib/results) plus the job's own timings.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchmarkTimings } from "../outputs";
import { phaseResult, summarizeRun, type PhaseResult, type ToolName } from "../results";
import { readAccuracy } from "../results/accuracy";
import { parseGpuSamples, summarizeGpuSamples, type GpuSample } from "../results/gpu-utilization";
import { GPU_SAMPLES_DIR } from "./gpu-telemetry";

/** SUCCESS.json as batch.sh writes it. */
export interface SuccessMarker {
    format: number;
    jobId: string;
    jobName: string;
    timestamps: {
        jobStartNs: number;
        launchedNs: number;
        frontendUpNs: number | null;
        workersRegisteredNs: number | null;
        modelServedNs: number | null;
        readyNs: number;
        benchmarkStartNs: number;
        benchmarkEndNs: number;
    };
    nodes: Array<{ slot: number; host: string; address: string; roles: string }>;
    phases: Array<{ name: string; dir: string; startNs: number; endNs: number }>;
}

/** The job's timings: the shared keys plus the Slurm-only ones (see lib/outputs.ts). */
export type SlurmTimings = Pick<
    BenchmarkTimings,
    | "launchSeconds"
    | "workersRegisteredSeconds"
    | "readySeconds"
    | "lastWorkerToFirstRequestSeconds"
    | "readyToBenchmarkLaunchSeconds"
    | "benchmarkLaunchToFirstRequestSeconds"
    | "benchmarkSeconds"
>;

export interface SlurmResults {
    schema: "dynamo-bench/slurm-results@1";
    jobId: string;
    jobName: string;
    runDir: string;
    nodes: SuccessMarker["nodes"];
    timings: SlurmTimings;
    tool?: ToolName;
    gpus?: number;
    phases: PhaseResult[];
}

/**
 * SUCCESS.json read and checked field by field: a cut-off or corrupted marker
 * (a full disk, a copy that failed half way) is one error naming the file and
 * the field, never a TypeError further on.
 */
export function parseSuccessMarker(text: string): SuccessMarker {
    const bad = (why: string) => new Error(`SUCCESS.json ${why}; the job's marker is cut off or corrupted: ${JSON.stringify(text.slice(0, 200))}`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw bad(`is not valid JSON (${(e as Error).message})`);
    }
    const m = parsed as Partial<SuccessMarker> | null;
    if (typeof m !== "object" || m === null || m.format !== 1) throw bad("has an unexpected layout (no format 1)");
    if (typeof m.jobId !== "string" || typeof m.jobName !== "string") throw bad("has no jobId or jobName");
    const t = m.timestamps as Record<string, unknown> | undefined;
    if (typeof t !== "object" || t === null || typeof t.readyNs !== "number") throw bad("has no timestamps.readyNs");
    for (const [k, v] of Object.entries(t)) if (v !== null && typeof v !== "number") throw bad(`has a timestamps.${k} that is not a number`);
    if (!Array.isArray(m.nodes)) throw bad("has no nodes list");
    if (!Array.isArray(m.phases)) throw bad("has no phases list");
    for (const [i, p] of m.phases.entries()) {
        const phase = p as Partial<SuccessMarker["phases"][number]> | null;
        if (typeof phase !== "object" || phase === null || typeof phase.name !== "string" || typeof phase.dir !== "string") {
            throw bad(`has a phases[${i}] without name and dir`);
        }
    }
    return m as SuccessMarker;
}

/** Earliest request start (ns) in an AIPerf profile_export.jsonl, read as integers (ns exceed double precision). */
export function firstRequestNs(jsonl: string): bigint | undefined {
    let min: bigint | undefined;
    for (const m of jsonl.matchAll(/"request_start_ns":\s*(\d+)/g)) {
        const v = BigInt(m[1]);
        if (min === undefined || v < min) min = v;
    }
    return min;
}

const seconds = (from: number | null | undefined, to: number | null | undefined): number | undefined =>
    from == null || to == null ? undefined : Math.round((to - from) / 1e6) / 1e3;

export function timingsOf(marker: SuccessMarker, firstRequest?: bigint): SlurmTimings {
    const t = marker.timestamps;
    const first = firstRequest === undefined ? undefined : Number(firstRequest);
    const out: SlurmTimings = {
        launchSeconds: seconds(t.jobStartNs, t.launchedNs),
        workersRegisteredSeconds: seconds(t.jobStartNs, t.workersRegisteredNs),
        readySeconds: seconds(t.jobStartNs, t.readyNs),
        lastWorkerToFirstRequestSeconds: seconds(t.workersRegisteredNs, first),
        readyToBenchmarkLaunchSeconds: seconds(t.readyNs, t.benchmarkStartNs),
        benchmarkLaunchToFirstRequestSeconds: seconds(t.benchmarkStartNs, first),
        benchmarkSeconds: seconds(t.benchmarkStartNs, t.benchmarkEndNs),
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as SlurmTimings;
}

/** The first request of the run's first phase (AIPerf's per-request export), when it wrote one. */
export function firstRequestOfRun(marker: SuccessMarker, local: (clusterDir: string) => string): bigint | undefined {
    const firstPhase = marker.phases[0];
    if (!firstPhase) return undefined;
    const jsonl = path.join(local(firstPhase.dir), "profile_export.jsonl");
    return fs.existsSync(jsonl) ? firstRequestNs(fs.readFileSync(jsonl, "utf8")) : undefined;
}

/** A folder on the cluster as this machine reads it: under localRunDir when it lies in runDir. */
export function localPath(ctx: Pick<CollectContext, "localRunDir" | "runDir">, dir: string): string {
    return dir.startsWith(`${ctx.runDir}/`) ? path.join(ctx.localRunDir, dir.slice(ctx.runDir.length + 1)) : dir;
}

export interface CollectContext {
    /** Local folder that mirrors the run folder (the run folder itself for a local login node). */
    localRunDir: string;
    /** The run folder on the cluster, as SUCCESS.json names it. */
    runDir: string;
    tool?: ToolName;
    gpus?: number;
    concurrency?: Record<string, number>;
}

/** Summarizes every phase SUCCESS.json lists; throws ResultsError for unreadable exports. */
export async function collectResults(markerText: string, ctx: CollectContext): Promise<SlurmResults> {
    const marker = parseSuccessMarker(markerText);
    const local = (dir: string) => localPath(ctx, dir);
    const gpu = readGpuSamples(ctx.localRunDir, marker.nodes);
    const phases: PhaseResult[] = [];
    for (const phase of marker.phases) {
        const concurrency = ctx.concurrency?.[phase.name];
        const summary = await summarizeRun(local(phase.dir), {
            phase: phase.name,
            ...(ctx.tool ? { tool: ctx.tool } : {}),
            ...(ctx.gpus ? { gpus: ctx.gpus } : {}),
            ...(concurrency ? { concurrency } : {}),
        });
        const result = phaseResult(phase.name, summary, concurrency, readAccuracy(local(phase.dir)));
        if (gpu) result.outputs.gpuUtilization = gpuWindow(gpu, phase.startNs, phase.endNs);
        phases.push(result);
    }
    const first = firstRequestOfRun(marker, local);
    return {
        schema: "dynamo-bench/slurm-results@1",
        jobId: marker.jobId,
        jobName: marker.jobName,
        runDir: ctx.runDir,
        nodes: marker.nodes,
        timings: timingsOf(marker, first),
        ...(ctx.tool ? { tool: ctx.tool } : {}),
        ...(ctx.gpus ? { gpus: ctx.gpus } : {}),
        phases,
    };
}

/** The samplers' files (slurm.gpuUtilization), by node name; undefined when the job sampled nothing. */
export function readGpuSamples(localRunDir: string, nodes: SuccessMarker["nodes"]): Map<string, GpuSample[]> | undefined {
    const dir = path.join(localRunDir, GPU_SAMPLES_DIR);
    if (!fs.existsSync(dir)) return undefined;
    const byNode = new Map<string, GpuSample[]>();
    for (const node of nodes) {
        const file = path.join(dir, `gpu-utilization-slot${node.slot}.csv`);
        if (fs.existsSync(file)) byNode.set(node.host, parseGpuSamples(fs.readFileSync(file, "utf8"), file));
    }
    return byNode;
}

/** One phase's samples: all nodes together (each GPU named by its node) and each node. */
export function gpuWindow(byNode: Map<string, GpuSample[]>, startNs: number, endNs: number) {
    const [from, to] = [startNs / 1e6, endNs / 1e6];
    const all = [...byNode].flatMap(([host, samples]) => samples.map((s) => ({ ...s, gpu: `${host}/${s.gpu}` })));
    return {
        ...summarizeGpuSamples(all, from, to),
        nodes: Object.fromEntries([...byNode].map(([host, samples]) => [host, summarizeGpuSamples(samples, from, to)])),
    };
}

// GPU telemetry on a Slurm job's nodes. The DCGM exporter (slurm.dcgmExporter):
// its process on every node slot and the /metrics AIPerf scrapes there. GPU
// utilisation sampling (slurm.gpuUtilization): the
// nvidia-smi query each node's sampler runs, where its CSV goes, and how often.
// node.sh runs the query every interval and writes each row behind the epoch
// milliseconds of its run, so the samples can be split by phase afterwards
// (lib/results/gpu-utilization.ts).
import * as path from "node:path";
import type { BenchmarkSpec } from "../../config/resolve";
import { slotHost } from "../facts/slurm-placeholders";
import type { ProcessSpec } from "./commands";

/** One DCGM exporter per node slot, listening on slurm.dcgmExporter.port; none when off. */
export function dcgmExporters(spec: BenchmarkSpec, slots: number): ProcessSpec[] {
    const d = spec.slurm.dcgmExporter;
    if (!d.enabled) return [];
    return Array.from({ length: slots }, () => ({ argv: d.command, env: { DCGM_EXPORTER_LISTEN: `:${d.port}` } }));
}

/** Each node's exporter /metrics, for AIPerf's --server-metrics (node.sh fills in the slot's address). */
export function dcgmMetricsUrls(spec: BenchmarkSpec, slots: number): string[] {
    const d = spec.slurm.dcgmExporter;
    return d.enabled ? Array.from({ length: slots }, (_, slot) => `http://${slotHost(slot)}:${d.port}/metrics`) : [];
}

/** nvidia-smi --query-gpu fields: CloudAI's utilisation and memory columns plus index, power and temperature. */
export const GPU_QUERY_FIELDS = [
    "timestamp",
    "index",
    "name",
    "pci.bus_id",
    "utilization.gpu",
    "utilization.memory",
    "memory.total",
    "memory.used",
    "power.draw",
    "temperature.gpu",
] as const;

/** Folder of the samples in the run folder; one CSV per node slot. */
export const GPU_SAMPLES_DIR = "gpu";

export function gpuSamplesFile(runDir: string, slot: number): string {
    return path.posix.join(runDir, GPU_SAMPLES_DIR, `gpu-utilization-slot${slot}.csv`);
}

export interface GpuSampler extends ProcessSpec {
    /** node.sh runs argv every `everySeconds` into `file` instead of exec'ing it once. */
    everySeconds: number;
    file: string;
}

/** One sampler per node slot; none when slurm.gpuUtilization is off. */
export function gpuSamplers(spec: BenchmarkSpec, runDir: string, slots: number): GpuSampler[] {
    const g = spec.slurm.gpuUtilization;
    if (!g.enabled) return [];
    const argv = [...g.command, `--query-gpu=${GPU_QUERY_FIELDS.join(",")}`, "--format=csv"];
    return Array.from({ length: slots }, (_, slot) => ({ argv, env: {}, everySeconds: g.intervalSeconds, file: gpuSamplesFile(runDir, slot) }));
}

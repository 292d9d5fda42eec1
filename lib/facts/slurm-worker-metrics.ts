// Whether the workers of a Slurm job serve their system port (DYN_SYSTEM_PORT:
// /metrics, /health). As on the local target, server metrics need it: AIPerf
// scrapes every worker there. slurm.workerSystemServer turns it on without
// them. One fact for the launch (lib/slurm/commands.ts) and the port rules,
// which keep each system port within what Dynamo reads.
import { serverMetricsOn } from "../benchmark/load-argv";

export interface WorkerMetricsSettings {
    benchmark: { serverMetrics: "auto" | boolean };
    slurm: { workerSystemServer: boolean };
}

/** AIPerf scrapes the frontend and every worker during each phase. */
export function slurmServerMetrics(spec: WorkerMetricsSettings): boolean {
    return serverMetricsOn(spec.benchmark.serverMetrics, "slurm");
}

export function slurmWorkerSystemServer(spec: WorkerMetricsSettings): boolean {
    return spec.slurm.workerSystemServer || slurmServerMetrics(spec);
}

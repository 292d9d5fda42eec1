// The ports of one worker process, laid out in a block so that several workers
// on one node never collide: the one place that says which offset is which.

/** Ports each worker process reserves, from its block's base. */
export const PORT_BLOCK = 32;
/**
 * Offset 12 stays free: a KVBM worker's event consolidator binds its publish port
 * + 1000 (fixed by KVBM), and 4 + 1000 = 31 blocks on + 12, so it lands on this
 * offset of a later block (config/rules/ports.ts checks the ports past the last block).
 * NIXL takes 16..31: vLLM opens one side channel per tensor-parallel rank from its port.
 */
export const PORT_OFFSETS = { bootstrap: 0, system: 1, kvEvents: 2, distInit: 3, kvbmPub: 4, kvbmAck: 5, kvbmMetrics: 6, nixl: 16 } as const;

/** The frontend's HTTP port when frontend.port is unset on Kubernetes and Slurm (local picks a free one). */
export const DEFAULT_FRONTEND_PORT = 8000;

/** Bootstrap port of a worker alone in its pod (Kubernetes): the one Dynamo's SGLang examples use. */
export const POD_WORKER_PORT_BASE = 12345;

export interface PortBlock {
    bootstrap: number;
    system: number;
    kvEvents: number;
    distInit: number;
    nixl: number;
    kvbm: { pub: number; ack: number; metrics: number };
}

/** Ports of the worker process with this ordinal among the processes sharing `base`. */
export function portBlock(base: number, ordinal: number): PortBlock {
    const start = base + ordinal * PORT_BLOCK;
    return {
        bootstrap: start + PORT_OFFSETS.bootstrap,
        system: start + PORT_OFFSETS.system,
        kvEvents: start + PORT_OFFSETS.kvEvents,
        distInit: start + PORT_OFFSETS.distInit,
        nixl: start + PORT_OFFSETS.nixl,
        kvbm: { pub: start + PORT_OFFSETS.kvbmPub, ack: start + PORT_OFFSETS.kvbmAck, metrics: start + PORT_OFFSETS.kvbmMetrics },
    };
}

/** Where a worker's system server (DYN_SYSTEM_PORT) serves its Prometheus metrics. */
export function workerMetricsUrl(host: string, systemPort: number): string {
    return `http://${host}:${systemPort}/metrics`;
}

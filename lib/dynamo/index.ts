// The launch model: see launch.ts.
export * from "../argv";
export * from "./env";
export * from "./launch";
export * from "./names";
export * from "./ports";
export * from "./lmcache-controller";
export * from "./progress-metrics";
export * from "./releases";
export * from "./types";
export { WORKER_COMPONENTS, workerComponent } from "./workers/common";
export { DEFAULT_KV_TRANSFER_CONFIG } from "./workers/vllm";
export { trtllmEngineConfig } from "./workers/trtllm";
export * from "./from-spec";
export { setupArgv, boundedSetupArgv } from "./setup";

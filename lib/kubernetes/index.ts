// Pure builders of the Kubernetes target (no Pulumi imports).
export * from "./benchmark";
export * from "./chart-values";
export * from "./cluster";
export * from "./collect";
export * from "./graph";
export * from "./graph-wait";
export * from "./release-wait";
export * from "./timings";
export * from "./names";
export * from "./platform";
export * from "./scheduling";
export * from "./script";
export * from "./results";
export * from "./launch";
export * from "./lmcache-controller";
export * from "./point-run";
export * from "./worker-metrics";

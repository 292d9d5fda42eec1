export { BenchmarkJob, type JobResults } from "./benchmark-job";
export { KubernetesBenchmark, deploy, type KubernetesBenchmarkArgs, type KubernetesBenchmarkOutputs, type KubernetesDetails } from "./benchmark";
export { DynamoGraph } from "./graph";
export { KaiQueue } from "./kai-queue";
export { DynamoPlatform, type PlatformOutputs } from "./platform";

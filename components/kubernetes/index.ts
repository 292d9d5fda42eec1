export { BenchmarkJob, parseCollectorStdout, type ResultsOutput } from "./benchmark-job";
export { KubernetesBenchmark, deployKubernetesBenchmark, type KubernetesBenchmarkArgs, type KubernetesBenchmarkOutputs } from "./benchmark";
export { DynamoGraph } from "./graph";
export { KaiQueue } from "./kai-queue";
export { DynamoPlatform, type PlatformOutputs } from "./platform";

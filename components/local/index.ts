// The local target's entry in the target contract (components/target.ts).
import type { DeployFn } from "../target";
import { LocalBenchmark } from "./local-benchmark";

export { LocalBenchmark, type LocalBenchmarkArgs, type LocalDetails } from "./local-benchmark";

export const deploy: DeployFn = (spec, secrets, runner, opts) =>
    new LocalBenchmark(spec.name, { spec, hfToken: secrets.hfToken, secretEnv: secrets.secretEnv, runner }, opts).outputs;

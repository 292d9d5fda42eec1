// Entry point of the dynamo-bench Pulumi program. Everything it exports is a stack output.
import { deployBenchmark, specFromStackConfig } from "./program";

const { spec, secrets } = specFromStackConfig();
const outputs = deployBenchmark(spec, secrets);

export = outputs;

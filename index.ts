// Entry point of the dynamo-bench Pulumi program. Everything it exports is a stack output.
import { commandRunnerFromEnv, deployStack, stackFromConfig } from "./program";

const { plan, secrets, gates } = stackFromConfig();
// How commands run is a property of the machine running Pulumi, not of the benchmark.
const commandRunner = commandRunnerFromEnv(process.env.DYNAMO_BENCH_COMMAND_RUNNER);
const outputs = deployStack(plan, secrets, { commandRunner }, gates);

export = outputs;

// Entry point of the dynamo-bench Pulumi program. Everything it exports is a stack output.
import { commandRunnerFromEnv, deployStack, stackFromConfig } from "./program";
import { progressDir } from "./lib/sweep/progress-file";

const { plan, secrets, gates } = stackFromConfig();
// How commands run is a property of the machine running Pulumi, not of the benchmark.
const commandRunner = commandRunnerFromEnv(process.env.DYNAMO_BENCH_COMMAND_RUNNER);
// The commands that run a sweep's points read which point they run from here (lib/sweep/progress-file.ts).
const outputs = deployStack(plan, secrets, { commandRunner, progressDir: progressDir(process.env) }, gates);

export = outputs;

/** `dynamo-bench outputs [file]`: the phase table of `pulumi stack output --json` (file or stdin). */
import * as fs from "node:fs";
import { renderPhaseTable } from "../lib/report/phase-table";
import type { BenchmarkOutputValues } from "../lib/outputs";
import { defineCommand, processIo, readCommandLine } from "../lib/cli-options";
import type { Command } from "./main";

const OUTPUTS_COMMAND = defineCommand({
    name: "outputs",
    positionals: { name: "[file]", max: 1 },
    about: `Prints the key figures of every benchmark phase in the stack outputs (TTFT,
ITL, request latency percentiles, throughput per GPU and per user) as a table.
The outputs are \`pulumi stack output --json\`, from the file or standard input:
  pulumi stack output --json | dynamo-bench outputs`,
    options: {},
    footer: "exit status: 0 ok, 1 no phases in the outputs, 2 unreadable input or usage error",
});

export async function outputsCommand(args: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
    const line = readCommandLine(OUTPUTS_COMMAND, args, processIo(io), (l) => l.positionals[0] ?? "/dev/stdin");
    if ("exitCode" in line) return line.exitCode;
    const source = line.options;
    // Any stack of any target has these keys (lib/outputs.ts); a foreign JSON may lack them.
    let outputs: Partial<BenchmarkOutputValues>;
    try {
        outputs = JSON.parse(fs.readFileSync(source, "utf8"));
    } catch (error) {
        io.stderr.write(`dynamo-bench outputs: cannot read stack outputs JSON from ${source}: ${(error as Error).message}\n`);
        return 2;
    }
    const phases = outputs.phases ?? {};
    if (Object.keys(phases).length === 0) {
        io.stderr.write(
            `dynamo-bench outputs: the stack outputs hold no phase results (resultsStatus: ${JSON.stringify(outputs.resultsStatus ?? "unknown")})\n`,
        );
        return 1;
    }
    const dynamo = outputs.dynamoVersion ? `, Dynamo ${outputs.dynamoVersion}` : "";
    io.stdout.write(`benchmark ${outputs.benchmark ?? "?"} (target ${outputs.target ?? "?"}${dynamo})\n${renderPhaseTable(phases)}\n`);
    return 0;
}

export const command: Command = {
    summary: "print the phase table of `pulumi stack output --json`",
    run: (args) => outputsCommand(args),
};

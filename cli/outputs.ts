/** `dynamo-bench outputs [file]`: the phase table of `pulumi stack output --json` (file or stdin). */
import * as fs from "node:fs";
import { renderPhaseTable } from "../lib/report/phase-table";
import type { BenchmarkOutputValues } from "../lib/outputs";
import type { Command } from "./main";

const HELP = `usage: pulumi stack output --json | dynamo-bench outputs [file]

Prints the key figures of every benchmark phase in the stack outputs (TTFT,
ITL, request latency percentiles, throughput per GPU and per user) as a table.

exit status: 0 ok, 1 no phases in the outputs, 2 unreadable input`;

export async function outputsCommand(args: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
    if (args.includes("-h") || args.includes("--help")) {
        io.stdout.write(`${HELP}\n`);
        return 0;
    }
    const source = args[0] ?? "/dev/stdin";
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

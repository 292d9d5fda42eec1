/** `dynamo-bench outputs [file]`: the phase table of `pulumi stack output --json` (file or stdin). */
import * as fs from "node:fs";
import { renderPhaseTable } from "../lib/report/phase-table";
import type { StackOutputs } from "../lib/results";
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
    let outputs: { target?: string; benchmark?: string; phases?: Record<string, StackOutputs> };
    try {
        outputs = JSON.parse(fs.readFileSync(source, "utf8"));
    } catch (error) {
        io.stderr.write(`dynamo-bench outputs: cannot read stack outputs JSON from ${source}: ${(error as Error).message}\n`);
        return 2;
    }
    const phases = outputs.phases ?? {};
    if (Object.keys(phases).length === 0) {
        io.stderr.write(`dynamo-bench outputs: the stack outputs hold no phase results (resultsStatus: ${JSON.stringify((outputs as Record<string, unknown>).resultsStatus ?? "unknown")})\n`);
        return 1;
    }
    io.stdout.write(`benchmark ${outputs.benchmark ?? "?"} (target ${outputs.target ?? "?"})\n${renderPhaseTable(phases)}\n`);
    return 0;
}

export const command: Command = {
    summary: "print the phase table of `pulumi stack output --json`",
    run: (args) => outputsCommand(args),
};

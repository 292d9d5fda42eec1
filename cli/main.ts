/**
 * `dynamo-bench` command dispatcher. Each subcommand lives in its own module
 * and exports a Command whose `run(args)` resolves to the exit code. To add one
 * (e.g. `local`, `status`), import it and add an entry to COMMANDS.
 */

import { command as comment } from "./comment";
import { command as gate } from "./gate";
import { command as importConfig } from "./import";
import { command as k8sCollect } from "./k8s-collect";
import { command as k8sWaitGraph } from "./k8s-wait-graph";
import { command as k8sRunPoint, deleteCommand as k8sDeletePoint } from "./k8s-run-point";
import { command as k8sReleaseRevision } from "./k8s-release-revision";
import { command as k8sWaitRelease } from "./k8s-wait-release";
import { command as localRun } from "./local-run";
import { command as outputs } from "./outputs";
import { command as report } from "./report";
import { command as results } from "./results";
import { command as slurmWait } from "./slurm-wait";

export interface Command {
    summary: string;
    run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
    results,
    import: importConfig,
    "k8s-collect": k8sCollect,
    "k8s-wait-graph": k8sWaitGraph,
    "k8s-run-point": k8sRunPoint,
    "k8s-delete-point": k8sDeletePoint,
    "k8s-release-revision": k8sReleaseRevision,
    "k8s-wait-release": k8sWaitRelease,
    "local-run": localRun,
    outputs,
    report,
    gate,
    comment,
    "slurm-wait": slurmWait,
};

function usage(): string {
    const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 3;
    return [
        "usage: dynamo-bench <command> [options]",
        "",
        "commands:",
        ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`),
        "",
        "Run `dynamo-bench <command> --help` for a command's options.",
    ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === "-h" || name === "--help" || name === "help") {
        (name === undefined ? process.stderr : process.stdout).write(usage() + "\n");
        return name === undefined ? 2 : 0;
    }
    const command = COMMANDS[name];
    if (command === undefined) {
        process.stderr.write(`dynamo-bench: unknown command "${name}"\n\n${usage()}\n`);
        return 2;
    }
    return command.run(rest);
}

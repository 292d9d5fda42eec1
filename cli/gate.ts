/**
 * `dynamo-bench gate <outputs.json>... [--baseline FILE] [--slo EXPR]... [--tolerance metric=pct]...`:
 * the gates' verdict on stack outputs as a table and an exit code, for a CI job's status.
 */
import * as fs from "node:fs";
import { readOutputsFile } from "../config/load-gates";
import { defineCommand, processIo, readCommandLine, UsageError } from "../lib/cli-options";
import { parseSlo, parseTolerance, type Slo } from "../lib/gates/expressions";
import { COMPARABLE_METRICS, describeMetrics, isMetric } from "../lib/gates/metrics";
import { renderVerdictTable } from "../lib/gates/table";
import { baselineProblem, judgeGates, type Baseline, type GatedOutputs, type GatesVerdict } from "../lib/gates/verdict";
import type { Command } from "./main";

const GATE_COMMAND = defineCommand({
    name: "gate",
    positionals: { name: "<outputs.json>...", min: 1, max: 1000 },
    about: `Judges stack outputs (files of \`pulumi stack output --json\`) and exits with the verdict.
Without --slo and --tolerance it reports the verdict the stack recorded when it
ran (its gates section); with them it judges the figures again with these limits
(validity is always the one recorded: it needs what the stack asked).
  dynamo-bench gate results.json --slo "ttftMs.p99 <= 500" --baseline main.json --tolerance ttftMs.p99=10`,
    options: {
        baseline: { type: "string", value: "FILE", description: "outputs of the baseline stack to compare with" },
        slo: { type: "string", multiple: true, value: "EXPR", description: 'a limit, "<metric> <=|<|>=|> <number> [in <phase>]"' },
        tolerance: { type: "string", multiple: true, value: "METRIC=PCT", description: "how much worse than the baseline a metric may get, in percent" },
    },
    footer: "exit status: 0 every stack passes (or was not judged), 1 a gate fails, 2 unreadable input or usage error",
});

interface GateOptions {
    files: string[];
    slo: Slo[];
    tolerances: Record<string, number>;
    baseline?: string;
}

function buildOptions(files: string[], v: { baseline?: string; slo: string[]; tolerance: string[] }): GateOptions {
    const slo = v.slo.map((text) => {
        const parsed = parseSlo(text);
        if ("error" in parsed) throw new UsageError(`--slo ${parsed.error}, got ${JSON.stringify(text)}`);
        return parsed.slo;
    });
    const tolerances: Record<string, number> = {};
    for (const item of v.tolerance) {
        const [metric, value, ...rest] = item.split("=");
        if (value === undefined || rest.length > 0) throw new UsageError(`--tolerance expects METRIC=PCT such as ttftMs.p99=10, got ${JSON.stringify(item)}`);
        if (!isMetric(metric!) || !COMPARABLE_METRICS.includes(metric!)) {
            throw new UsageError(
                `--tolerance expects a metric with a better direction (${describeMetrics(COMPARABLE_METRICS)}), got ${JSON.stringify(metric)}`,
            );
        }
        const parsed = parseTolerance(value);
        if ("error" in parsed) throw new UsageError(`--tolerance ${metric}: ${parsed.error}, got ${JSON.stringify(value)}`);
        tolerances[metric!] = parsed.percent;
    }
    const compared = Object.keys(tolerances).length > 0;
    if (compared && v.baseline === undefined) throw new UsageError("--tolerance needs --baseline FILE to compare with");
    if (!compared && v.baseline !== undefined) throw new UsageError("--baseline needs at least one --tolerance METRIC=PCT");
    return { files, slo, tolerances, ...(v.baseline !== undefined ? { baseline: v.baseline } : {}) };
}

interface Judged extends GatedOutputs {
    benchmark?: string;
    valid?: boolean;
    invalidReasons?: string[];
    gates?: GatesVerdict;
}

export async function gateCommand(args: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
    const line = readCommandLine(GATE_COMMAND, args, processIo(io), (l) => buildOptions(l.positionals, l.values));
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    const fail = (message: string) => (io.stderr.write(`dynamo-bench gate: ${message}\n`), 2);
    let baseline: Baseline | undefined;
    if (o.baseline !== undefined) {
        const read = readOutputsFile(o.baseline);
        if ("error" in read) return fail(`--baseline: ${read.error}`);
        baseline = { label: `file ${o.baseline}`, outputs: read.outputs };
        const problem = baselineProblem(baseline);
        if (problem) return fail(`--baseline: ${problem}`);
    }
    const rejudge = o.slo.length > 0 || baseline !== undefined;
    let failed = false;
    const tables: string[] = [];
    for (const file of o.files) {
        if (!fs.existsSync(file)) return fail(`cannot read ${file}: no such file`);
        const read = readOutputsFile(file);
        if ("error" in read) return fail(read.error);
        const outputs = read.outputs as Judged;
        const invalidReasons = outputs.invalidReasons ?? [];
        const recordedVerdict = outputs.gates;
        const verdict =
            !rejudge && recordedVerdict
                ? recordedVerdict
                : judgeGates(
                      outputs,
                      outputs.valid === false ? invalidReasons : [],
                      { onInvalid: "fail", slo: o.slo, tolerances: o.tolerances, onRegression: "fail" },
                      baseline,
                  );
        failed ||= verdict.status === "fail";
        tables.push(
            renderVerdictTable(`${outputs.benchmark ?? file} (${file})`, verdict, outputs.valid === false ? invalidReasons : [], outputs.valid !== undefined),
        );
    }
    io.stdout.write(tables.join("\n\n") + "\n");
    return failed ? 1 : 0;
}

export const command: Command = {
    summary: "judge stack outputs (validity, SLOs, regression against a baseline) and exit 1 when a gate fails",
    run: (args) => gateCommand(args),
};

/** `dynamo-bench report <outputs.json>... [--stack NAME]... --out DIR`: tables and charts comparing benchmark and sweep stacks. */
import { defineCommand, positiveNumber, processIo, readCommandLine, UsageError, type CommandIo, type ParsedCommandLine } from "../lib/cli-options";
import { loadOutputs, uniqueLabels, type ReportInput } from "../lib/report/inputs";
import { normaliseOutputs, type ReportSource } from "../lib/report/sources";
import { writeReport } from "../lib/report/write";
import type { SweepLimits } from "../lib/sweep/frontier";
import type { Command } from "./main";

export const REPORT_COMMAND = defineCommand({
    name: "report",
    synopsis: "<outputs.json>... [--stack NAME]... --out DIR [options]",
    positionals: { name: "<outputs.json>...", max: Infinity },
    about: `Writes a report comparing the stack outputs of benchmark and sweep stacks:
report.md (tables per source, point and load; the Pareto frontier; the best
candidates under the latency limits), pareto.svg (output tok/s per GPU against
per user), latency-against-throughput charts, and report.html, self-contained
with the charts inline. Inputs are files of \`pulumi stack output --json\` (the
file name labels the source) and stacks read with the Pulumi CLI (the stack
name labels it); files first, then stacks, each in the order given. The frontier
and the best candidates are recomputed from the figures.`,
    options: {
        stack: { type: "string", multiple: true, value: "NAME", description: "read this stack's outputs with `pulumi stack output --json`" },
        out: { type: "string", required: true, value: "DIR", description: "folder to write the report into (created if missing; files in it are replaced)" },
        "ttft-p99-ms": { type: "string", value: "MS", description: "limit for best: time to first token p99, in ms" },
        "itl-p99-ms": { type: "string", value: "MS", description: "limit for best: inter-token latency p99, in ms" },
        "latency-p99-ms": { type: "string", value: "MS", description: "limit for best: request latency p99, in ms" },
    },
    footer: "exit status: 0 written, 1 an input unreadable or not stack outputs, or no figures in any, 2 usage error",
});

interface Options {
    inputs: ReportInput[];
    outDir: string;
    limits: SweepLimits;
}

function optionsFrom({ values: v, positionals }: ParsedCommandLine<typeof REPORT_COMMAND.options>): Options {
    const inputs: ReportInput[] = [...positionals.map((file) => ({ file })), ...v.stack.map((stack) => ({ stack }))];
    if (inputs.length === 0) throw new UsageError("no input: give an outputs JSON file or --stack NAME");
    const limit = (key: "ttft-p99-ms" | "itl-p99-ms" | "latency-p99-ms") => (v[key] === undefined ? undefined : positiveNumber(key, v[key], { unit: "ms" }));
    const limits: SweepLimits = {};
    const [ttft, itl, latency] = [limit("ttft-p99-ms"), limit("itl-p99-ms"), limit("latency-p99-ms")];
    if (ttft !== undefined) limits.ttftP99Ms = ttft;
    if (itl !== undefined) limits.itlP99Ms = itl;
    if (latency !== undefined) limits.requestLatencyP99Ms = latency;
    return { inputs, outDir: v.out, limits };
}

export async function reportCommand(args: string[], io: CommandIo = processIo()): Promise<number> {
    const line = readCommandLine(REPORT_COMMAND, args, io, optionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const { inputs, outDir, limits } = line.options;
    let sources: ReportSource[];
    try {
        const loaded = await Promise.all(inputs.map(loadOutputs));
        const labels = uniqueLabels(loaded.map((l) => l.label));
        sources = loaded.map((l, i) => normaliseOutputs(labels[i]!, l.outputs));
    } catch (e) {
        io.stderr(`dynamo-bench report: ${(e as Error).message}\n`);
        return 1;
    }
    const withFigures = sources.filter((s) => s.points.some((p) => Object.keys(p.phases).length > 0));
    if (withFigures.length === 0) {
        const statuses = sources.map((s) => `${s.label}: ${s.resultsStatus ?? "no resultsStatus"}`).join("; ");
        io.stderr(`dynamo-bench report: no phase figures in any input (${statuses}); nothing to report\n`);
        return 1;
    }
    const written = await writeReport(sources, limits, outDir);
    for (const w of written.warnings) io.stderr(`dynamo-bench report: chart warning: ${w}\n`);
    io.stdout(`wrote ${written.files.join(", ")} to ${outDir}\n`);
    for (const { source, result } of written.model.sources) {
        const frontier = result.frontier.map((e) => `${e.point}/${e.load}`).join(", ") || "none";
        io.stdout(`  ${source.label}: ${source.points.length} point(s); frontier: ${frontier}\n`);
    }
    return 0;
}

export const command: Command = {
    summary: "write tables and charts (md, svg, html) comparing benchmark and sweep stack outputs",
    run: (args) => reportCommand(args),
};

/** `dynamo-bench results <file-or-directory>... [options]`: the summary of genai-perf / AIPerf exports; options in RESULTS_COMMAND. */
import { isResultsError, renderSummary, summarizeRuns, type RunSummary, type SummaryContext, type ToolName } from "../lib/results";
import { defineCommand, oneOf, positiveNumber, processIo, readCommandLine, type ParsedCommandLine } from "../lib/cli-options";
import type { Command } from "./main";

export const RESULTS_COMMAND = defineCommand({
    name: "results",
    positionals: { name: "<file-or-directory>...", min: 1, max: Infinity },
    about: `Finds genai-perf / AIPerf export files (recursively in directories), parses them
and prints one summary per run: an aligned table, or JSON with --json.`,
    options: {
        json: { type: "boolean", description: 'print the summary JSON (one run: the summary object; several: {"runs": [...]})' },
        gpus: { type: "string", value: "N", description: "GPUs of the inference workers, for tokens/s per GPU" },
        concurrency: { type: "string", value: "N", description: "load concurrency, for tokens/s per user when the tool has no per-user metric" },
        phase: { type: "string", value: "NAME", description: "phase label to record in the summary" },
        tool: { type: "string", value: "T", description: "genai-perf | aiperf (checked against the files)" },
    },
    footer: "exit status: 0 ok, 1 unreadable / empty / truncated / foreign input, 2 usage error",
});

interface Options {
    json: boolean;
    paths: string[];
    context: SummaryContext;
}

function optionsFrom({ values: v, positionals }: ParsedCommandLine<typeof RESULTS_COMMAND.options>): Options {
    const context: SummaryContext = {};
    if (v.gpus !== undefined) context.gpus = positiveNumber("gpus", v.gpus, { integer: true });
    if (v.concurrency !== undefined) context.concurrency = positiveNumber("concurrency", v.concurrency);
    if (v.phase !== undefined) context.phase = v.phase;
    if (v.tool !== undefined) context.tool = oneOf<ToolName>("tool", v.tool, ["genai-perf", "aiperf"]);
    return { json: v.json, paths: positionals, context };
}

export const command: Command = {
    summary: "summarize genai-perf / AIPerf exports",
    async run(args: string[]): Promise<number> {
        const line = readCommandLine(RESULTS_COMMAND, args, processIo(), optionsFrom);
        if ("exitCode" in line) return line.exitCode;
        const opts = line.options;
        const summaries: RunSummary[] = [];
        try {
            for (const p of opts.paths) summaries.push(...(await summarizeRuns(p, opts.context)));
        } catch (e) {
            if (isResultsError(e)) {
                process.stderr.write(`dynamo-bench results: error: ${e.message}\n`);
                return 1;
            }
            throw e;
        }
        if (opts.json) {
            const doc = summaries.length === 1 ? summaries[0] : { runs: summaries };
            process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
        } else {
            process.stdout.write(summaries.map(renderSummary).join("\n"));
        }
        return 0;
    },
};

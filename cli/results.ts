/** `dynamo-bench results <file-or-directory>... [--json] [--gpus N] [--concurrency N] [--phase NAME] [--tool T]` */

import { isResultsError, renderSummary, summarizeRuns, type RunSummary, type SummaryContext, type ToolName } from "../lib/results";
import type { Command } from "./main";

const HELP = `usage: dynamo-bench results <file-or-directory>... [options]

Finds genai-perf / AIPerf export files (recursively in directories), parses them
and prints one summary per run: an aligned table, or JSON with --json.

options:
  --json               print the summary JSON (one run: the summary object; several: {"runs": [...]})
  --gpus N             GPUs of the inference workers, for tokens/s per GPU
  --concurrency N      load concurrency, for tokens/s per user when the tool has no per-user metric
  --phase NAME         phase label to record in the summary
  --tool T             genai-perf | aiperf (checked against the files)
  -h, --help           this help

exit status: 0 ok, 1 unreadable / empty / truncated / foreign input, 2 usage error`;

class UsageError extends Error {}

interface Options {
    json: boolean;
    paths: string[];
    context: SummaryContext;
}

function parseArgs(args: string[]): Options | "help" {
    const o: Options = { json: false, paths: [], context: {} };
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a === "-h" || a === "--help") return "help";
        if (a === "--json") {
            o.json = true;
            continue;
        }
        if (a === "--") {
            o.paths.push(...args.slice(i + 1));
            break;
        }
        if (a.startsWith("--")) {
            const eq = a.indexOf("=");
            const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
            const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
            if (!["gpus", "concurrency", "phase", "tool"].includes(key)) throw new UsageError(`unknown option --${key}`);
            if (value === undefined || value === "") throw new UsageError(`--${key} needs a value`);
            if (key === "gpus" || key === "concurrency") {
                const n = Number(value);
                if (!Number.isFinite(n) || n <= 0 || (key === "gpus" && !Number.isInteger(n))) {
                    throw new UsageError(`--${key} must be a positive ${key === "gpus" ? "integer" : "number"}, got "${value}"`);
                }
                o.context[key] = n;
            } else if (key === "tool") {
                if (value !== "genai-perf" && value !== "aiperf") throw new UsageError(`--tool must be genai-perf or aiperf, got "${value}"`);
                o.context.tool = value as ToolName;
            } else {
                o.context.phase = value;
            }
            continue;
        }
        if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
        o.paths.push(a);
    }
    if (o.paths.length === 0) throw new UsageError("missing <file-or-directory>");
    return o;
}

export const command: Command = {
    summary: "summarize genai-perf / AIPerf exports",
    async run(args: string[]): Promise<number> {
        let opts: Options | "help";
        try {
            opts = parseArgs(args);
        } catch (e) {
            if (e instanceof UsageError) {
                process.stderr.write(`dynamo-bench results: ${e.message}\n\n${HELP}\n`);
                return 2;
            }
            throw e;
        }
        if (opts === "help") {
            process.stdout.write(HELP + "\n");
            return 0;
        }
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

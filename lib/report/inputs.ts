// Where a report's stack outputs come from: a JSON file (`pulumi stack output
// --json > f.json`, or `dynamo-bench outputs`' input), or a stack, read by
// running the Pulumi CLI the way this project finds it (scripts/pulumi-env.sh).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoPath } from "../paths";

/** One input of `dynamo-bench report`, in command-line order. */
export type ReportInput = { file: string } | { stack: string };

export interface LoadedOutputs {
    /** The file name without .json, or the stack name: what the report calls this source. */
    label: string;
    outputs: unknown;
}

/** Bounds `pulumi stack output`: a file backend answers in seconds, a cloud backend in tens of seconds. */
const PULUMI_TIMEOUT_MS = 120_000;

// A static script: the stack name reaches pulumi as an argument, never as shell text.
const STACK_OUTPUT_SCRIPT = 'source "$1" && exec pulumi stack output --json --show-secrets=false --stack "$2"';

export async function loadOutputs(input: ReportInput): Promise<LoadedOutputs> {
    if ("file" in input) {
        const text = await fs.promises.readFile(input.file, "utf8").catch((e: Error) => {
            throw new Error(`cannot read ${input.file}: ${e.message}`);
        });
        return { label: path.basename(input.file).replace(/\.json$/i, ""), outputs: parseJson(text, input.file) };
    }
    const text = await stackOutputJson(input.stack);
    return { label: input.stack, outputs: parseJson(text, `the outputs of stack ${input.stack}`) };
}

/** Labels made unique by a suffix, so two files of the same name in different folders stay apart. */
export function uniqueLabels(labels: readonly string[]): string[] {
    const seen = new Map<string, number>();
    return labels.map((label) => {
        const n = (seen.get(label) ?? 0) + 1;
        seen.set(label, n);
        return n === 1 ? label : `${label} (${n})`;
    });
}

function stackOutputJson(stack: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "bash",
            ["-c", STACK_OUTPUT_SCRIPT, "bash", repoPath("scripts", "pulumi-env.sh"), stack],
            { cwd: repoPath(), timeout: PULUMI_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (!error) return resolve(stdout);
                const why = error.killed ? `timed out after ${PULUMI_TIMEOUT_MS / 1000} s` : `failed (${error.code ?? error.signal})`;
                const tail = stderr.trim().split("\n").slice(-5).join("\n  ");
                reject(new Error(`pulumi stack output --stack ${stack} ${why}${tail ? `:\n  ${tail}` : ""}`));
            },
        );
    });
}

function parseJson(text: string, what: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Error(`${what} is not JSON: ${(e as Error).message}`);
    }
}

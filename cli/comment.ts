/**
 * `dynamo-bench comment --preview <file>... --outputs <file>...`: Markdown for a
 * pull-request comment: what `pulumi preview --json` would change per stack,
 * the figures, the gates' verdicts.
 */
import * as fs from "node:fs";
import { readOutputsFile } from "../config/load-gates";
import { defineCommand, processIo, readCommandLine, UsageError } from "../lib/cli-options";
import { renderComment, type CommentOutputs } from "../lib/gates/comment";
import { readPreview, type PreviewSummary } from "../lib/gates/preview";
import type { Command } from "./main";

const COMMENT_COMMAND = defineCommand({
    name: "comment",
    about: `Writes Markdown for a pull-request comment on standard output: per stack, what
\`pulumi preview --json\` would change, the figures of \`pulumi stack output --json\`
and the gates' verdicts. Plain Markdown (no links, no HTML): GitHub and GitLab
render it alike.
  dynamo-bench comment --preview preview-a.json --outputs results-a.json > comment.md`,
    options: {
        preview: { type: "string", multiple: true, value: "FILE", description: "`pulumi preview --json` of a stack" },
        outputs: { type: "string", multiple: true, value: "FILE", description: "`pulumi stack output --json` of a stack" },
    },
    footer: "exit status: 0 written, 2 unreadable input or usage error",
});

export async function commentCommand(args: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
    const line = readCommandLine(COMMENT_COMMAND, args, processIo(io), (l) => {
        if (l.values.preview.length + l.values.outputs.length === 0) throw new UsageError("give at least one --preview FILE or --outputs FILE");
        return l.values;
    });
    if ("exitCode" in line) return line.exitCode;
    const fail = (message: string) => (io.stderr.write(`dynamo-bench comment: ${message}\n`), 2);
    const previews: PreviewSummary[] = [];
    for (const file of line.options.preview) {
        try {
            previews.push(readPreview(JSON.parse(fs.readFileSync(file, "utf8")), file));
        } catch (error) {
            return fail(`--preview ${file}: ${(error as Error).message}`);
        }
    }
    const outputs: Array<{ source: string; outputs: CommentOutputs }> = [];
    for (const file of line.options.outputs) {
        const read = readOutputsFile(file);
        if ("error" in read) return fail(`--outputs: ${read.error}`);
        outputs.push({ source: file, outputs: read.outputs as CommentOutputs });
    }
    io.stdout.write(renderComment({ previews, outputs }));
    return 0;
}

export const command: Command = {
    summary: "Markdown for a pull-request comment: preview changes, figures and gate verdicts per stack",
    run: (args) => commentCommand(args),
};

/** `dynamo-bench import cloudai <scenario.toml> --tests DIR [--system FILE] [--out DIR]`: CloudAI configurations as stack files. */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, processIo, readCommandLine, UsageError, type CommandIo, type ParsedCommandLine } from "../lib/cli-options";
import { ImportError, importCloudai, readSources, renderReport, renderStackFile, summaryLine } from "../lib/import/cloudai";
import type { Command } from "./main";

export const IMPORT_COMMAND = defineCommand({
    name: "import",
    synopsis: "cloudai <scenario.toml> --tests DIR [--system FILE] [--out DIR] [options]",
    positionals: { name: "cloudai <scenario.toml>", min: 2, max: 2 },
    about: `Reads a CloudAI scenario (the AIDynamo and DynamoMocker test definitions it
names, found by name in --tests, with the scenario's inline overrides) and
writes one stack file per test run, <out>/Pulumi.<id>.yaml, in this project's
configuration. The target follows the system's scheduler (slurm, kubernetes,
standalone -> local; local without --system). CloudAI's list-valued fields
become a sweep. Each stack gets <out>/<id>.import-report.md, also printed:
what happened to every field (mapped, adjusted, not mapped and why, unknown),
and whether the stack validates or which field to fix. Secrets are never
written; the report gives the \`pulumi config set --secret\` line instead.`,
    options: {
        tests: { type: "string", required: true, value: "DIR", description: "folder of CloudAI test TOML files (searched recursively)" },
        system: { type: "string", value: "FILE", description: "CloudAI system TOML: picks the target and the cluster settings" },
        out: { type: "string", default: "stacks", value: "DIR", description: "folder for the stack files and reports" },
        force: { type: "boolean", description: "replace stack files that exist (they may hold your own settings and encrypted secrets)" },
    },
    footer: "exit status: 0 written, 1 unreadable input (malformed TOML, a missing test, an unsupported system) or an existing stack file, 2 usage error",
});

interface Options {
    scenario: string;
    tests: string;
    system?: string;
    out: string;
    force: boolean;
}

function optionsFrom({ values: v, positionals }: ParsedCommandLine<typeof IMPORT_COMMAND.options>): Options {
    const [source, scenario] = positionals;
    if (source !== "cloudai") throw new UsageError(`unknown import source "${source}": expected cloudai`);
    return { scenario: scenario!, tests: v.tests, ...(v.system ? { system: v.system } : {}), out: v.out, force: v.force };
}

export async function importCommand(args: string[], io: CommandIo = processIo()): Promise<number> {
    const line = readCommandLine(IMPORT_COMMAND, args, io, optionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    try {
        const stacks = importCloudai(readSources(o.scenario, o.tests, o.system));
        const files = stacks.map((s) => ({
            s,
            stackFile: path.join(o.out, `Pulumi.${s.stack}.yaml`),
            reportFile: path.join(o.out, `${s.stack}.import-report.md`),
        }));
        const existing = files.filter((f) => fs.existsSync(f.stackFile));
        if (existing.length > 0 && !o.force) {
            io.stderr(`dynamo-bench import: ${existing.map((f) => f.stackFile).join(", ")} exists; nothing written (--force replaces it)\n`);
            return 1;
        }
        fs.mkdirSync(o.out, { recursive: true });
        for (const { s, stackFile, reportFile } of files) {
            const report = renderReport(s.report);
            fs.writeFileSync(stackFile, renderStackFile(s.config, s.comments));
            fs.writeFileSync(reportFile, report);
            io.stdout(`${report}\n`);
        }
        for (const { s, stackFile, reportFile } of files) {
            const status = s.report.validation.ok
                ? "validates"
                : `does not validate yet (${s.report.validation.problems.length} field(s) to fix, see the report)`;
            io.stdout(`wrote ${stackFile} (${status}; ${summaryLine(s.report.lines)}) and ${reportFile}\n`);
            for (const c of s.report.secretCommands) io.stdout(`  then: ${c}\n`);
        }
        return 0;
    } catch (e) {
        if (!(e instanceof ImportError)) throw e;
        io.stderr(`dynamo-bench import: ${e.message}\n`);
        return 1;
    }
}

export const command: Command = {
    summary: "write stack files from CloudAI AIDynamo / DynamoMocker TOML files",
    run: (args) => importCommand(args),
};

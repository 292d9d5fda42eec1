/**
 * `dynamo-bench local-run --spec-file <json> [options]` (options in LOCAL_RUN_COMMAND)
 *
 * Runs one benchmark on this machine with Dynamo's mocker: frontend plus
 * prefill/decode workers, then each AIPerf phase. Progress goes to stderr; the
 * last line on stdout is `DYNAMO_BENCH_RESULT <json>` (see LocalRunOutput).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSpec } from "../config/load";
import type { BenchmarkSpec } from "../config/resolve";
import { planInputFromSpec, TINY_MODEL_ID } from "../lib/local/from-spec";
import { planLocalRun, portRequests, portsFromAllocation, workerNames, type LocalRunPlan, type LocalRunPlanInput } from "../lib/local/plan";
import { allocatePorts, PortInUseError } from "../lib/local/ports";
import { LocalRunError, runLocalPlan, type LocalRunResult, type RunTimings } from "../lib/local/runner";
import { readAccuracy, type AccuracyOutput } from "../lib/results/accuracy";
import { formatResultLine, RESULT_MARKER, summarizeRun, toStackOutputs, type RunSummary, type StackOutputs } from "../lib/results";
import { defineCommand, processIo, readCommandLine, type ParsedCommandLine } from "../lib/cli-options";
import type { Command } from "./main";
import { pointProgress, progressDir } from "../lib/sweep/progress-file";

export { RESULT_MARKER } from "../lib/results";

const LOCAL_RUN_COMMAND = defineCommand({
    name: "local-run",
    about: `Runs the benchmark locally with the Dynamo mocker (no GPU): a frontend, the
prefill and decode workers, then every AIPerf phase. Every process is stopped
at the end, on failure and on Ctrl-C. Ports are picked free unless
frontend.port is set.

The spec file holds either the stack configuration (the dynamo-bench: keys of
Pulumi.<stack>.yaml, as JSON) or a resolved BenchmarkSpec. model.id
"${TINY_MODEL_ID}" means the tiny offline model made by scripts/setup-python.sh.`,
    options: {
        "spec-file": { type: "string", required: true, value: "FILE", description: "the spec; - reads standard input" },
        stack: { type: "string", value: "NAME", description: 'stack name for a raw configuration (default: $PULUMI_STACK or "local")' },
        "run-dir": {
            type: "string",
            value: "DIR",
            description: "folder for this run's logs and exports (default: local.runDir/<run-id>,\nelse $DYNAMO_BENCH_CACHE/runs/<run-id>)",
        },
        "run-id": { type: "string", value: "ID", description: "run id (default: <name>-<UTC time>-<random>)" },
        "full-summary": {
            type: "boolean",
            description: "also embed each phase's full summary in the result line\n(about 140 kB per phase; it is always written to summaryFile)",
        },
    },
    footer: `Progress goes to stderr. The last stdout line is
  ${RESULT_MARKER} {"ok":true,"runId":...,"runDir":...,"phases":[{"name","artifactDir","logFile","summaryFile","outputs"}],"timings":{...},"outputs":{...}}
or, on failure, ${RESULT_MARKER} {"ok":false,"error":{"kind","message",...},"timings":{...}}.

exit status: 0 ok, 1 run failed, 2 usage or configuration error, 130/143 interrupted`,
});

export interface PhaseOutput {
    name: string;
    artifactDir: string;
    logFile: string;
    /** The phase's dynamo-bench.results/v1 summary (lib/results), as a file in the run folder. */
    summaryFile?: string;
    /** The summary itself, with --full-summary only: it is large, and the result line may end up in Pulumi state. */
    summary?: RunSummary;
    /** toStackOutputs(summary): the phase's figures; an accuracy phase adds its scores (lib/results/accuracy.ts). */
    outputs?: StackOutputs & { accuracy?: AccuracyOutput };
    /** Why the summary is missing, when it is. */
    summaryError?: string;
}

export interface LocalRunOutput {
    ok: boolean;
    runId?: string;
    runDir?: string;
    frontendUrl?: string;
    phases?: PhaseOutput[];
    timings?: RunTimings;
    /** Stack outputs of the first phase (a single-phase run's outputs). */
    outputs?: StackOutputs;
    error?: { kind: string; message: string; process?: string; logFile?: string; logTail?: string };
}

interface Args {
    specFile: string;
    stack: string;
    fullSummary: boolean;
    runDir?: string;
    runId?: string;
}

function argsFrom({ values: v }: ParsedCommandLine<typeof LOCAL_RUN_COMMAND.options>, env: NodeJS.ProcessEnv): Args {
    return {
        specFile: v["spec-file"],
        stack: v.stack ?? (env.PULUMI_STACK || "local"),
        fullSummary: v["full-summary"],
        ...(v["run-dir"] ? { runDir: path.resolve(v["run-dir"]) } : {}),
        ...(v["run-id"] ? { runId: v["run-id"] } : {}),
    };
}

/** A resolved BenchmarkSpec carries fields the raw configuration does not have. */
async function readSpec(file: string, stack: string): Promise<BenchmarkSpec> {
    const raw = JSON.parse(file === "-" ? await readAll(process.stdin) : fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    if (typeof raw.servedModelName === "string" && Array.isArray(raw.phases)) return raw as unknown as BenchmarkSpec;
    return loadSpec(raw, stack);
}

/** Standard input may be a pipe or a socket; a stream read works for both. */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8");
}

/** Checks what the run needs on disk, with the command that fixes it. */
export function checkPrerequisites(input: LocalRunPlanInput): string[] {
    const problems: string[] = [];
    const python = path.join(input.venv, "bin", "python");
    const aiperf = path.join(input.venv, "bin", "aiperf");
    if (!fs.existsSync(python) || !fs.existsSync(aiperf)) {
        problems.push(`the Python venv ${input.venv} is missing or incomplete (needs bin/python and bin/aiperf); set it up with: bash scripts/setup-python.sh`);
    }
    if (path.isAbsolute(input.model.path) && !fs.existsSync(path.join(input.model.path, "config.json"))) {
        problems.push(`the model folder ${input.model.path} has no config.json; for the tiny model run: bash scripts/setup-python.sh`);
    }
    return problems;
}

/**
 * Summaries of each phase through lib/results, written to <run>/summaries/<phase>.json;
 * a phase that cannot be read keeps its reason.
 */
export async function summarizePhases(
    result: LocalRunResult,
    spec: Pick<BenchmarkSpec, "totalWorkerGpus" | "phases"> | undefined,
    embed = false,
): Promise<PhaseOutput[]> {
    const out: PhaseOutput[] = [];
    for (const phase of result.phases) {
        const files = ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl", "server_metrics_export.csv"]
            .map((f) => path.join(phase.artifactDir, f))
            .filter((f) => fs.existsSync(f));
        const base: PhaseOutput = { name: phase.name, artifactDir: phase.artifactDir, logFile: phase.logFile };
        try {
            const specPhase = spec?.phases.find((p) => p.name === phase.name);
            const summary = await summarizeRun(files, {
                tool: "aiperf",
                phase: phase.name,
                ...(spec ? { gpus: spec.totalWorkerGpus } : {}),
                ...(specPhase ? { concurrency: specPhase.concurrency } : {}),
            });
            const summaryFile = path.join(result.runDir, "summaries", `${phase.name}.json`);
            fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
            fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + "\n");
            const accuracy = readAccuracy(phase.artifactDir);
            out.push({ ...base, summaryFile, ...(embed ? { summary } : {}), outputs: { ...toStackOutputs(summary), ...(accuracy ? { accuracy } : {}) } });
        } catch (err) {
            out.push({ ...base, summaryError: (err as Error).message });
        }
    }
    return out;
}

/** Runs a plan input end to end: ports, plan, processes, summaries. */
export async function executeLocalRun(
    input: LocalRunPlanInput,
    opts: { env: NodeJS.ProcessEnv; log: (line: string) => void; spec?: BenchmarkSpec; fullSummary?: boolean; onStage?: (stage: string) => void },
): Promise<{ output: LocalRunOutput; plan?: LocalRunPlan }> {
    const ports = portsFromAllocation(await allocatePorts(portRequests(input)), input.benchmark.serverMetrics ? workerNames(input).length : 0);
    const plan = planLocalRun(input, opts.env, ports);
    opts.log(
        `run ${plan.runId}: ${plan.processes.length} Dynamo processes, ${plan.benchmarkPhases.length} phase(s), frontend ${plan.frontendUrl}, folder ${plan.runDir}`,
    );
    // One AIPerf process for phases that differ only in load (lib/local/run/client-runs.ts);
    // DYNAMO_BENCH_SEPARATE_CLIENT_RUNS=1 starts one per phase, as before, for comparisons.
    const combinePhases = opts.env.DYNAMO_BENCH_SEPARATE_CLIENT_RUNS !== "1";
    // The client starts once the deployment is ready. DYNAMO_BENCH_CLIENT_EARLY=1 starts it
    // with the workers behind a gate (lib/local/run/gate.ts): measured here it gained nothing
    // (AIPerf's start-up is far longer than the workers') and the gate's hop added ~4 ms to
    // TTFT, so it is off by default (docs/local-runtime.md).
    const startClientEarly = opts.env.DYNAMO_BENCH_CLIENT_EARLY === "1";
    const result = await runLocalPlan(plan, { log: opts.log, combinePhases, startClientEarly, onStage: opts.onStage });
    const phases = await summarizePhases(result, opts.spec, opts.fullSummary ?? false);
    return {
        plan,
        output: {
            ok: true,
            runId: result.runId,
            runDir: result.runDir,
            frontendUrl: result.frontendUrl,
            phases,
            timings: result.timings,
            ...(phases[0]?.outputs ? { outputs: phases[0].outputs } : {}),
        },
    };
}

export async function localRun(
    args: string[],
    io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv } = process,
): Promise<number> {
    const log = (line: string) => io.stderr.write(`[local-run] ${line}\n`);
    const emit = (o: LocalRunOutput) => io.stdout.write(formatResultLine(o));
    const line = readCommandLine(LOCAL_RUN_COMMAND, args, processIo(io), (l) => argsFrom(l, io.env));
    if ("exitCode" in line) return line.exitCode;
    const parsed = line.options;

    let spec: BenchmarkSpec;
    let input: LocalRunPlanInput;
    try {
        spec = await readSpec(parsed.specFile, parsed.stack);
        if (spec.target !== "local") throw new Error(`target is "${spec.target}"; local-run runs only target local`);
        input = planInputFromSpec(spec, { env: io.env, ...(parsed.runDir ? { runDir: parsed.runDir } : {}), ...(parsed.runId ? { runId: parsed.runId } : {}) });
        const problems = checkPrerequisites(input);
        if (problems.length > 0) throw new Error(problems.join("\n"));
    } catch (e) {
        const message = (e as Error).message;
        log(`ERROR: ${message}`);
        emit({ ok: false, error: { kind: "configuration", message } });
        return 2;
    }

    try {
        // In a sweep, one line per stage naming the point (lib/sweep/progress-file.ts).
        const progress = pointProgress(progressDir(io.env), [spec.name]);
        const onStage = (stage: string) => {
            const text = progress.line(stage);
            if (text) log(text);
        };
        const { output } = await executeLocalRun(input, { env: io.env, log, spec, fullSummary: parsed.fullSummary, onStage });
        // A phase without readable exports is a failed benchmark: no numbers, no success.
        const unreadable = (output.phases ?? []).filter((p) => p.summaryError);
        for (const p of unreadable) log(`ERROR: phase "${p.name}" exports could not be read: ${p.summaryError} (${p.artifactDir}, log ${p.logFile})`);
        if (unreadable.length > 0) {
            const message = unreadable.map((p) => `phase "${p.name}": ${p.summaryError}`).join("; ");
            emit({ ...output, ok: false, error: { kind: "results", message } });
            return 1;
        }
        log(`done: ${output.runDir} (timings.json, logs/, phases/)`);
        onStage("done");
        progress.finished();
        emit(output);
        return 0;
    } catch (e) {
        const err = e as Error;
        const base = { runId: input.runId, runDir: input.runDir };
        if (err instanceof PortInUseError) {
            log(`ERROR: ${err.message}`);
            emit({ ok: false, ...base, error: { kind: "port-in-use", message: err.message } });
            return 2;
        }
        if (err instanceof LocalRunError) {
            log(`ERROR: ${err.message}`);
            emit({
                ok: false,
                ...base,
                ...(err.timings ? { timings: err.timings } : {}),
                error: {
                    kind: err.kind,
                    message: err.message,
                    ...(err.detail.process ? { process: err.detail.process } : {}),
                    ...(err.detail.logFile ? { logFile: err.detail.logFile } : {}),
                },
            });
            if (err.kind === "interrupted") return err.detail.signal === "SIGTERM" ? 143 : 130;
            return 1;
        }
        log(`ERROR: ${err.stack ?? err.message}`);
        emit({ ok: false, ...base, error: { kind: "internal", message: err.message } });
        return 1;
    }
}

export const command: Command = {
    summary: "run the benchmark locally with the Dynamo mocker (no GPU)",
    run: (args) => localRun(args),
};

if (require.main === module) {
    localRun(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err: Error) => {
            process.stderr.write(`dynamo-bench local-run: internal error: ${err.stack ?? err}\n`);
            process.exitCode = 1;
        },
    );
}

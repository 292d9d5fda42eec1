// The benchmark client's command line for one phase, shared by every target so
// a phase means the same load on Kubernetes, on Slurm and locally. Flags were
// checked against aiperf 0.13.0 (`aiperf profile --help`) and genai-perf's CLI.
import type { ResolvedPhase } from "../../config/resolve";
import { flag, listItem, mergeArgs, type Flag } from "../argv";

/** What one phase asks of the client. */
export type LoadPhase = Omit<ResolvedPhase, "name">;

export interface LoadArgvInput {
    tool: "aiperf" | "genai-perf";
    /** Command that starts the client; default `aiperf profile` / `genai-perf profile`. */
    program?: string[];
    servedModelName: string;
    /** Frontend base URL, e.g. http://host:8000. */
    url: string;
    endpointType: "chat" | "completions";
    phase: LoadPhase;
    /** Tokenizer for synthetic prompts: a HuggingFace id or a local folder. */
    tokenizer: string;
    artifactDir: string;
    requestTimeoutSeconds: number;
    /** Same prompts on every run, so runs compare. */
    randomSeed?: number;
    /** Count output tokens from the server's usage (exact for the mocker's random token ids). */
    useServerTokenCount?: boolean;
    /** AIPerf probes DCGM for GPU telemetry; off where there are no GPUs. */
    gpuTelemetry?: boolean;
    /** AIPerf scrapes the frontend's /metrics during the run (its default); see serverMetricsOn. */
    serverMetrics?: boolean;
    /** With serverMetrics: more Prometheus endpoints to scrape, such as every worker's system port (workerMetricsUrl). */
    serverMetricsUrls?: string[];
}

/**
 * Whether AIPerf scrapes server metrics, from benchmark.serverMetrics: "auto"
 * means off on the local target, where the extra AIPerf service and its
 * export cost wall time and the scraping competes with the mocker for the
 * CPU (TTFT), and on for clusters, where the figures are worth it.
 */
export function serverMetricsOn(setting: "auto" | boolean, target: string): boolean {
    return setting === "auto" ? target !== "local" : setting;
}

export function loadArgv(input: LoadArgvInput): string[] {
    const { phase } = input;
    const shared: Flag[] = [
        flag("--model", input.servedModelName),
        flag("--endpoint-type", input.endpointType),
        ...(phase.streaming ? [flag("--streaming")] : []),
        // A rate is open-loop load; genai-perf refuses it together with a concurrency (docs/sweeps.md).
        ...(phase.requestRate !== undefined ? [flag("--request-rate", phase.requestRate)] : [flag("--concurrency", phase.concurrency ?? 1)]),
        flag("--request-count", phase.requestCount),
        ...(phase.warmupRequests > 0 ? [flag("--warmup-request-count", phase.warmupRequests)] : []),
        flag("--synthetic-input-tokens-mean", phase.inputTokens),
        flag("--synthetic-input-tokens-stddev", phase.inputTokensStddev),
        flag("--output-tokens-mean", phase.outputTokens),
        flag("--output-tokens-stddev", phase.outputTokensStddev),
        // Fixed output lengths: cap at the mean and never stop early at EOS. Not when scoring:
        // an accuracy run's answers end where the model ends them, at the benchmark's stop sequence.
        ...(phase.outputTokensStddev === 0 && !phase.accuracy ? [listItem("--extra-inputs", `max_tokens:${phase.outputTokens}`)] : []),
        ...(phase.accuracy ? [] : [listItem("--extra-inputs", "ignore_eos:true")]),
        flag("--tokenizer", input.tokenizer),
        flag("--random-seed", input.randomSeed ?? 0),
        flag("--artifact-dir", input.artifactDir),
    ];
    // Phase arguments last; a flag given there replaces the planned one (AIPerf refuses a flag given twice).
    if (input.tool === "genai-perf") {
        // genai-perf takes host:port without a scheme.
        return [
            ...(input.program ?? ["genai-perf", "profile"]),
            ...mergeArgs([flag("--url", input.url.replace(/^https?:\/\//, "")), ...shared], phase.extraArgs),
        ];
    }
    const aiperfOnly: Flag[] = [
        ...(input.useServerTokenCount ? [flag("--use-server-token-count")] : []),
        flag("--request-timeout-seconds", input.requestTimeoutSeconds),
        flag("--ui", "none"),
        ...(input.gpuTelemetry === false ? [flag("--no-gpu-telemetry")] : []),
        ...(input.serverMetrics === false ? [flag("--no-server-metrics")] : []),
        // AIPerf scrapes the frontend (base URL + /metrics) on its own; these are the others.
        ...(input.serverMetrics !== false && input.serverMetricsUrls?.length ? [flag("--server-metrics", ...input.serverMetricsUrls)] : []),
    ];
    return [
        ...(input.program ?? ["aiperf", "profile"]),
        ...mergeArgs([flag("--url", input.url), ...shared, ...aiperfOnly, ...accuracyFlags(phase.accuracy)], phase.extraArgs),
    ];
}

/** AIPerf's accuracy mode for an accuracy phase (config/accuracy.ts); checked against aiperf 0.13.0's --help. */
function accuracyFlags(accuracy: LoadPhase["accuracy"]): Flag[] {
    if (!accuracy) return [];
    return [
        flag("--accuracy-benchmark", accuracy.benchmark),
        ...(accuracy.tasks.length > 0 ? [flag("--accuracy-tasks", accuracy.tasks.join(","))] : []),
        ...(accuracy.nShots !== undefined ? [flag("--accuracy-n-shots", accuracy.nShots)] : []),
        ...(accuracy.enableCot === undefined
            ? []
            : [flag(accuracy.enableCot ? ["--accuracy-enable-cot", "--accuracy-no-enable-cot"] : ["--accuracy-no-enable-cot", "--accuracy-enable-cot"])]),
    ];
}

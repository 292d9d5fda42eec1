// The benchmark client's command line for one phase, shared by every target so
// a phase means the same load on Kubernetes, on Slurm and locally. Flags were
// checked against aiperf 0.13.0 (`aiperf profile --help`) and genai-perf's CLI.
import type { ResolvedPhase } from "../../config/resolve";

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
    streaming: boolean;
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
}

export function loadArgv(input: LoadArgvInput): string[] {
    const { phase } = input;
    const shared = [
        "--model", input.servedModelName,
        "--endpoint-type", input.endpointType,
        ...(input.streaming ? ["--streaming"] : []),
        "--concurrency", String(phase.concurrency),
        "--request-count", String(phase.requestCount),
        ...(phase.warmupRequests > 0 ? ["--warmup-request-count", String(phase.warmupRequests)] : []),
        "--synthetic-input-tokens-mean", String(phase.inputTokens),
        "--synthetic-input-tokens-stddev", String(phase.inputTokensStddev),
        "--output-tokens-mean", String(phase.outputTokens),
        "--output-tokens-stddev", String(phase.outputTokensStddev),
        // Fixed output lengths: cap at the mean and never stop early at EOS.
        ...(phase.outputTokensStddev === 0 ? ["--extra-inputs", `max_tokens:${phase.outputTokens}`] : []),
        "--extra-inputs", "ignore_eos:true",
        "--tokenizer", input.tokenizer,
        "--random-seed", String(input.randomSeed ?? 0),
        "--artifact-dir", input.artifactDir,
    ];
    if (input.tool === "genai-perf") {
        // genai-perf takes host:port without a scheme.
        return [...(input.program ?? ["genai-perf", "profile"]), "--url", input.url.replace(/^https?:\/\//, ""), ...shared, ...phase.extraArgs];
    }
    return [
        ...(input.program ?? ["aiperf", "profile"]),
        "--url", input.url,
        ...shared,
        ...(input.useServerTokenCount ? ["--use-server-token-count"] : []),
        "--request-timeout-seconds", String(input.requestTimeoutSeconds),
        "--ui", "none",
        ...(input.gpuTelemetry === false ? ["--no-gpu-telemetry"] : []),
        // Phase arguments last: a flag given there overrides the planned one.
        ...phase.extraArgs,
    ];
}

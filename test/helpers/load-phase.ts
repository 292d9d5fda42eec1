// One phase's load as the benchmark client is given it (LoadPhase), small and
// fixed, for tests of command lines and runs: a test states only the values it
// is about.
import type { LoadPhase } from "../../lib/benchmark/load-argv";

export function loadPhase(over: Partial<LoadPhase> = {}): LoadPhase {
    return {
        requestCount: 4,
        warmupRequests: 0,
        inputTokens: 8,
        inputTokensStddev: 0,
        outputTokens: 8,
        outputTokensStddev: 0,
        streaming: true,
        extraArgs: [],
        ...over,
    };
}

// The one-token request that proves the served model answers through the
// frontend: the readiness probe and the health check between phases, on
// every target (local runner, Slurm job script, Kubernetes benchmark Job).

export interface OneTokenProbe {
    /** Path on the frontend, e.g. /v1/chat/completions. */
    path: string;
    body: Record<string, unknown>;
}

export function oneTokenProbe(endpointType: "chat" | "completions", servedModelName: string): OneTokenProbe {
    return endpointType === "chat"
        ? { path: "/v1/chat/completions", body: { model: servedModelName, messages: [{ role: "user", content: "ping" }], max_tokens: 1, stream: false } }
        : { path: "/v1/completions", body: { model: servedModelName, prompt: "ping", max_tokens: 1, stream: false } };
}

// Waiting for the deployment to serve: every expected worker registered with
// the frontend (GET /health), then the model listed and a one-token request
// answered. Both waits poll with a growing interval and end at the deadline.
import * as path from "node:path";
import type { ExpectedInstances, LocalRunPlan } from "../plan";
import { LocalRunError } from "./error";
import { sleep } from "./groups";

/** How often to poll: from `pollMs`, growing by half each time, up to `maxPollMs`. */
export interface Polling {
    pollMs: number;
    maxPollMs: number;
    /** Ends the wait early (the run is stopping). */
    cancel: AbortSignal;
}

async function getJson(url: string, timeoutMs = 2000): Promise<unknown> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return res.json();
}

interface HealthInstance {
    namespace?: string;
    component?: string;
    endpoint?: string;
}

/** Counts, per expected worker set, the instances the frontend's GET /health lists. */
export function countRegistered(health: unknown, namespace: string, expected: ExpectedInstances[]): number[] {
    const instances = (health as { instances?: HealthInstance[] } | undefined)?.instances ?? [];
    return expected.map((e) => instances.filter((i) => i.namespace === namespace && i.component === e.component && i.endpoint === e.endpoint).length);
}

export async function waitRegistered(plan: LocalRunPlan, deadline: number, polling: Polling, log: (l: string) => void): Promise<void> {
    let delay = polling.pollMs;
    let last = "the frontend did not answer GET /health yet";
    let lastLogged = "";
    while (Date.now() < deadline && !polling.cancel.aborted) {
        try {
            const counts = countRegistered(await getJson(`${plan.frontendUrl}/health`), plan.namespace, plan.readiness.expected);
            last = plan.readiness.expected.map((e, i) => `${e.role} ${counts[i]}/${e.count}`).join(", ");
            if (plan.readiness.expected.every((e, i) => counts[i]! >= e.count)) return;
            if (last !== lastLogged) log(`registered: ${last}`);
            lastLogged = last;
        } catch (err) {
            last = `GET /health failed: ${(err as Error).message}`;
        }
        await sleep(delay, polling.cancel);
        delay = Math.min(polling.maxPollMs, Math.round(delay * 1.5));
    }
    throw new LocalRunError(
        "not-ready",
        `workers not registered with the frontend within timeouts.readySeconds (${plan.timeouts.readySeconds}s): ${last}; logs in ${path.join(plan.runDir, "logs")}`,
    );
}

export async function waitServing(plan: LocalRunPlan, deadline: number, polling: Polling): Promise<void> {
    let delay = polling.pollMs;
    let last = "";
    while (Date.now() < deadline && !polling.cancel.aborted) {
        try {
            last = await probeOnce(plan);
            if (last === "") return;
        } catch (err) {
            last = (err as Error).message;
        }
        await sleep(delay, polling.cancel);
        delay = Math.min(polling.maxPollMs, Math.round(delay * 1.5));
    }
    throw new LocalRunError("not-ready", `model not served within timeouts.readySeconds (${plan.timeouts.readySeconds}s): ${last}`);
}

/** "" once the model is listed and the probe request answers with choices; otherwise what is missing. */
export async function probeOnce(plan: LocalRunPlan): Promise<string> {
    const models = (await getJson(`${plan.frontendUrl}/v1/models`)) as { data?: Array<{ id?: string }> };
    if (!(models.data ?? []).some((m) => m.id === plan.servedModelName)) return `GET /v1/models does not list "${plan.servedModelName}" yet`;
    const res = await fetch(`${plan.frontendUrl}${plan.readiness.probe.path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(plan.readiness.probe.body),
        signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.ok && text.includes('"choices"')) return "";
    return `probe request ${plan.readiness.probe.path} answered HTTP ${res.status}: ${text.slice(0, 300)}`;
}

// The gate the early-started client talks to (lib/local/run/gate.ts): it holds
// connections until released, then joins them to the target; and which client
// runs may start behind it (every held request a warmup).
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { mayStartEarly, planClientRuns, withUrl } from "../../lib/local/run/client-runs";
import { openGate } from "../../lib/local/run/gate";
import type { PlannedPhase } from "../../lib/local/plan";

let target: http.Server;
let port = 0;

before(async () => {
    target = http.createServer((req, res) => res.end(`ok ${req.url}`));
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    port = (target.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => target.close(() => resolve())));

describe("gate", () => {
    it("holds a request until released, then forwards it and later ones", async () => {
        const gate = await openGate({ host: "127.0.0.1", port });
        try {
            let answered = false;
            const first = fetch(`${gate.url}/v1/models`).then(async (r) => {
                answered = true;
                return r.text();
            });
            // Bounded: the request must still be held after a while.
            await new Promise((r) => setTimeout(r, 300));
            assert.equal(answered, false);
            assert.equal(gate.held(), 1);
            gate.release();
            assert.equal(await first, "ok /v1/models");
            assert.equal(await (await fetch(`${gate.url}/health`)).text(), "ok /health");
        } finally {
            await gate.close();
        }
    });

    it("closes held connections and stops listening on close", async () => {
        const gate = await openGate({ host: "127.0.0.1", port });
        const held = fetch(`${gate.url}/x`, { signal: AbortSignal.timeout(5000) });
        await new Promise((r) => setTimeout(r, 100));
        await gate.close();
        await assert.rejects(held);
        await assert.rejects(fetch(`${gate.url}/x`, { signal: AbortSignal.timeout(5000) }));
    });
});

function phase(name: string, concurrency: number, warmup: number): PlannedPhase {
    const load = ["--concurrency", String(concurrency), "--request-count", "40", ...(warmup ? ["--warmup-request-count", String(warmup)] : [])];
    const argv = ["aiperf", "profile", "--url", "http://127.0.0.1:9000", "--model", "m", ...load, "--artifact-dir", `/r/phases/${name}`];
    return { name, argv, env: {}, artifactDir: `/r/phases/${name}`, logFile: `/r/logs/aiperf-${name}.log` };
}

describe("early client start", () => {
    it("only when the first phase warms up with at least its concurrency", () => {
        assert.equal(mayStartEarly(planClientRuns([phase("c1", 1, 4)], "/r", true)[0]!), true);
        assert.equal(mayStartEarly(planClientRuns([phase("c4", 4, 4)], "/r", true)[0]!), true);
        assert.equal(mayStartEarly(planClientRuns([phase("c8", 8, 4)], "/r", true)[0]!), false);
        assert.equal(mayStartEarly(planClientRuns([phase("c1", 1, 0)], "/r", true)[0]!), false);
    });

    it("aims the run's argv and config at the gate", () => {
        const [run] = planClientRuns([phase("c1", 1, 4), phase("c4", 4, 4)], "/r", true);
        const gated = withUrl(run!, "http://127.0.0.1:7777");
        assert.equal(gated.argv[gated.argv.indexOf("--url") + 1], "http://127.0.0.1:7777");
        assert.equal((JSON.parse(gated.config!.text) as { benchmark: { endpoint: { url: string } } }).benchmark.endpoint.url, "http://127.0.0.1:7777");
        const single = withUrl(planClientRuns([phase("c1", 1, 4)], "/r", true)[0]!, "http://127.0.0.1:7777");
        assert.equal(single.argv[single.argv.indexOf("--url") + 1], "http://127.0.0.1:7777");
        assert.equal(single.argv.filter((a) => a === "--url").length, 1);
    });
});

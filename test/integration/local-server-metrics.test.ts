// A real local run with server metrics on: Dynamo's frontend, one prefill and
// two decode mockers each serving /metrics on a system port of its own, and
// AIPerf scraping all four (its server_metrics_export.json lists what it
// reached). Skips when the project venv or the tiny model is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planLocalRun, portRequests, portsFromAllocation, workerNames } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { runLocalPlan } from "../../lib/local/runner";
import { LOCAL_VENV, TINY_MODEL, localToolsSkip } from "../helpers/local-tools";
import { localPlanInput } from "../helpers/local-input";

const venv = LOCAL_VENV;
const model = TINY_MODEL;
const skip = localToolsSkip();
if (skip) process.stderr.write(`SKIP local server metrics run: ${skip}\n`);

test("AIPerf scrapes the frontend and every worker's /metrics in a real local run", { skip, timeout: 300_000 }, async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-sm-it-"));
    try {
        const base = localPlanInput(
            { runId: `it-sm-${process.pid}`, runDir: work, venv, modelPath: model },
            { decode: { replicas: 2, extraArgs: [], env: {} }, timeouts: { readySeconds: 120, benchmarkSeconds: 180, teardownGraceSeconds: 10 } },
        );
        const input = { ...base, benchmark: { ...base.benchmark, serverMetrics: true } };
        const plan = planLocalRun(input, process.env, portsFromAllocation(await allocatePorts(portRequests(input)), workerNames(input).length));
        const result = await runLocalPlan(plan);
        assert.equal(result.phases.length, 1);
        const exported = JSON.parse(fs.readFileSync(path.join(plan.benchmarkPhases[0]!.artifactDir, "server_metrics_export.json"), "utf8")) as {
            summary: { endpoints_configured: string[]; endpoints_successful: string[] };
        };
        const workers = plan.processes.filter((p) => p.role !== "frontend").map((p) => `http://127.0.0.1:${p.env.DYN_SYSTEM_PORT}/metrics`);
        assert.equal(workers.length, 3);
        const reached = exported.summary.endpoints_successful;
        for (const url of [`${plan.frontendUrl}/metrics`, ...workers])
            assert.ok(reached.includes(url), `${url} not scraped: ${JSON.stringify(exported.summary)}`);
    } finally {
        if (!process.env.KEEP_LOCAL_RUNS) fs.rmSync(work, { recursive: true, force: true });
    }
});

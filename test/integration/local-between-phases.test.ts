// Real local runs with steps between phases: the command runs once between
// c1 and c2 (it appends what it was told to a file), the health check passes,
// both phases finish; a command that fails stops the run before the next
// phase with the reason. Skips when the project venv or the tiny model is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSpec } from "../../config/load";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun, portRequests, portsFromAllocation } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { LocalRunError, runLocalPlan } from "../../lib/local/runner";
import { TINY_MODEL, localToolsSkip } from "../helpers/local-tools";

const model = TINY_MODEL;
const skip = localToolsSkip();
if (skip) process.stderr.write(`SKIP local between-phases runs: ${skip}\n`);

async function run(name: string, command: string, work: string) {
    const spec = loadSpec(
        {
            target: "local",
            name,
            model: { id: model, servedName: "tiny" },
            benchmark: {
                concurrency: [1, 2],
                requestCount: 6,
                inputTokens: 32,
                outputTokens: 8,
                betweenPhases: { command: ["sh", "-c", command], healthCheck: true, timeoutSeconds: 30 },
            },
            timeouts: { readySeconds: 120, benchmarkSeconds: 240 },
        },
        name,
    );
    const input = planInputFromSpec(spec, { env: process.env, runDir: path.join(work, name), runId: `${name}-${process.pid}` });
    return runLocalPlan(planLocalRun(input, process.env, portsFromAllocation(await allocatePorts(portRequests(input)))));
}

test(
    "between c1 and c2: the command runs once with the phases and the frontend's URL, the health check passes, both phases run",
    { skip, timeout: 300_000 },
    async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-bp-it-"));
        try {
            const marker = path.join(work, "marker");
            const result = await run("bp-ok", `echo "$DYNAMO_BENCH_PHASE_DONE $DYNAMO_BENCH_PHASE_NEXT $FRONTEND_URL" >> ${marker}`, work);
            assert.deepEqual(
                result.phases.map((p) => p.name),
                ["c1", "c2"],
            );
            assert.match(fs.readFileSync(marker, "utf8"), /^c1 c2 http:\/\/127\.0\.0\.1:\d+\n$/);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    },
);

test("a failing command between phases stops the run before the next phase, with its exit code and log", { skip, timeout: 300_000 }, async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-bp-it-"));
    try {
        await assert.rejects(run("bp-fail", "echo router restart failed >&2; exit 3", work), (e: unknown) => {
            assert.ok(e instanceof LocalRunError);
            assert.equal(e.kind, "between-phases-failed");
            assert.match(e.message, /the command between phases "c1" and "c2" exited with code 3; last lines of .*between-phases\.log:\nrouter restart failed/);
            return true;
        });
        assert.ok(!fs.existsSync(path.join(work, "bp-fail", "phases", "c2", "profile_export_aiperf.json")), "c2 must not have run");
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
});

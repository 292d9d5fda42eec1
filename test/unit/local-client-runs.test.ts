// Which phases share one AIPerf process (lib/local/run/client-runs.ts), and the
// split of a combined run's records back into each phase's folder.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { combinable, phaseOfRecord, planClientRuns } from "../../lib/local/run/client-runs";
import { splitRecords } from "../../lib/local/run/combined-run";
import type { PlannedPhase } from "../../lib/local/plan";

const RUN = "/runs/r1";

function phase(name: string, load: string[], extra: string[] = [], env: Record<string, string> = { A: "1" }): PlannedPhase {
    const artifactDir = `${RUN}/phases/${name}`;
    const argv = [
        "/venv/bin/aiperf",
        "profile",
        "--model",
        "tiny",
        "--url",
        "http://127.0.0.1:9000",
        ...load,
        "--artifact-dir",
        artifactDir,
        "--ui",
        "none",
        ...extra,
    ];
    return { name, argv, env, artifactDir, logFile: `${RUN}/logs/aiperf-${name}.log` };
}
const c = (n: number, warmup = 4) => ["--concurrency", String(n), "--request-count", "40", ...(warmup ? ["--warmup-request-count", String(warmup)] : [])];

describe("planClientRuns", () => {
    it("runs phases that differ only in load as one AIPerf process with a phase list", () => {
        const runs = planClientRuns([phase("c1", c(1)), phase("c4", c(4, 0))], RUN, true);
        assert.equal(runs.length, 1);
        const run = runs[0]!;
        assert.equal(run.name, "c1-to-c4");
        assert.deepEqual(
            run.phases.map((p) => p.name),
            ["c1", "c4"],
        );
        assert.equal(run.artifactDir, `${RUN}/client/c1-to-c4`);
        assert.equal(run.logFile, `${RUN}/logs/aiperf-c1-to-c4.log`);
        assert.deepEqual(run.argv.slice(0, 4), ["/venv/bin/aiperf", "profile", "--config", `${RUN}/client/c1-to-c4.aiperf.json`]);
        for (const f of ["--concurrency", "--request-count", "--warmup-request-count"]) assert.ok(!run.argv.includes(f), f);
        assert.equal(run.argv[run.argv.indexOf("--artifact-dir") + 1], run.artifactDir);
        const config = JSON.parse(run.config!.text) as { benchmark: { model: string; endpoint: { url: string }; phases: unknown[] } };
        assert.equal(config.benchmark.model, "tiny");
        assert.equal(config.benchmark.endpoint.url, "http://127.0.0.1:9000");
        assert.deepEqual(config.benchmark.phases, [
            { name: "c1_warmup", kind: "warmup", type: "concurrency", concurrency: 1, requests: 4 },
            { name: "c1", kind: "profiling", type: "concurrency", concurrency: 1, requests: 40 },
            { name: "c4", kind: "profiling", type: "concurrency", concurrency: 4, requests: 40 },
        ]);
    });

    it("keeps each phase as planned when combining is off", () => {
        const phases = [phase("c1", c(1)), phase("c4", c(4))];
        const runs = planClientRuns(phases, RUN, false);
        assert.deepEqual(
            runs.map((r) => [r.name, r.argv, r.config]),
            phases.map((p) => [p.name, p.argv, undefined]),
        );
    });

    it("gives a phase with other arguments, environment, a request rate or a non-AIPerf name a process of its own", () => {
        const runs = planClientRuns(
            [
                phase("a", c(1)),
                phase("b", c(2)),
                phase("other-args", c(4), ["--synthetic-input-tokens-mean", "512"]),
                phase("other-env", c(4), [], { A: "2" }),
                phase("rate", ["--request-rate", "5", "--request-count", "40"]),
                phase("1st", c(1)),
                phase("x_warmup", c(1)),
                phase("y", c(8)),
                phase("z", c(16)),
            ],
            RUN,
            true,
        );
        assert.deepEqual(
            runs.map((r) => r.phases.map((p) => p.name)),
            [["a", "b"], ["other-args"], ["other-env"], ["rate"], ["1st"], ["x_warmup"], ["y", "z"]],
        );
    });

    it("refuses a load given as a list (AIPerf's own multi-run) or twice", () => {
        assert.equal(combinable(phase("a", ["--concurrency", "1,4", "--request-count", "40"])), undefined);
        assert.equal(combinable(phase("a", [...c(1), "--concurrency", "2"])), undefined);
        assert.equal(combinable(phase("a", ["--request-count", "40"])), undefined);
    });
});

describe("combined run records", () => {
    it("maps AIPerf phase names to planned phases, warmups included", () => {
        assert.equal(phaseOfRecord("c1_warmup", ["c1", "c4"]), "c1");
        assert.equal(phaseOfRecord("c4", ["c1", "c4"]), "c4");
        assert.equal(phaseOfRecord("profiling", ["c1", "c4"]), undefined);
    });

    it("writes each phase's record lines to its own file", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbench-split-"));
        try {
            const rec = (name: string, i: number) => JSON.stringify({ metadata: { phase_name: name, session_num: i }, metrics: {} });
            const lines = [rec("c1_warmup", 0), rec("c1", 1), rec("c4_warmup", 2), rec("c4", 3), rec("c4", 4), "not json"];
            fs.writeFileSync(path.join(dir, "all.jsonl"), lines.join("\n") + "\n");
            const out = new Map([
                ["c1", path.join(dir, "c1.jsonl")],
                ["c4", path.join(dir, "c4.jsonl")],
            ]);
            await splitRecords(path.join(dir, "all.jsonl"), out);
            assert.deepEqual(fs.readFileSync(out.get("c1")!, "utf8").trim().split("\n"), [lines[0], lines[1]]);
            assert.deepEqual(fs.readFileSync(out.get("c4")!, "utf8").trim().split("\n"), [lines[2], lines[3], lines[4]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

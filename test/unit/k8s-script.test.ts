// Runs the real scripts/k8s/run-benchmark.sh against a local fake frontend and
// a fake `aiperf`, then reads its output with the collector's parser.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { BENCHMARK_SCRIPT_PATH, checkCompleteness, parseBenchmarkLog, type BenchmarkPlan } from "../../lib/kubernetes";

const FAKE_AIPERF = `#!/usr/bin/env bash
# Test double of aiperf: records its argv, writes export files into --artifact-dir.
set -euo pipefail
dir=""
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  if [[ "\${args[$i]}" == "--artifact-dir" ]]; then dir="\${args[$((i + 1))]}"; fi
done
printf '%s\\0' "$@" > "$dir/argv.bin"
echo "fake aiperf: profiling into $dir"
if [[ "\${FAKE_FAIL_IN:-}" == "$(basename "$dir")" ]]; then echo "fake aiperf: boom" >&2; exit 3; fi
if [[ -n "\${FAKE_NO_EXPORTS:-}" ]]; then exit 0; fi
printf '{"phase": "%s", "records": {"ttft": {"unit": "ms", "avg": 12.5}}}\\n' "$(basename "$dir")" > "$dir/profile_export_aiperf.json"
printf 'Metric,avg\\nTime To First Token (ms),12.5\\n' > "$dir/profile_export_aiperf.csv"
printf '{"big": "per-request records"}\\n' > "$dir/profile_export.jsonl"
`;

let server: http.Server;
let port = 0;
let modelListed = true;
let tmp: string;
let bin: string;

before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-script-"));
    bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "aiperf"), FAKE_AIPERF, { mode: 0o755 });
    server = http.createServer((req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ object: "list", data: modelListed && req.url === "/v1/models" ? [{ id: "served/model", object: "model" }] : [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
});

after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
});

function plan(name: string, phases: string[], over: Partial<BenchmarkPlan> = {}): { file: string; results: string } {
    const results = path.join(tmp, name, "results");
    const p: BenchmarkPlan = {
        tool: "aiperf",
        modelsUrl: `http://127.0.0.1:${port}/v1/models`,
        model: "served/model",
        modelWaitSeconds: 20,
        // The fake frontend serves no metrics: the stall clock runs from each phase's start, far longer than a fake phase.
        stall: {
            seconds: 60,
            pollSeconds: 1,
            metricsUrl: `http://127.0.0.1:${port}/metrics`,
            completedMetric: "dynamo_frontend_requests_total",
            startedMetric: "dynamo_frontend_requests_started_total",
        },
        phases: phases.map((ph) => ({
            name: ph,
            artifactDir: `${results}/${ph}`,
            argv: ["aiperf", "profile", "--model", "served/model", "--artifact-dir", `${results}/${ph}`, "--prompt", "two words; $(touch /tmp/pwned) 'quoted'"],
        })),
        ...over,
    };
    const file = path.join(tmp, `${name}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(p));
    return { file, results };
}

/** Runs the script asynchronously (the fake frontend lives in this process and must keep answering). */
function runScript(planFile: string, env: Record<string, string> = {}): Promise<{ code: number | null; log: string; stdout: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [BENCHMARK_SCRIPT_PATH], {
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DYNAMO_BENCH_PLAN: planFile, ...env },
            timeout: 60_000,
        });
        let stdout = "";
        let log = "";
        child.stdout.on("data", (d) => ((stdout += d), (log += d)));
        child.stderr.on("data", (d) => (log += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, log, stdout }));
    });
}

describe("run-benchmark.sh", () => {
    test("is shellcheck-clean", { skip: !hasShellcheck() && "shellcheck not installed" }, () => {
        // -x from the repository root follows the stall watchdog's rule it sources, as scripts/lint-shell.sh does.
        execFileSync("shellcheck", ["-x", BENCHMARK_SCRIPT_PATH], { encoding: "utf8", cwd: REPO_ROOT });
    });

    test("runs every phase with the exact argv and prints the small exports between markers", async () => {
        const { file, results } = plan("ok", ["c1", "c8"]);
        const r = await runScript(file);
        assert.equal(r.code, 0, r.log);
        const parsed = parseBenchmarkLog(r.stdout);
        assert.deepEqual(checkCompleteness(parsed, ["c1", "c8"]), []);
        assert.deepEqual(
            parsed.files.map((f) => `${f.phase}/${f.name}`),
            ["c1/profile_export_aiperf.csv", "c1/profile_export_aiperf.json", "c8/profile_export_aiperf.csv", "c8/profile_export_aiperf.json"],
        );
        assert.equal(
            parsed.files.some((f) => f.name.endsWith(".jsonl")),
            false,
            "the per-request JSONL stays in the pod",
        );
        assert.equal(parsed.files[1].content, fs.readFileSync(`${results}/c1/profile_export_aiperf.json`, "utf8"));
        const argv = fs.readFileSync(`${results}/c8/argv.bin`, "utf8").split("\0").slice(0, -1);
        assert.deepEqual(argv, [
            "profile",
            "--model",
            "served/model",
            "--artifact-dir",
            `${results}/c8`,
            "--prompt",
            "two words; $(touch /tmp/pwned) 'quoted'",
        ]);
        assert.equal(parsed.donePhases, 2);
    });

    test("a failing phase ends the Job non-zero, names the reason and keeps finished phases", async () => {
        const { file } = plan("fail", ["c1", "c8", "c64"]);
        const r = await runScript(file, { FAKE_FAIL_IN: "c8" });
        assert.equal(r.code, 1);
        const parsed = parseBenchmarkLog(r.log);
        assert.equal(parsed.failure, "tool-exit");
        assert.match(r.log, /phase c8: aiperf exited with status 3/);
        assert.match(r.log, /fake aiperf: boom/, "the tool's own output is in the log");
        assert.deepEqual([...new Set(parsed.files.map((f) => f.phase))], ["c1"]);
        assert.ok(checkCompleteness(parsed, ["c1", "c8", "c64"]).length > 0);
    });

    test("bounded wait: a model the frontend never lists fails with model-not-listed", async () => {
        modelListed = false;
        try {
            const { file } = plan("nomodel", ["c1"], { modelWaitSeconds: 0 });
            const r = await runScript(file);
            assert.equal(r.code, 1);
            assert.equal(parseBenchmarkLog(r.log).failure, "model-not-listed");
            assert.match(r.log, /did not list model 'served\/model' within 0s/);
        } finally {
            modelListed = true;
        }
    });

    test("a tool that writes no exports fails with no-exports", async () => {
        const { file } = plan("noexp", ["c1"]);
        const r = await runScript(file, { FAKE_NO_EXPORTS: "1" });
        assert.equal(r.code, 1);
        assert.equal(parseBenchmarkLog(r.log).failure, "no-exports");
    });

    test("a tool missing from the image fails with tool-missing", async () => {
        const { file } = plan("notool", ["c1"], { tool: "genai-perf" });
        const r = await runScript(file);
        assert.equal(r.code, 1);
        assert.equal(parseBenchmarkLog(r.log).failure, "tool-missing");
        assert.match(r.log, /set benchmark.image/);
    });

    test("an unreadable plan fails with bad-plan", async () => {
        const r = await runScript(path.join(tmp, "missing.json"));
        assert.equal(r.code, 1);
        assert.equal(parseBenchmarkLog(r.log).failure, "bad-plan");
    });
});

function hasShellcheck(): boolean {
    return spawnSync("shellcheck", ["--version"]).status === 0;
}

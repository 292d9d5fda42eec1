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
import { summarizeCollected } from "../../lib/kubernetes/results";

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
# accuracy mode: the scores file a real AIPerf 0.13 run wrote (test/fixtures/results/aiperf-accuracy)
if [[ " $* " == *" --accuracy-benchmark "* ]]; then cp "$ACCURACY_FIXTURE" "$dir/accuracy_results.csv"; fi
`;

// Test stand-in for glibc's getent: answers `getent ahosts NAME` for FAKE_GETENT_NAME in getent's
// own layout (each address once per socket type), only from the FAKE_GETENT_AFTER-th call on
// (a name whose addresses show up late); every call is counted in FAKE_GETENT_CALLS.
const FAKE_GETENT = `#!/usr/bin/env bash
set -euo pipefail
calls=$(( $(cat "$FAKE_GETENT_CALLS" 2>/dev/null || echo 0) + 1 ))
echo "$calls" > "$FAKE_GETENT_CALLS"
[[ "$1" == ahosts && "$2" == "$FAKE_GETENT_NAME" ]] || exit 2
(( calls >= \${FAKE_GETENT_AFTER:-1} )) || exit 2
IFS=, read -ra addrs <<< "$FAKE_GETENT_ADDRS"
(( \${#addrs[@]} > 0 )) || exit 2
for a in "\${addrs[@]}"; do
  printf '%-15s STREAM %s\\n%-15s DGRAM\\n%-15s RAW\\n' "$a" "$2" "$a" "$a"
done
`;

let server: http.Server;
let port = 0;
let modelListed = true;
/** The fake frontend's answer to the one-token request (the health check between phases). */
let probeStatus = 200;
const probes: string[] = [];
let tmp: string;
let bin: string;

before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-script-"));
    bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "aiperf"), FAKE_AIPERF, { mode: 0o755 });
    fs.mkdirSync(path.join(tmp, "getent-bin"));
    fs.writeFileSync(path.join(tmp, "getent-bin", "getent"), FAKE_GETENT, { mode: 0o755 });
    server = http.createServer((req, res) => {
        res.setHeader("content-type", "application/json");
        if (req.method === "POST" && req.url === "/v1/chat/completions") {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                probes.push(body);
                res.statusCode = probeStatus;
                res.end(JSON.stringify({ choices: [{ message: { content: "p" } }] }));
            });
            return;
        }
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
        betweenPhases: { gaps: phases.slice(1).map(() => ({ argv: [], env: [] })), healthCheck: false, timeoutSeconds: 10, probeUrl: "", probeBody: "{}" },
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
            env: {
                ...process.env,
                PATH: `${bin}:${process.env.PATH}`,
                DYNAMO_BENCH_PLAN: planFile,
                ACCURACY_FIXTURE: path.join(REPO_ROOT, "test", "fixtures", "results", "aiperf-accuracy", "accuracy_results.csv"),
                ...env,
            },
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

    const between = (name: string, argv: string[], over: Partial<BenchmarkPlan["betweenPhases"]> = {}) => {
        const phases = ["c1", "c8", "c64"];
        return plan(name, phases, {
            betweenPhases: {
                gaps: phases.slice(1).map((next, i) => ({
                    argv,
                    env: [
                        `FRONTEND_URL=http://127.0.0.1:${port}`,
                        "DYNAMO_BENCH_RUN_DIR=/results",
                        `DYNAMO_BENCH_PHASE_DONE=${phases[i]}`,
                        `DYNAMO_BENCH_PHASE_NEXT=${next}`,
                    ],
                })),
                healthCheck: true,
                timeoutSeconds: 3,
                probeUrl: `http://127.0.0.1:${port}/v1/chat/completions`,
                probeBody: '{"model":"served/model","max_tokens":1}',
                ...over,
            },
        });
    };

    test("between phases: the command after each phase but the last, with the phases around it, then the one-token health check", async () => {
        const record = path.join(tmp, "between.log");
        probes.length = 0;
        const { file } = between("between", [
            "bash",
            "-c",
            `printf '%s->%s %s | %s\\n' "$DYNAMO_BENCH_PHASE_DONE" "$DYNAMO_BENCH_PHASE_NEXT" "$FRONTEND_URL" "$1" >> ${record}`,
            "_",
            "two words; $(x)",
        ]);
        const r = await runScript(file);
        assert.equal(r.code, 0, r.log);
        assert.equal(
            fs.readFileSync(record, "utf8"),
            `c1->c8 http://127.0.0.1:${port} | two words; $(x)\nc8->c64 http://127.0.0.1:${port} | two words; $(x)\n`,
        );
        assert.deepEqual(probes, ['{"model":"served/model","max_tokens":1}', '{"model":"served/model","max_tokens":1}']);
        assert.match(r.log, /health check after phase c8: the frontend serves/);
        assert.equal(parseBenchmarkLog(r.stdout).donePhases, 3);
    });

    test("between phases: a failing command, one past its bound, or a frontend that stops answering fails the Job with between-phases", async () => {
        const failing = await runScript(between("between-fail", ["bash", "-c", "echo restart failed >&2; exit 4"]).file);
        assert.equal(failing.code, 1);
        assert.equal(parseBenchmarkLog(failing.log).failure, "between-phases");
        assert.match(failing.log, /restart failed[\s\S]*between phases c1 and c8 exited with status 4/);
        assert.deepEqual([...new Set(parseBenchmarkLog(failing.log).files.map((f) => f.phase))], ["c1"], "the finished phase is kept");

        const slow = await runScript(between("between-slow", ["sleep", "30"], { timeoutSeconds: 1 }).file);
        assert.equal(parseBenchmarkLog(slow.log).failure, "between-phases");
        assert.match(slow.log, /did not end within 1s \(benchmark\.betweenPhases\.timeoutSeconds\)/);

        probeStatus = 503;
        try {
            const down = await runScript(between("between-down", [], { timeoutSeconds: 1 }).file);
            assert.equal(parseBenchmarkLog(down.log).failure, "between-phases");
            assert.match(down.log, /health check after phase c1: the frontend did not answer a one-token request within 1s/);
        } finally {
            probeStatus = 200;
        }
    });

    test("an accuracy phase's scores file is printed and its scores come back next to its figures", async () => {
        const { file, results } = plan("accuracy", ["c1", "mmlu"]);
        const planned = JSON.parse(fs.readFileSync(file, "utf8")) as BenchmarkPlan;
        planned.phases[1]!.argv.push("--accuracy-benchmark", "mmlu");
        fs.writeFileSync(file, JSON.stringify(planned));
        const r = await runScript(file);
        assert.equal(r.code, 0, r.log);
        const parsed = parseBenchmarkLog(r.stdout);
        assert.deepEqual(
            parsed.files.filter((f) => f.name === "accuracy_results.csv").map((f) => f.phase),
            ["mmlu"],
        );
        const collected = summarizeCollected(parsed.files, [{ name: "c1" }, { name: "mmlu" }]);
        assert.equal(collected.phases[0]!.outputs.accuracy, undefined);
        assert.deepEqual(collected.phases[1]!.outputs.accuracy, {
            overall: { correct: 0, total: 8, unparsed: 8, accuracy: 0 },
            tasks: { abstract_algebra: { correct: 0, total: 8, unparsed: 8, accuracy: 0 } },
        });
        assert.ok(fs.existsSync(`${results}/mmlu/accuracy_results.csv`));
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

    describe("every worker's metrics", () => {
        const host = "bench-worker-metrics.ns.svc.cluster.local";
        const workerPlan = (name: string, expected: number, waitSeconds = 20) => {
            const made = plan(name, ["c1", "c8"], { workerMetrics: { host, port: 9090, path: "/metrics", expected, waitSeconds, flag: "--server-metrics" } });
            // As buildBenchmarkPlan writes it: the URLs go before the phase's own arguments (here the last two elements).
            const p = JSON.parse(fs.readFileSync(made.file, "utf8")) as BenchmarkPlan;
            p.phases.forEach((ph) => (ph.workerMetricsAt = ph.argv.length - 2));
            fs.writeFileSync(made.file, JSON.stringify(p));
            return made;
        };
        const getentEnv = (name: string, addrs: string[], after = 1) => ({
            PATH: `${path.join(tmp, "getent-bin")}:${bin}:${process.env.PATH}`,
            FAKE_GETENT_NAME: host,
            FAKE_GETENT_ADDRS: addrs.join(","),
            FAKE_GETENT_AFTER: String(after),
            FAKE_GETENT_CALLS: path.join(tmp, `${name}.getent-calls`),
        });
        const argvOf = (results: string, phase: string) => fs.readFileSync(`${results}/${phase}/argv.bin`, "utf8").split("\0").slice(0, -1);

        test("resolves the Service to every worker pod and gives AIPerf each one's /metrics, in every phase", async () => {
            const { file, results } = workerPlan("workers", 3);
            // The third address shows up late (a DNS cache catching up): the script waits for it.
            const r = await runScript(file, getentEnv("workers", ["10.1.0.7", "10.1.0.12", "fd00::3"], 2));
            assert.equal(r.code, 0, r.log);
            const urls = ["http://10.1.0.12:9090/metrics", "http://10.1.0.7:9090/metrics", "http://[fd00::3]:9090/metrics"];
            for (const phase of ["c1", "c8"]) {
                assert.deepEqual(argvOf(results, phase), [
                    "profile",
                    "--model",
                    "served/model",
                    "--artifact-dir",
                    `${results}/${phase}`,
                    "--server-metrics",
                    ...urls,
                    "--prompt",
                    "two words; $(touch /tmp/pwned) 'quoted'",
                ]);
            }
            assert.equal(fs.readFileSync(path.join(tmp, "workers.getent-calls"), "utf8").trim(), "2", "resolved once, before the first phase");
            assert.match(r.log, /worker metrics: http:\/\/10\.1\.0\.12:9090\/metrics/);
            assert.doesNotMatch(r.log, /WARNING/);
        });

        test(
            "with this machine's own getent (glibc) the name's addresses are read the same way",
            { skip: !hasGetent() && "getent not installed" },
            async () => {
                const made = plan("real-getent", ["c1"], {
                    workerMetrics: { host: "localhost", port: 9090, path: "/metrics", expected: 1, waitSeconds: 5, flag: "--server-metrics" },
                });
                const p = JSON.parse(fs.readFileSync(made.file, "utf8")) as BenchmarkPlan;
                p.phases[0]!.workerMetricsAt = p.phases[0]!.argv.length - 2;
                fs.writeFileSync(made.file, JSON.stringify(p));
                const r = await runScript(made.file);
                assert.equal(r.code, 0, r.log);
                const argv = argvOf(made.results, "c1");
                assert.equal(argv[5], "--server-metrics");
                assert.ok(argv.includes("http://127.0.0.1:9090/metrics"), argv.join(" "));
            },
        );

        test("fewer workers than expected within the bound: a warning with the counts, and the run goes on with those found", async () => {
            const { file, results } = workerPlan("fewer", 2, 1);
            const start = Date.now();
            const r = await runScript(file, getentEnv("fewer", ["10.1.0.7"]));
            assert.equal(r.code, 0, r.log);
            assert.ok(Date.now() - start < 20_000);
            assert.match(r.log, new RegExp(`WARNING: ${host.replace(/\./g, "\\.")} resolved to 1 of 2 worker pods within 1s \\(10\\.1\\.0\\.7\\)`));
            assert.deepEqual(argvOf(results, "c1").slice(5, 7), ["--server-metrics", "http://10.1.0.7:9090/metrics"]);
            assert.equal(parseBenchmarkLog(r.stdout).donePhases, 2);
        });

        test("a name that never resolves: a warning, no --server-metrics added, the frontend still scraped by AIPerf", async () => {
            const { file, results } = workerPlan("none", 2, 1);
            const r = await runScript(file, getentEnv("none", []));
            assert.equal(r.code, 0, r.log);
            assert.match(r.log, /resolved to 0 of 2 worker pods within 1s \(no address\)/);
            assert.equal(argvOf(results, "c1").includes("--server-metrics"), false);
        });

        test("a phase without workerMetricsAt (its own arguments decide) is run as planned", async () => {
            const { file, results } = workerPlan("own", 1);
            const p = JSON.parse(fs.readFileSync(file, "utf8")) as BenchmarkPlan;
            delete p.phases[1]!.workerMetricsAt;
            fs.writeFileSync(file, JSON.stringify(p));
            const r = await runScript(file, getentEnv("own", ["10.1.0.7"]));
            assert.equal(r.code, 0, r.log);
            assert.ok(argvOf(results, "c1").includes("--server-metrics"));
            assert.equal(argvOf(results, "c8").includes("--server-metrics"), false);
        });
    });

    test("an unreadable plan fails with bad-plan", async () => {
        const r = await runScript(path.join(tmp, "missing.json"));
        assert.equal(r.code, 1);
        assert.equal(parseBenchmarkLog(r.log).failure, "bad-plan");
    });
});

function hasGetent(): boolean {
    return spawnSync("getent", ["ahosts", "localhost"]).status === 0;
}

function hasShellcheck(): boolean {
    return spawnSync("shellcheck", ["--version"]).status === 0;
}

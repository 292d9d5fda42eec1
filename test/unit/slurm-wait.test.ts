import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { parseSlurmWaitArgs, runSlurmWait } from "../../cli/slurm-wait";
import { firstRequestNs, timingsOf, type SuccessMarker } from "../../lib/slurm/results";
import type { ExecResult, Transport } from "../../lib/slurm/transport";
import { explainOutcome, parseSacct, parseScontrol, waitForJob, WaitError, type JobState } from "../../lib/slurm/wait";
import { repoPath } from "../../lib/paths";

const SCONTROL =
    "JobId=7 JobName=dynamo-bench-x UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 RunTime=00:01:03 TimeLimit=00:01:00 NodeList=n[1-2]";

describe("slurm job state parsing", () => {
    test("scontrol show job -o", () => {
        assert.deepEqual(parseScontrol(SCONTROL), {
            state: "TIMEOUT",
            reason: "TimeLimit",
            exitCode: "0:15",
            timeLimit: "00:01:00",
            nodes: "n[1-2]",
            source: "scontrol",
        });
        assert.equal(parseScontrol("slurm_load_jobs error: Invalid job id specified"), undefined);
    });
    test("sacct, newest record last, 'CANCELLED by 0' is CANCELLED", () => {
        assert.deepEqual(parseSacct("FAILED|1:0|None|00:10:00|n1\nCANCELLED by 0|0:15|None|00:10:00|n[1-3]\n", "sacct"), {
            state: "CANCELLED",
            exitCode: "0:15",
            reason: "None",
            timeLimit: "00:10:00",
            nodes: "n[1-3]",
            source: "sacct",
        });
        assert.equal(parseSacct("\n", "sacct -c"), undefined);
    });
});

describe("why a job ended", () => {
    const state = (s: string, extra: Partial<JobState> = {}): JobState => ({ state: s, source: "scontrol", ...extra });
    const failure =
        "reason: decode-0 exited with status 137 while benchmark phase main\nstate: benchmark phase main\njob: 7\n--- last 40 lines of /run/logs/decode-0.log ---\nKilled\n";
    test("success needs COMPLETED and SUCCESS.json and no failure", () => {
        assert.equal(explainOutcome("7", state("COMPLETED"), { success: "{}" }).ok, true);
        assert.match(explainOutcome("7", state("COMPLETED"), {}).message, /without writing SUCCESS.json/);
    });
    test("a failure marker gives the reason first, then the log tail", () => {
        const o = explainOutcome("7", state("FAILED", { exitCode: "1:0" }), { failure });
        assert.equal(o.ok, false);
        assert.match(o.message, /^job 7 ended FAILED \(exit code 1:0\): decode-0 exited with status 137 while benchmark phase main\n/);
        assert.match(o.message, /--- last 40 lines of \/run\/logs\/decode-0.log ---\nKilled/);
    });
    test("time limit: from Slurm's TIMEOUT, or from the job's own warning", () => {
        assert.match(explainOutcome("7", state("TIMEOUT", { timeLimit: "00:01:00" }), {}).message, /^job 7 reached its time limit \(00:01:00\)/);
        const own = explainOutcome("7", state("FAILED", { timeLimit: "00:02:00" }), {
            failure: "reason: time limit: the job reaches its time limit (2) in less than 60s; stopped while waiting for workers\n",
        });
        assert.match(own.message, /^job 7 reached its time limit \(00:02:00\) \(slurm.timeLimit\): time limit/);
    });
    test("cancelled", () => {
        assert.match(
            explainOutcome("7", state("CANCELLED"), { failure: "reason: received SIGTERM while benchmark phase main: ...\n" }).message,
            /^job 7 was cancelled .*received SIGTERM/,
        );
    });
});

function fakeTransport(answers: (argv: string[]) => ExecResult, files: Record<string, string> = {}): Transport & { calls: string[][] } {
    const calls: string[][] = [];
    return {
        calls,
        describe: "fake",
        exec: async (argv) => {
            calls.push(argv);
            return answers(argv);
        },
        readFile: async (f) => files[f],
        fetchDir: async (d) => d,
        close: async () => undefined,
    };
}

function clock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms), progress: () => undefined };
}

describe("waiting for a job", () => {
    test("polls until a final state, at the poll interval", async () => {
        const states = ["PENDING", "RUNNING", "RUNNING", "COMPLETED"];
        const io = clock();
        const t = fakeTransport((argv) =>
            argv[0] === "scontrol" ? { code: 0, stdout: `JobId=1 JobState=${states.shift()} Reason=None`, stderr: "" } : { code: 1, stdout: "", stderr: "" },
        );
        const s = await waitForJob(t, { jobId: "1", runDir: "/r", timeoutSeconds: 60, maxPendingSeconds: 60, pollSeconds: 2 }, io);
        assert.equal(s.state, "COMPLETED");
        assert.equal(io.now(), 6000);
    });
    test("with a step reporter: queued, then each new line of the job's state file, once", async () => {
        const states = ["PENDING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"];
        const steps = ["waiting for workers", "benchmark phase c1", "benchmark phase c1"];
        const files: Record<string, string> = {};
        const t = fakeTransport((argv) => {
            if (argv[0] !== "scontrol") return { code: 1, stdout: "", stderr: "" };
            const state = states.shift();
            if (state === "RUNNING") files["/r/state"] = `${steps.shift()}\n`;
            return { code: 0, stdout: `JobId=1 JobState=${state} Reason=None`, stderr: "" };
        }, files);
        const seen: string[] = [];
        await waitForJob(t, { jobId: "1", runDir: "/r", timeoutSeconds: 60, maxPendingSeconds: 60, pollSeconds: 2 }, { ...clock(), step: (s) => seen.push(s) });
        assert.deepEqual(seen, ["queued", "waiting for workers", "benchmark phase c1"]);
    });
    test("a job pending too long is cancelled, with the reason", async () => {
        const t = fakeTransport((argv) =>
            argv[0] === "scontrol" ? { code: 0, stdout: "JobState=PENDING Reason=Resources", stderr: "" } : { code: 0, stdout: "", stderr: "" },
        );
        await assert.rejects(
            waitForJob(t, { jobId: "9", runDir: "/r", timeoutSeconds: 600, maxPendingSeconds: 10, pollSeconds: 2 }, clock()),
            (e: Error) => e instanceof WaitError && /still PENDING after 10s .*Resources.*cancelled/.test(e.message),
        );
        assert.deepEqual(t.calls.at(-1), ["scancel", "9"]);
    });
    test("the overall bound holds", async () => {
        const t = fakeTransport(() => ({ code: 0, stdout: "JobState=RUNNING", stderr: "" }));
        await assert.rejects(
            waitForJob(t, { jobId: "3", runDir: "/r", timeoutSeconds: 30, maxPendingSeconds: 10, pollSeconds: 2 }, clock()),
            /had not ended after 30s/,
        );
    });
    test("a job whose script failed but that Slurm is still completing: the reason is reported at once, once", async () => {
        const states = ["RUNNING", "COMPLETING", "COMPLETING", "COMPLETING", "FAILED"];
        const lines: string[] = [];
        const io = { ...clock(), progress: (l: string) => lines.push(l) };
        const t = fakeTransport(() => ({ code: 0, stdout: `JobState=${states.shift()} Reason=NonZeroExitCode`, stderr: "" }), {
            "/r/FAILURE": "reason: no space left on device (ENOSPC) in the run folder /r (0 KiB free) while benchmark phase main\nstate: x\n",
        });
        assert.equal((await waitForJob(t, { jobId: "4", runDir: "/r", timeoutSeconds: 60, maxPendingSeconds: 10, pollSeconds: 2 }, io)).state, "FAILED");
        assert.deepEqual(lines, [
            "job 4 failed: no space left on device (ENOSPC) in the run folder /r (0 KiB free) while benchmark phase main (Slurm is still completing the job; waiting for it to end)",
        ]);
    });
    test("falls back to sacct when slurmctld forgot the job", async () => {
        const t = fakeTransport((argv) =>
            argv[0] === "scontrol"
                ? { code: 1, stdout: "", stderr: "Invalid job id" }
                : argv.includes("-c")
                  ? { code: 0, stdout: "COMPLETED|0:0|None|10|n1\n", stderr: "" }
                  : { code: 1, stdout: "", stderr: "accounting storage is disabled" },
        );
        assert.equal(
            (await waitForJob(t, { jobId: "3", runDir: "/r", timeoutSeconds: 30, maxPendingSeconds: 10, pollSeconds: 2 }, clock())).source,
            "sacct -c",
        );
    });
});

describe("slurm-wait command", () => {
    test("arguments", () => {
        const o = parseSlurmWaitArgs([
            "--run-dir",
            "/r",
            "--env",
            "SLURM_CONF=/a=b",
            "--phase",
            "main:4",
            "--phase",
            "x",
            "--ssh",
            "me@login:2222",
            "--fetch-to",
            "/tmp/f",
            "--gpus",
            "2",
        ]);
        assert.deepEqual(o.env, { SLURM_CONF: "/a=b" });
        assert.deepEqual(o.concurrency, { main: 4 });
        assert.deepEqual(o.ssh, { user: "me", host: "login", port: 2222 });
        assert.throws(() => parseSlurmWaitArgs(["--run-dir", "/r", "--ssh", "me@login"]), /--fetch-to is required/);
        assert.throws(() => parseSlurmWaitArgs(["--run-dir", "rel"]), /absolute/);
        assert.throws(() => parseSlurmWaitArgs(["--run-dir", "/r", "--bogus", "1"]), /unknown option/);
    });

    test("a failed job: exit 1, the marker's reason on stderr, nothing on stdout", async () => {
        let out = "";
        let err = "";
        const t = fakeTransport(() => ({ code: 0, stdout: "JobState=FAILED ExitCode=1:0", stderr: "" }), {
            "/r/job-id": "12\n",
            "/r/FAILURE": "reason: fatal error in the log of prefill-0: error: unrecognized arguments: --bogus\n",
        });
        const code = await runSlurmWait(["--run-dir", "/r"], { ...clock(), stdout: (s) => (out += s), stderr: (s) => (err += s), env: {}, transport: () => t });
        assert.equal(code, 1);
        assert.equal(out, "");
        assert.match(err, /FAILED: job 12 ended FAILED \(exit code 1:0\): fatal error in the log of prefill-0: error: unrecognized arguments: --bogus/);
    });
});

describe("job timings", () => {
    const marker: SuccessMarker = {
        format: 1,
        jobId: "1",
        jobName: "j",
        timestamps: {
            jobStartNs: 1e18,
            launchedNs: 1e18 + 1e8,
            frontendUpNs: 1e18 + 5e8,
            workersRegisteredNs: 1e18 + 2e9,
            modelServedNs: 1e18 + 2.1e9,
            readyNs: 1e18 + 2.2e9,
            benchmarkStartNs: 1e18 + 2.25e9,
            benchmarkEndNs: 1e18 + 20e9,
        },
        nodes: [],
        phases: [],
    };
    test("from SUCCESS.json and the first request of the AIPerf records", () => {
        const jsonl = `{"metadata":{"request_start_ns":1000000014000000000}}\n{"metadata":{"request_start_ns": 1000000012500000000}}\n`;
        assert.equal(firstRequestNs(jsonl), 1000000012500000000n);
        assert.deepEqual(timingsOf(marker, firstRequestNs(jsonl)), {
            launchSeconds: 0.1,
            workersRegisteredSeconds: 2,
            readySeconds: 2.2,
            lastWorkerToFirstRequestSeconds: 10.5,
            readyToBenchmarkLaunchSeconds: 0.05,
            benchmarkLaunchToFirstRequestSeconds: 10.25,
            benchmarkSeconds: 17.75,
        });
    });
});

describe("batch.sh HTTP without curl", () => {
    // The same function the job uses, cut out of the static script and run with the /dev/tcp client.
    const script = fs.readFileSync(repoPath("scripts", "slurm", "batch.sh"), "utf8");
    const fn = /^http\(\) \{[\s\S]*?^\}$/m.exec(script)?.[0];
    test("GET and POST over bash /dev/tcp", async () => {
        assert.ok(fn, "http() not found in batch.sh");
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                res.writeHead(req.url === "/missing" ? 404 : 200, { "Content-Type": "application/json" });
                res.end(JSON.stringify({ method: req.method, url: req.url, body }));
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as { port: number }).port;
        const run = (args: string) =>
            new Promise<string>((resolve) => {
                const child = require("node:child_process").spawn("bash", [
                    "-c",
                    `HTTP_CLIENT=bash HTTP_TIMEOUT=5\n${fn}\nhttp ${args}; rc=$?; printf '%s|%s|%s' "$rc" "$HTTP_CODE" "$HTTP_BODY"`,
                ]);
                let out = "";
                child.stdout.on("data", (d: Buffer) => (out += d));
                child.on("close", () => resolve(out));
            });
        assert.equal(await run(`http://127.0.0.1:${port}/v1/models`), `0|200|{"method":"GET","url":"/v1/models","body":""}`);
        assert.equal(
            await run(`http://127.0.0.1:${port}/v1/chat '{"model":"tiny ✓"}'`),
            `0|200|{"method":"POST","url":"/v1/chat","body":"{\\"model\\":\\"tiny ✓\\"}"}`,
        );
        assert.match(await run(`http://127.0.0.1:${port}/missing`), /^1\|404\|/);
        server.close();
        assert.match(await run(`http://127.0.0.1:${port}/gone`), /^1\|000\|$/);
    });
});

describe("static scripts", () => {
    const dir = repoPath("scripts", "slurm");
    const check = spawnSync("shellcheck", ["--version"]);
    test("shellcheck finds nothing", { skip: check.status !== 0 ? "shellcheck is not installed (apt-get install shellcheck)" : false }, () => {
        const files = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".sh"))
            .map((f) => path.join(dir, f));
        files.push(repoPath("scripts", "setup-sshd.sh"));
        const r = spawnSync("shellcheck", ["-x", ...files.filter((f) => fs.existsSync(f))], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
    });
});

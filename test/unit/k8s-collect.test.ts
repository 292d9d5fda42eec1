// `dynamo-bench k8s-collect`: log parsing, Job and pod judgement, argument
// round trips, and whole runs against a scripted kubectl (in-process and as a
// real process through bin/dynamo-bench.js with a fake kubectl on PATH).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    GRAPH_RESOURCE,
    IMAGE_PULL_GRACE_SECONDS,
    checkCompleteness,
    collectArgv,
    jobState,
    kubectlArgs,
    parseBenchmarkLog,
    parseCollectArgv,
    podProblems,
    summarizeCollected,
    tailLines,
} from "../../lib/kubernetes";
import { shJoin as shellJoin, shq as shellQuote } from "../../lib/shell-quote";
import { runK8sCollect } from "../../cli/k8s-collect";
import { fakeCollectIo, kubectlOk } from "../helpers/fake-collect-io";
import { parseResultLine } from "../../lib/results";
import { REPO_ROOT as repoRoot } from "../../lib/paths";
import { readReference, referenceSkip } from "../helpers/reference";
import { writeFakeKubectl } from "../helpers/fake-kubectl";

// Real AIPerf exports travel through the Job log; tests that carry them are skipped without the reference data.
const AIPERF_JSON = readReference("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.json");
const AIPERF_CSV = readReference("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.csv");
const NO_METRICS = referenceSkip("metrics", "aiperf-examples-run1-7c31f579__profile_export_aiperf.json");

/** A Job log as the script prints it (base64 wrapped at 76 like coreutils). */
function scriptLog(phases: string[], opts: { done?: boolean; failure?: string; noise?: boolean } = {}): string {
    const b64 = (s: string) =>
        Buffer.from(s)
            .toString("base64")
            .replace(/.{1,76}/g, "$&\n");
    const lines: string[] = ["[dynamo-bench] waiting for the model"];
    for (const p of phases) {
        lines.push(`===DYNAMO-BENCH-PHASE phase=${p} BEGIN===`, "aiperf progress 50%");
        if (opts.noise) lines.push("   ");
    }
    for (const p of phases) {
        for (const [name, content] of [
            ["profile_export_aiperf.csv", AIPERF_CSV],
            ["profile_export_aiperf.json", AIPERF_JSON],
        ]) {
            lines.push(
                `===DYNAMO-BENCH-FILE phase=${p} name=${name} base64 BEGIN===`,
                b64(content).trimEnd(),
                `===DYNAMO-BENCH-FILE phase=${p} name=${name} END===`,
            );
        }
    }
    if (opts.failure) lines.push(`===DYNAMO-BENCH-FAILED reason=${opts.failure}===`);
    if (opts.done !== false && !opts.failure) lines.push(`===DYNAMO-BENCH-DONE phases=${phases.length}===`);
    return `${lines.join("\n")}\n`;
}

describe("log parsing", () => {
    test("recovers every file byte for byte, with CRLF line ends too", { skip: NO_METRICS }, () => {
        for (const log of [scriptLog(["c1", "c8"]), scriptLog(["c1", "c8"]).replace(/\n/g, "\r\n")]) {
            const parsed = parseBenchmarkLog(log);
            assert.deepEqual(parsed.problems, []);
            assert.equal(parsed.files.length, 4);
            assert.equal(parsed.files.find((f) => f.phase === "c8" && f.name.endsWith(".json"))?.content, AIPERF_JSON);
            assert.equal(parsed.donePhases, 2);
            assert.deepEqual(checkCompleteness(parsed, ["c1", "c8"]), []);
        }
    });

    test("a truncated log, a foreign line inside a file, a repeated file are problems", { skip: NO_METRICS }, () => {
        const truncated = scriptLog(["c1"]).split("\n").slice(0, 5).join("\n");
        assert.match(parseBenchmarkLog(truncated).problems.join(), /began but never ended/);
        const interleaved = scriptLog(["c1"]).replace(/(base64 BEGIN===\n)/, "$1W0910 12:00:00 something else\n");
        assert.match(parseBenchmarkLog(interleaved).problems.join(), /not base64/);
        const twice = scriptLog(["c1"]) + scriptLog(["c1"]);
        assert.match(parseBenchmarkLog(twice).problems.join(), /appears twice/);
    });

    test("completeness: missing DONE, a failure marker, a missing phase, a wrong phase count", { skip: NO_METRICS }, () => {
        assert.match(checkCompleteness(parseBenchmarkLog(scriptLog(["c1"], { done: false })), ["c1"]).join(), /no DONE marker/);
        assert.match(checkCompleteness(parseBenchmarkLog(scriptLog(["c1"], { failure: "tool-exit" })), ["c1"]).join(), /reported failure: tool-exit/);
        const problems = checkCompleteness(parseBenchmarkLog(scriptLog(["c1"])), ["c1", "c8"]);
        assert.match(problems.join("\n"), /finished 1 phases, expected 2/);
        assert.match(problems.join("\n"), /phase c8 has no summary JSON/);
    });
});

describe("Job and pod state", () => {
    test("Job conditions", () => {
        assert.deepEqual(jobState({ status: { active: 1 } }), { state: "running" });
        assert.deepEqual(jobState({ status: { conditions: [{ type: "Complete", status: "True" }] } }), { state: "succeeded" });
        assert.deepEqual(
            jobState({
                status: {
                    conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }],
                },
            }),
            {
                state: "failed",
                reason: "DeadlineExceeded: Job was active longer than specified deadline",
            },
        );
        assert.deepEqual(jobState({ status: { conditions: [{ type: "Failed", status: "False" }] } }), { state: "running" });
    });

    const pod = (reason: string, message = "") => ({
        items: [{ metadata: { name: "bench-bench-x" }, status: { containerStatuses: [{ state: { waiting: { reason, message } } }] } }],
    });

    test("fatal at once: bad image name, missing secret", () => {
        assert.equal(podProblems(pod("InvalidImageName"))[0].fatal, true);
        assert.equal(podProblems(pod("CreateContainerConfigError", 'secret "bench-hf-token" not found'))[0].fatal, true);
    });

    test("image pull back-off is fatal only after the grace period", () => {
        assert.equal(podProblems(pod("ImagePullBackOff"), () => 10)[0].fatal, false);
        assert.equal(podProblems(pod("ImagePullBackOff"), () => IMAGE_PULL_GRACE_SECONDS)[0].fatal, true);
    });

    test("unschedulable is reported, not fatal; running containers are fine", () => {
        const pending = {
            items: [
                {
                    metadata: { name: "p" },
                    status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/4 nodes are available" }] },
                },
            ],
        };
        assert.deepEqual(podProblems(pending), [{ pod: "p", reason: "Unschedulable", message: "0/4 nodes are available", fatal: false }]);
        assert.deepEqual(podProblems({ items: [{ metadata: { name: "p" }, status: { containerStatuses: [{ state: { running: {} } }] } }] }), []);
        assert.deepEqual(podProblems(pod("ContainerCreating")), []);
    });
});

describe("arguments", () => {
    const opts = {
        namespace: "ns",
        job: "b-bench",
        graph: "b",
        timeoutSeconds: 3900,
        phases: [
            { name: "c1", concurrency: 1 },
            { name: "c64", concurrency: 64 },
        ],
        gpus: 8,
        tool: "aiperf" as const,
        kubeconfig: "/home/me/my kube/config",
        context: "prod's",
    };

    test("collectArgv and parseCollectArgv round-trip", () => {
        const parsed = parseCollectArgv(collectArgv(opts).slice(1));
        assert.deepEqual(parsed, { ...opts, intervalSeconds: 2 });
    });

    test("usage errors name the problem", () => {
        assert.throws(() => parseCollectArgv(["--namespace", "ns"]), /--job is required/);
        assert.throws(() => parseCollectArgv(["--namespace", "ns", "--job", "j", "--graph", "g", "--timeout", "soon"]), /--timeout expects a positive number/);
        assert.throws(() => parseCollectArgv(["--bogus", "1"]), /unknown option --bogus/);
        assert.throws(() => parseCollectArgv(["--namespace", "ns", "--job", "j", "--graph", "g", "--timeout", "9", "--phases", "C 1"]), /--phases expects/);
        assert.throws(() => parseCollectArgv(["--namespace", "ns", "--job", "j", "--graph", "g", "--timeout", "9", "--tool", "locust"]), /--tool expects/);
    });

    test("shell quoting survives /bin/sh", () => {
        const words = ["plain", "with space", "it's", "$(touch /tmp/x)", 'a"b', "--kubeconfig=/x y"];
        assert.equal(shellQuote("plain-1.2/x"), "plain-1.2/x");
        const echoed = spawnSync("/bin/sh", ["-c", `printf '%s\\n' ${shellJoin(words)}`], { encoding: "utf8" }).stdout;
        assert.deepEqual(echoed.split("\n").slice(0, -1), words);
    });

    test("kubectl calls carry kubeconfig, context and namespace", () => {
        assert.deepEqual(kubectlArgs.getJob(opts, "b-bench"), [
            "--kubeconfig",
            opts.kubeconfig,
            "--context",
            opts.context,
            "--namespace",
            "ns",
            "get",
            "job",
            "b-bench",
            "-o",
            "json",
        ]);
        assert.ok(kubectlArgs.graphLogs(opts, "b").includes("nvidia.com/dynamo-graph-deployment-name=b"));
        assert.ok(kubectlArgs.graphLogs(opts, "b").includes("--tail=40"));
        assert.equal(tailLines("a\nb\nc\n", 2), "b\nc");
    });
});

describe("summaries through lib/results", () => {
    test("one summary per phase with stack outputs, in the expected order", { skip: NO_METRICS }, () => {
        const files = parseBenchmarkLog(scriptLog(["c1", "c8"])).files;
        const results = summarizeCollected(
            files,
            [
                { name: "c8", concurrency: 8 },
                { name: "c1", concurrency: 1 },
            ],
            { tool: "aiperf", gpus: 4 },
        );
        assert.equal(results.schema, "dynamo-bench/k8s-results@1");
        assert.deepEqual(
            results.phases.map((p) => p.name),
            ["c8", "c1"],
        );
        assert.equal(results.phases[0].concurrency, 8);
        assert.equal(typeof results.phases[0].outputs.requestCount, "number");
        assert.ok(results.phases[0].outputs.ttftMs?.avg !== undefined);
        assert.ok(results.phases[0].outputs.outputTokenThroughputPerGpuTokPerS !== undefined, "per-GPU throughput uses the workers' GPUs");
    });
});

/** A kubectl that answers from a script of responses keyed by the subcommand. */
function scriptedIo(answers: { job: Array<unknown | "notfound" | "error">; pods?: unknown; logs?: string; graphLogs?: string; graph?: unknown }) {
    let jobIndex = 0;
    return fakeCollectIo((args) => {
        const sub = args.slice(args.indexOf("--namespace") + 2);
        if (sub[0] === "get" && sub[1] === "job") {
            const a = answers.job[Math.min(jobIndex++, answers.job.length - 1)];
            if (a === "notfound") return { code: 1, stdout: "", stderr: 'Error from server (NotFound): jobs.batch "b-bench" not found' };
            if (a === "error") return { code: 1, stdout: "", stderr: "Unable to connect to the server" };
            return kubectlOk(JSON.stringify(a));
        }
        if (sub[0] === "get" && sub[1] === GRAPH_RESOURCE) {
            return answers.graph ? kubectlOk(JSON.stringify(answers.graph)) : { code: 1, stdout: "", stderr: "Error from server (NotFound)" };
        }
        if (sub[0] === "get" && sub[1] === "pods" && sub[3].startsWith("job-name=")) return kubectlOk(JSON.stringify(answers.pods ?? { items: [] }));
        if (sub[0] === "get" && sub[1] === "pods") return kubectlOk("NAME READY STATUS\nb-0-decode-abc 0/1 CrashLoopBackOff\n");
        if (sub[0] === "logs" && sub[1].startsWith("job/"))
            return kubectlOk(sub.some((x) => x.startsWith("--tail=")) ? tailLines(answers.logs ?? "", 80) : (answers.logs ?? ""));
        if (sub[0] === "logs") return kubectlOk(answers.graphLogs ?? "[pod/b-0-decode-abc/main] CUDA out of memory\n");
        return { code: 1, stdout: "", stderr: `unexpected kubectl ${args.join(" ")}` };
    });
}

const running = { status: { active: 1 } };
const complete = {
    status: { startTime: "2026-12-02T10:00:05Z", completionTime: "2026-12-02T10:01:47Z", conditions: [{ type: "Complete", status: "True" }] },
};
const readyGraph = {
    metadata: { creationTimestamp: "2026-12-02T09:58:00Z" },
    status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-12-02T10:00:01Z" }] },
};
const base = ["--namespace", "ns", "--job", "b-bench", "--graph", "b", "--timeout", "600", "--interval", "5"];

describe("k8s-collect runs", () => {
    test("success: polls until Complete, prints only the results JSON on stdout", { skip: NO_METRICS }, async () => {
        const { io, out } = scriptedIo({ job: [running, running, complete], logs: scriptLog(["c1", "c8"]), graph: readyGraph });
        const code = await runK8sCollect([...base, "--phases", "c1:1,c8:8", "--gpus", "2", "--tool", "aiperf"], io);
        assert.equal(code, 0, out.stderr);
        const results = parseResultLine<{ ok: boolean; phases: Array<{ name: string }>; timings: unknown }>(out.stdout, "k8s-collect");
        // From the API server's timestamps: graph created until Ready, Job start until complete.
        assert.deepEqual(results.timings, { readySeconds: 121, benchmarkSeconds: 102 });
        assert.match(out.stdout, /^DYNAMO_BENCH_RESULT \{/);
        assert.deepEqual(
            results.phases.map((p: { name: string }) => p.name),
            ["c1", "c8"],
        );
        assert.equal(out.calls.filter((c) => c.includes("job")).length, 3);
    });

    test("timings: a graph that cannot be read leaves readySeconds out", { skip: NO_METRICS }, async () => {
        const { io, out } = scriptedIo({ job: [complete], logs: scriptLog(["c1"]) });
        assert.equal(await runK8sCollect([...base, "--phases", "c1:1", "--gpus", "2", "--tool", "aiperf"], io), 0, out.stderr);
        assert.deepEqual(parseResultLine<{ ok: boolean; timings: unknown }>(out.stdout, "k8s-collect").timings, { benchmarkSeconds: 102 });
    });

    test("failed Job: exit 1 with the reason, the Job log tail and the graph pods' logs", async () => {
        const failed = {
            status: {
                conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }],
            },
        };
        const { io, out } = scriptedIo({
            job: [running, failed],
            logs: "[dynamo-bench] ERROR: phase c8: aiperf exited with status 1\n===DYNAMO-BENCH-FAILED reason=tool-exit===\n",
        });
        assert.equal(await runK8sCollect([...base, "--phases", "c1,c8"], io), 1);
        assert.equal(out.stdout, "");
        assert.match(out.stderr, /FAILED: Job ns\/b-bench failed: BackoffLimitExceeded/);
        assert.match(out.stderr, /--- log of Job b-bench \(last 80 lines\) ---\n.*aiperf exited with status 1/);
        assert.match(out.stderr, /--- pods of graph b ---\nNAME READY STATUS/);
        assert.match(out.stderr, /--- logs of graph b pods \(last 40 lines each\) ---\n\[pod\/b-0-decode-abc\/main\] CUDA out of memory/);
        const graphLogCall = out.calls.find((c) => c.includes("logs") && c.includes("-l"));
        assert.ok(graphLogCall?.includes("nvidia.com/dynamo-graph-deployment-name=b") && graphLogCall.includes("--all-containers"));
    });

    test("timeout: bounded by --timeout, exit 1 naming what was last seen", async () => {
        const { io, out } = scriptedIo({
            job: [running],
            pods: {
                items: [
                    {
                        metadata: { name: "b-bench-x" },
                        status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "Insufficient cpu" }] },
                    },
                ],
            },
        });
        assert.equal(await runK8sCollect(base, io), 1);
        assert.match(out.stderr, /timed out after 600s waiting for Job ns\/b-bench.*Unschedulable Insufficient cpu/);
        assert.ok(out.calls.filter((c) => c.includes("job")).length <= 600 / 5 + 2, "polls at the interval, not in a tight loop");
    });

    test("a pod that can never start fails fast", async () => {
        const pods = {
            items: [
                {
                    metadata: { name: "b-bench-x" },
                    status: { containerStatuses: [{ state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "b-hf-token" not found' } } }] },
                },
            ],
        };
        const { io, out } = scriptedIo({ job: [running], pods });
        assert.equal(await runK8sCollect(base, io), 1);
        assert.match(out.stderr, /cannot start: CreateContainerConfigError: secret "b-hf-token" not found/);
        assert.equal(out.calls.filter((c) => c.includes("job")).length, 1);
    });

    test("a Job that no longer exists is reported at once", async () => {
        const { io, out } = scriptedIo({ job: ["notfound"] });
        assert.equal(await runK8sCollect(base, io), 1);
        assert.match(out.stderr, /does not exist \(deleted, or its ttlSecondsAfterFinished passed\)/);
    });

    test("API errors are retried until the timeout", { skip: NO_METRICS }, async () => {
        const { io, out } = scriptedIo({ job: ["error", "error", complete], logs: scriptLog(["main"]) });
        assert.equal(await runK8sCollect([...base, "--phases", "main"], io), 0, out.stderr);
    });

    test("a complete Job whose log lacks a phase fails, naming the phase", { skip: NO_METRICS }, async () => {
        const { io, out } = scriptedIo({ job: [complete], logs: scriptLog(["c1"]) });
        assert.equal(await runK8sCollect([...base, "--phases", "c1,c8"], io), 1);
        assert.match(out.stderr, /phase c8 has no summary JSON/);
    });

    test("unreadable export content fails with the results library's reason", { skip: NO_METRICS }, async () => {
        const log = scriptLog(["c1"]).replace(
            /(name=profile_export_aiperf\.json base64 BEGIN===\n)[^=]*/,
            `$1${Buffer.from("{not json").toString("base64")}\n`,
        );
        const { io, out } = scriptedIo({ job: [complete], logs: log });
        assert.equal(await runK8sCollect([...base, "--phases", "c1"], io), 1);
        assert.match(out.stderr, /export files in the Job's log could not be read/);
    });

    test("usage error exits 2", async () => {
        const { io, out } = scriptedIo({ job: [complete] });
        assert.equal(await runK8sCollect(["--namespace", "ns"], io), 2);
        assert.match(out.stderr, /--job is required/);
    });
});

describe("k8s-collect as a process (bin/dynamo-bench.js, fake kubectl on PATH)", { skip: NO_METRICS }, () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-collect-"));
        fs.writeFileSync(path.join(dir, "job.json"), JSON.stringify(complete));
        fs.writeFileSync(path.join(dir, "job.log"), scriptLog(["c1"]));
        writeFakeKubectl(dir, [
            ['*" get job "*', `cat "${dir}/job.json"`],
            ['*" get pods "*', `echo '{"items": []}'`],
            ['*" logs job/"*', `cat "${dir}/job.log"`],
        ]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("prints the summary JSON and exits 0", () => {
        const r = spawnSync("node", ["bin/dynamo-bench.js", "k8s-collect", ...base, "--phases", "c1:4", "--kubeconfig", "/tmp/kube config"], {
            cwd: repoRoot,
            env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
            encoding: "utf8",
            timeout: 60_000,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(parseResultLine<{ ok: boolean; phases: Array<{ name: string }> }>(r.stdout, "k8s-collect").phases[0].name, "c1");
        assert.match(fs.readFileSync(path.join(dir, "calls"), "utf8"), /^--kubeconfig \/tmp\/kube config --namespace ns get job b-bench -o json$/m);
    });
});

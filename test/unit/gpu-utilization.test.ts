// GPU utilisation sampling on Slurm (slurm.gpuUtilization): the nvidia-smi
// query each node's sampler runs (rendered into job.env), the sampling loop of
// node.sh run for real against a STAND-IN nvidia-smi (test/helpers/
// nvidia-smi-stand-in.ts; there are no GPUs here), and the parsing and
// per-phase summary of the CSV in nvidia-smi's format
// (test/fixtures/nvidia-smi, laid out as nvidia-smi --format=csv prints it).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseGpuSamples, summarizeGpuSamples } from "../../lib/results/gpu-utilization";
import { gpuWindow } from "../../lib/slurm/results";
import { GPU_QUERY_FIELDS } from "../../lib/slurm/gpu-telemetry";
import { renderJob } from "../../lib/slurm/render";
import { REPO_ROOT } from "../../lib/paths";
import { writeNvidiaSmiStandIn } from "../helpers/nvidia-smi-stand-in";
import { slurmSpec } from "./slurm-fixtures";

const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", "nvidia-smi", "gpu-utilization-slot0.csv");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-util-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const envLine = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(`${name}=`));

describe("nvidia-smi samples", () => {
    test("parsed with units stripped and [N/A] left out; summarized for the whole run and for a window", () => {
        const samples = parseGpuSamples(fs.readFileSync(FIXTURE, "utf8"), FIXTURE);
        assert.equal(samples.length, 6);
        assert.deepEqual(samples[3], {
            epochMs: 1764660005000,
            gpu: "1",
            utilizationGpuPercent: 93,
            utilizationMemoryPercent: 47,
            memoryUsedMiB: 70130,
            memoryTotalMiB: 81559,
            powerDrawW: 540.75,
        });
        assert.equal(samples[1]!.powerDrawW, undefined, "[N/A] is no number");
        assert.deepEqual(summarizeGpuSamples(samples), {
            samples: 3,
            gpus: 2,
            utilizationGpuPercent: { avg: 63.17, max: 100 },
            utilizationMemoryPercent: { avg: 32.5, max: 55 },
            memoryUsedMiB: { max: 70130 },
            powerDrawW: { avg: 464.31, max: 601 },
        });
        const busy = summarizeGpuSamples(samples, 1764660005000, 1764660010000);
        assert.equal(busy.samples, 2);
        assert.deepEqual(busy.utilizationGpuPercent, { avg: 94.75, max: 100 });
    });

    test("a phase's window over every node: each GPU named by its node, and each node on its own", () => {
        const samples = parseGpuSamples(fs.readFileSync(FIXTURE, "utf8"));
        const idle = samples.map((s) => ({ ...s, utilizationGpuPercent: 0 }));
        const w = gpuWindow(
            new Map([
                ["n1", samples],
                ["n2", idle],
            ]),
            1764660005000 * 1e6,
            1764660010000 * 1e6,
        );
        assert.equal(w.gpus, 4);
        assert.deepEqual(w.utilizationGpuPercent, { avg: 47.38, max: 100 });
        assert.deepEqual(Object.keys(w.nodes), ["n1", "n2"]);
        assert.deepEqual(w.nodes.n2!.utilizationGpuPercent, { avg: 0, max: 0 });
    });

    test("a file it cannot read names the file and line", () => {
        assert.throws(() => parseGpuSamples("timestamp, index\n1, 0\n", "a.csv"), /a\.csv:1: expected a header starting with epoch_ms/);
        assert.throws(() => parseGpuSamples("epoch_ms, index, utilization.gpu [%]\n1, 0\n", "b.csv"), /b\.csv:2: expected 3 columns, got 2/);
        assert.throws(() => parseGpuSamples("epoch_ms, index\nsoon, 0\n", "c.csv"), /c\.csv:2: expected epoch milliseconds first/);
    });
});

describe("GPU samplers in the Slurm job", () => {
    test("one sampler per node slot with the nvidia-smi query, its interval and its file; none when off", () => {
        const job = renderJob(
            slurmSpec({ decode: { replicas: 2 }, slurm: { outputDir: path.join(tmp, "render"), gpuUtilization: { enabled: true, intervalSeconds: 2 } } }),
        );
        const env = job.files.find((f) => f.name === "job.env")!.content;
        assert.equal(job.plan.slots.length, 3);
        assert.equal(envLine(env, "GPU_SAMPLING"), "GPU_SAMPLING=1");
        for (const slot of [0, 1, 2]) {
            assert.equal(envLine(env, `P_GPU${slot}_ARGV`), `P_GPU${slot}_ARGV=(nvidia-smi --query-gpu=${GPU_QUERY_FIELDS.join(",")} --format=csv)`);
            assert.equal(envLine(env, `P_GPU${slot}_REPEAT`), `P_GPU${slot}_REPEAT=(2 ${job.runDir}/gpu/gpu-utilization-slot${slot}.csv)`);
        }
        const off = renderJob(slurmSpec({ slurm: { outputDir: path.join(tmp, "off") } })).files.find((f) => f.name === "job.env")!.content;
        assert.equal(envLine(off, "GPU_SAMPLING"), "GPU_SAMPLING=0");
        assert.equal(envLine(off, "P_GPU0_ARGV"), undefined);
    });

    /** node.sh GPU0 for `ms`, then SIGTERM as the job script stops it; its exit status and stderr. */
    function runSampler(env: string, runDir: string, ms: number, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
        return new Promise((resolve) => {
            const child = spawn("bash", [path.join(runDir, "node.sh"), env, "GPU0", "gpu-sampler-0", "h", "h", "h"], {
                env: { PATH: process.env.PATH, ...extraEnv },
                stdio: ["ignore", "ignore", "pipe"],
            });
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            const timer = setTimeout(() => child.kill("SIGTERM"), ms);
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve({ code, stderr });
            });
        });
    }

    test("node.sh samples the stand-in nvidia-smi every interval until stopped: one header, rows behind their epoch ms", { timeout: 30_000 }, async () => {
        const standIn = writeNvidiaSmiStandIn(path.join(tmp, "bin"));
        const job = renderJob(
            slurmSpec({ slurm: { outputDir: path.join(tmp, "loop"), gpuUtilization: { enabled: true, intervalSeconds: 1, command: [standIn] } } }),
        );
        fs.mkdirSync(job.runDir, { recursive: true });
        for (const f of job.files) fs.writeFileSync(path.join(job.runDir, f.name), f.content, { mode: parseInt(f.mode, 8) });
        const env = path.join(job.runDir, "job.env");
        const started = Date.now();
        const r = await runSampler(env, job.runDir, 2500);
        assert.equal(r.code, 0, `a stopped sampler ends cleanly: ${r.stderr}`);
        const file = path.join(job.runDir, "gpu", "gpu-utilization-slot0.csv");
        const text = fs.readFileSync(file, "utf8");
        assert.equal(text.split("\n").filter((l) => l.startsWith("epoch_ms, timestamp, index")).length, 1, text);
        const samples = parseGpuSamples(text, file);
        const rounds = [...new Set(samples.map((s) => s.epochMs))];
        assert.ok(rounds.length >= 2 && rounds.length <= 4, `2.5 s at 1 s intervals: ${rounds.length} rounds`);
        assert.ok(
            rounds.every((t) => t >= started - 1000 && t <= Date.now()),
            "epoch ms of each run",
        );
        assert.deepEqual([...new Set(samples.map((s) => s.gpu))], ["0", "1"]);
        assert.equal(summarizeGpuSamples(samples).gpus, 2);

        const failing = await runSampler(env, job.runDir, 5000, { STAND_IN_NVIDIA_SMI_FAIL: "1" });
        assert.equal(failing.code, 97);
        assert.match(failing.stderr, /gpu-sampler-0: .*nvidia-smi failed with status 9/);
    });
});

describe("the DCGM exporter step", () => {
    test("an exporter per node slot listening on the port, the job's bound, and every node's /metrics for AIPerf", () => {
        const job = renderJob(
            slurmSpec({ decode: { replicas: 2 }, slurm: { outputDir: path.join(tmp, "dcgm"), dcgmExporter: { enabled: true, port: 9500 } } }),
        );
        const env = job.files.find((f) => f.name === "job.env")!.content;
        assert.deepEqual(
            ["DCGM_EXPORTER", "DCGM_PORT", "DCGM_TIMEOUT"].map((k) => envLine(env, k)),
            ["DCGM_EXPORTER=1", "DCGM_PORT=9500", "DCGM_TIMEOUT=60"],
        );
        for (const slot of [0, 1, 2]) {
            assert.equal(envLine(env, `P_DCGM${slot}_ARGV`), `P_DCGM${slot}_ARGV=(dcgm-exporter)`);
            assert.equal(envLine(env, `P_DCGM${slot}_ENV`), `P_DCGM${slot}_ENV=(DCGM_EXPORTER_LISTEN=:9500)`);
        }
        assert.match(
            envLine(env, "P_PH0_ARGV")!,
            /'http:\/\/\{slot_host_2\}:20065\/metrics' 'http:\/\/\{slot_host_0\}:9500\/metrics' 'http:\/\/\{slot_host_1\}:9500\/metrics' 'http:\/\/\{slot_host_2\}:9500\/metrics'\)$/,
        );
        const quiet = renderJob(
            slurmSpec({ benchmark: { serverMetrics: false }, slurm: { outputDir: path.join(tmp, "dcgm-quiet"), dcgmExporter: { enabled: true } } }),
        ).files.find((f) => f.name === "job.env")!.content;
        assert.doesNotMatch(envLine(quiet, "P_PH0_ARGV")!, /9401/, "without server metrics nothing is scraped");
        const off = renderJob(slurmSpec({ slurm: { outputDir: path.join(tmp, "dcgm-off") } })).files.find((f) => f.name === "job.env")!.content;
        assert.deepEqual([envLine(off, "DCGM_EXPORTER"), envLine(off, "P_DCGM0_ARGV")], ["DCGM_EXPORTER=0", undefined]);
    });

    test("its port may not meet another port of a node", () => {
        assert.throws(
            () => slurmSpec({ frontend: { port: 9401 }, slurm: { dcgmExporter: { enabled: true } } }),
            (e: unknown) => /slurm\.dcgmExporter\.port: expected a port apart from the frontend \(9401\)/.test(String((e as Error).message)),
        );
        assert.throws(() => slurmSpec({ slurm: { dcgmExporter: { enabled: true, startupTimeoutSeconds: 0 } } }), /slurm\.dcgmExporter\.startupTimeoutSeconds/);
    });
});

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cancelCommand, cancelRunCommand, renderJob, sbatchCommandLine, stageCommand, submitCommand, type RenderedJob } from "../../lib/slurm/render";
import { HOSTILE, slurmSpec } from "./slurm-fixtures";
import { sourcedVariable } from "../helpers/bash-env";

/** Every temporary folder of this file lives here and goes at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-render-test-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));
const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(TMP, prefix));

function writeJob(job: RenderedJob, dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of job.files) fs.writeFileSync(path.join(dir, f.name), f.content, { mode: parseInt(f.mode, 8) });
    return path.join(dir, "job.env");
}

describe("slurm sbatch and srun arguments", () => {
    test("partition, account, QOS, time limit, GPUs, extra arguments", () => {
        const job = renderJob(
            slurmSpec({
                slurm: { partition: "gpu", account: "proj-1", qos: "high", timeLimit: "01:30:00", sbatchArgs: ["--constraint=h100", "--reservation=x y"] },
            }),
        );
        assert.deepEqual(job.sbatchArgs.slice(0, 7), [
            "--job-name=dynamo-bench-unit",
            "--nodes=2",
            "--partition=gpu",
            "--account=proj-1",
            "--qos=high",
            "--time=01:30:00",
            "--signal=B:USR1@60",
        ]);
        assert.ok(job.sbatchArgs.includes("--gpus-per-node=8"));
        assert.ok(job.sbatchArgs.includes("--exclusive"));
        assert.deepEqual(job.sbatchArgs.slice(-2), ["--constraint=h100", "--reservation=x y"]);
        assert.equal(job.timeLimitSeconds, 5400);
    });

    test("default time limit covers the ready and benchmark timeouts", () => {
        const job = renderJob(slurmSpec({ timeouts: { readySeconds: 600, benchmarkSeconds: 1200 } }));
        assert.equal(job.timeLimit, "40");
        assert.ok(job.waitTimeoutSeconds > 40 * 60);
    });

    test("--gres and no GPU request", () => {
        assert.ok(renderJob(slurmSpec({ slurm: { gpuRequest: "gres" } })).sbatchArgs.includes("--gres=gpu:8"));
        assert.ok(!renderJob(slurmSpec({ slurm: { gpuRequest: "none" } })).sbatchArgs.some((a) => a.includes("gpu")));
    });

    test("output paths escape sbatch filename patterns", () => {
        const job = renderJob(slurmSpec({ slurm: { outputDir: "/shared/100%done" } }));
        assert.ok(
            job.sbatchArgs.some((a) => a === `--output=/shared/100%%done/dynamo-bench-unit/${job.runId}/logs/job.log`),
            job.sbatchArgs.join(" "),
        );
    });

    test("pyxis: image, mounts (run folder and model first), container flags", () => {
        const job = renderJob(
            slurmSpec({
                image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0",
                slurm: { container: { runtime: "pyxis", mounts: ["/data:/data:ro"] }, srunArgs: ["--mpi=pmix"] },
            }),
        );
        const env = writeJob(job, tmpDir("pyxis-"));
        assert.deepEqual(sourcedVariable(env, "SRUN_ARGS"), [
            "--container-image=nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0",
            "--container-name=dynamo-bench-unit",
            `--container-mounts=${job.runDir}:${job.runDir},/models/tiny:/models/tiny,/data:/data:ro`,
            "--no-container-mount-home",
            "--container-writable",
            `--container-workdir=${job.runDir}`,
            "--mpi=pmix",
        ]);
        assert.deepEqual(sourcedVariable(env, "PREPARE_CONTAINERS"), ["1"]);
    });

    test("a changed config is a new run folder; the same config is the same", () => {
        const a = renderJob(slurmSpec());
        assert.equal(renderJob(slurmSpec()).runDir, a.runDir);
        assert.notEqual(renderJob(slurmSpec({ benchmark: { concurrency: 2 } })).runDir, a.runDir);
        assert.notEqual(renderJob(slurmSpec({ slurm: { runTag: "again" } })).runDir, a.runDir);
    });

    test("job names: stack and benchmark, or the configured one", () => {
        assert.equal(renderJob(slurmSpec({}, "prod")).jobName, "dynamo-bench-prod");
        assert.equal(renderJob(slurmSpec({ name: "sweep" }, "prod")).jobName, "dynamo-bench-prod-sweep");
        assert.equal(renderJob(slurmSpec({ slurm: { jobName: "mine" } })).jobName, "mine");
    });

    test("etcd discovery starts etcd and NATS and points every process at them", () => {
        const job = renderJob(slurmSpec({ slurm: { discovery: { backend: "etcd", etcdPort: 12379, natsPort: 14222 } } }));
        const env = writeJob(job, tmpDir("etcd-"));
        assert.equal(sourcedVariable(env, "P_ETCD_ARGV")[0], "etcd");
        assert.deepEqual(sourcedVariable(env, "P_NATS_ARGV").slice(0, 4), ["nats-server", "-js", "-p", "14222"]);
        const fe = sourcedVariable(env, "P_FRONTEND_ENV");
        assert.ok(fe.includes("ETCD_ENDPOINTS=http://{frontend_host}:12379"));
        assert.ok(fe.includes("NATS_SERVER=nats://{frontend_host}:14222"));
        assert.ok(sourcedVariable(env, "P_W0_ENV").includes("DYN_DISCOVERY_BACKEND=etcd"));
        assert.ok(sourcedVariable(env, "P_W0_ENV").includes("ETCD_ENDPOINTS=http://{frontend_host}:12379"));
    });
});

describe("login-node command lines", () => {
    const job = renderJob(slurmSpec({ slurm: { outputDir: "/shared/it's here", login: { mode: "local", env: { SLURM_CONF: "/etc/a b/slurm.conf" } } } }));
    test("submit, cancel and stage commands quote every path", () => {
        assert.equal(
            submitCommand(job),
            `env 'SLURM_CONF=/etc/a b/slurm.conf' bash '${job.runDir.replace(/'/g, `'\\''`)}/submit.sh' '${job.runDir.replace(/'/g, `'\\''`)}'`,
        );
        assert.equal(cancelCommand(job), `env 'SLURM_CONF=/etc/a b/slurm.conf' scancel --name=dynamo-bench-unit --user="$(id -un)"`);
        assert.match(sbatchCommandLine(job), /^sbatch --parsable --job-name=dynamo-bench-unit /);
        const q = job.runDir.replace(/'/g, `'\\''`);
        assert.equal(cancelRunCommand(job), `test ! -f '${q}/submit.sh' || env 'SLURM_CONF=/etc/a b/slurm.conf' bash '${q}/submit.sh' --cancel '${q}'`);
    });

    test("the stage command writes stdin atomically with the file's mode", () => {
        const dir = path.join(tmpDir("stage-"), "run dir 'x' $(y)");
        const content = HOSTILE.join("\n");
        const r = spawnSync("sh", ["-c", stageCommand(dir, { name: "secrets.env", mode: "0600" })], { input: content, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "secrets.env"), "utf8"), content);
        assert.equal(fs.statSync(path.join(dir, "secrets.env")).mode & 0o777, 0o600);
        assert.deepEqual(fs.readdirSync(dir), ["secrets.env"]);
    });
});

describe("hostile values reach the processes byte for byte", () => {
    let tmp: string;
    let recorder: string;
    before(() => {
        tmp = tmpDir("hostile-");
        recorder = path.join(tmp, "record.js");
        // Writes its argv and environment as JSON to $RECORD_TO.
        fs.writeFileSync(
            recorder,
            `require("fs").writeFileSync(process.env.RECORD_TO, JSON.stringify({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() }));\n`,
        );
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const hostileEnv = Object.fromEntries(HOSTILE.map((v, i) => [`HOSTILE_${i}`, v]));

    function render(outputDir: string) {
        const program = [process.execPath, recorder];
        return renderJob(
            slurmSpec({
                model: { id: "/models/tiny model's $(x)", servedName: HOSTILE.join("|") },
                env: hostileEnv,
                frontend: { extraArgs: [...HOSTILE], env: { FRONT: "f $(g) `h`" } },
                decode: { extraArgs: [...HOSTILE], env: { DEC: "line\nnext\n" } },
                prefill: { extraArgs: ["--x", ...HOSTILE] },
                benchmark: { extraArgs: [...HOSTILE], phases: [{ name: "p1", extraArgs: ["--last", "it's"] }] },
                slurm: {
                    outputDir,
                    sbatchArgs: [...HOSTILE],
                    srunArgs: [...HOSTILE],
                    commands: { frontend: program, decode: program, prefill: program, benchmark: program },
                    container: { runtime: "bare-metal", env: { BARE: "b 'q' $(r)" }, path: ["/opt/with space/bin"] },
                },
            }),
        );
    }

    function runNode(job: RenderedJob, env: string, key: string, name: string, extraEnv: Record<string, string> = {}) {
        const out = path.join(tmp, `${key}.json`);
        const r = spawnSync("bash", [path.join(job.runDir, "node.sh"), env, key, name, "10.0.0.7", "10.0.0.1", "10.0.0.9"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: process.env.HOME, RECORD_TO: out, ...extraEnv },
        });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        return JSON.parse(fs.readFileSync(out, "utf8")) as { argv: string[]; env: Record<string, string>; cwd: string };
    }

    const fill = (s: string) =>
        s
            .replace(/\{node_host\}/g, "10.0.0.7")
            .replace(/\{leader_host\}/g, "10.0.0.1")
            .replace(/\{frontend_host\}/g, "10.0.0.9")
            .replace(/\{slot_host_([0-9]+)\}/g, (_, n: string) => `10.2.0.${n}`);

    test("through the env file, node.sh and exec, for every role", () => {
        const outputDir = path.join(tmp, "out dir 'q' $(z) `w`");
        const job = render(outputDir);
        const env = writeJob(job, job.runDir);
        fs.writeFileSync(path.join(job.runDir, "nodes.txt"), job.plan.slots.map((slot, i) => `${i} n${i} 10.2.0.${i} ${slot.roles.join(",")}\n`).join(""));
        assert.deepEqual(sourcedVariable(env, "SBATCH_ARGS").slice(-HOSTILE.length), HOSTILE);
        assert.deepEqual(sourcedVariable(env, "SRUN_ARGS"), HOSTILE);

        const roles: Array<[string, string, string[]]> = [
            ["FRONTEND", "frontend", HOSTILE as string[]],
            ["W0", "decode-0", HOSTILE as string[]],
            ["W1", "prefill-0", ["--x", ...HOSTILE]],
            ["PH0", "phase-p1", [...HOSTILE, "--last", "it's"]],
        ];
        for (const [key, name, tail] of roles) {
            const expected = sourcedVariable(env, `P_${key}_ARGV`).map(fill).slice(2);
            const got = runNode(job, env, key, name);
            assert.deepEqual(got.argv, expected, key);
            assert.deepEqual(got.argv.slice(-tail.length), tail, `${key}: user arguments are the last ones, unchanged`);
            for (const [k, v] of Object.entries(hostileEnv)) assert.equal(got.env[k], v, `${key} ${k}`);
            assert.equal(got.env.BARE, "b 'q' $(r)");
            assert.ok(got.env.PATH.startsWith("/opt/with space/bin:"), got.env.PATH);
            assert.equal(got.cwd, job.runDir);
            assert.ok(fs.existsSync(path.join(job.runDir, "pids", `${name}.pid`)));
        }
        const fe = runNode(job, env, "FRONTEND", "frontend");
        assert.equal(fe.env.FRONT, "f $(g) `h`");
        assert.equal(fe.env.DYN_TCP_RPC_HOST, "10.0.0.7");
        const dec = runNode(job, env, "W0", "decode-0");
        assert.equal(dec.env.DEC, "line\nnext\n");
        assert.ok(dec.argv.includes("/models/tiny model's $(x)"));
        assert.ok(dec.argv.includes(HOSTILE.join("|")));
        const bench = runNode(job, env, "PH0", "phase-p1");
        assert.ok(bench.argv.includes("http://10.0.0.9:8000"));
        assert.ok(!fs.existsSync("/tmp/dynamo-bench-pwned"), "a command substitution ran");
    });

    test("GPU slices come from the step's CUDA_VISIBLE_DEVICES, or count from 0", () => {
        const job = renderJob(
            slurmSpec({
                gpusPerNode: 4,
                decode: { tensorParallel: 2 },
                slurm: {
                    outputDir: path.join(tmp, "gpus"),
                    topology: { sharedNodes: true },
                    commands: { decode: [process.execPath, recorder], prefill: [process.execPath, recorder] },
                },
            }),
        );
        const env = writeJob(job, job.runDir);
        assert.equal(runNode(job, env, "W0", "decode-0", { CUDA_VISIBLE_DEVICES: "4,5,6,7" }).env.CUDA_VISIBLE_DEVICES, "4,5");
        assert.equal(runNode(job, env, "W1", "prefill-0", { CUDA_VISIBLE_DEVICES: "4,5,6,7" }).env.CUDA_VISIBLE_DEVICES, "6");
        assert.equal(runNode(job, env, "W1", "prefill-0").env.CUDA_VISIBLE_DEVICES, "2");
        const r = spawnSync("bash", [path.join(job.runDir, "node.sh"), env, "W1", "prefill-0", "h", "h", "h"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, CUDA_VISIBLE_DEVICES: "0,1" },
        });
        assert.equal(r.status, 97);
        assert.match(r.stderr, /needs GPUs 2\.\.2 .* only 2 are visible/);
    });

    test("node.sh fills {slot_host_N} from the run folder's nodes.txt: AIPerf scrapes each worker on its own node", () => {
        const job = renderJob(
            slurmSpec({
                decode: { replicas: 2 },
                slurm: { outputDir: path.join(tmp, "slots"), commands: { benchmark: [process.execPath, recorder] } },
            }),
        );
        const env = writeJob(job, job.runDir);
        fs.writeFileSync(path.join(job.runDir, "nodes.txt"), "0 n1 10.1.0.1 frontend,decode-0\n1 n2 10.1.0.2 decode-1\n2 n3 10.1.0.3 prefill-0\n");
        const argv = runNode(job, env, "PH0", "phase-main").argv;
        const urls = argv.slice(argv.indexOf("--server-metrics") + 1);
        assert.deepEqual(urls, ["http://10.1.0.1:20001/metrics", "http://10.1.0.2:20033/metrics", "http://10.1.0.3:20065/metrics"]);
        // A slot nodes.txt does not list fails the process with the reason, never a literal placeholder.
        fs.writeFileSync(path.join(job.runDir, "nodes.txt"), "0 n1 10.1.0.1 frontend,decode-0\n");
        const r = spawnSync("bash", [path.join(job.runDir, "node.sh"), env, "PH0", "phase-main", "h", "h", "h"], { encoding: "utf8" });
        assert.equal(r.status, 97);
        assert.match(r.stderr, /names a node slot .*nodes\.txt does not list: http:\/\/\{slot_host_1\}/);
    });

    test("node.sh refuses unknown processes and bad arguments with a reason", () => {
        const job = renderJob(slurmSpec({ slurm: { outputDir: path.join(tmp, "bad") } }));
        const env = writeJob(job, job.runDir);
        const bad = (...args: string[]) => spawnSync("bash", [path.join(job.runDir, "node.sh"), ...args], { encoding: "utf8" });
        assert.match(bad(env, "NOPE", "x", "h", "h", "h").stderr, /describes no process NOPE/);
        assert.match(bad(env, "W0;rm", "x", "h", "h", "h").stderr, /invalid process key/);
        assert.match(bad(env).stderr, /usage/);
    });
});

describe("generated engine configs", () => {
    test("TensorRT-LLM: each role's engine config is staged into the run folder, where --extra-engine-args points", () => {
        const job = renderJob(slurmSpec({ backend: "trtllm", slurm: { engine: "backend" } }));
        const configs = job.files.filter((f) => f.name.startsWith("trtllm-")).sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(
            configs.map((f) => [f.name, f.mode]),
            [
                ["trtllm-decode.yaml", "0644"],
                ["trtllm-prefill.yaml", "0644"],
            ],
        );
        for (const f of configs) assert.match(f.content, /cache_transceiver_config/);
        const env = writeJob(job, tmpDir("trtllm-"));
        const argv = sourcedVariable(env, "P_W0_ARGV");
        assert.ok(argv.includes(`${job.runDir}/trtllm-${job.plan.instances[0]!.role}.yaml`), argv.join(" "));
    });
});

describe("readiness components", () => {
    test("the job waits for the components the release's workers register under, unless the config names others", () => {
        const expected = (over: Record<string, unknown>) => {
            const env = writeJob(renderJob(slurmSpec(over)), tmpDir("components-"));
            return sourcedVariable(env, "EXPECT_COMPONENTS");
        };
        assert.deepEqual(expected({}), ["prefill", "backend"]);
        assert.deepEqual(expected({ backend: "trtllm", platform: { version: "1.2.0" }, slurm: { engine: "backend" } }), ["prefill", "tensorrt_llm"]);
        assert.deepEqual(expected({ slurm: { readiness: { decodeComponent: "custom" } } }), ["prefill", "custom"]);
    });
});

// LMCache's controller (kvCache.lmcache.controller): its command line, where each
// target runs it (Slurm: a process of the job on the frontend's node; Kubernetes:
// a Deployment and Service next to the graph), what every LMCache worker is told
// (LMCACHE_* variables: the controller's address and its own worker ports), and
// the rules that refuse placeholders, the plan's keys and flags, and port clashes.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deepMerge } from "../../lib/deep-merge";
import { lmcacheControllerArgv, lmcacheWorkerPorts } from "../../lib/dynamo/lmcache-controller";
import { buildGraphDeployment, buildLmcacheController, k8sWorkerProcess } from "../../lib/kubernetes";
import { renderJob } from "../../lib/slurm/render";
import { shq } from "../../lib/shell-quote";
import { lmcacheControllerSchema } from "../../config/kv-cache";
import Ajv from "ajv";
import { assertValidCustomResource, loadCrd, NO_CRDS, toStrictSchema } from "../helpers/crd-validate";
import { configProblems } from "../helpers/config-problems";
import { k8sSpec } from "./k8s-fixtures";
import { BASE_SLURM_CONFIG, slurmSpec } from "./slurm-fixtures";
import { writeLmcacheControllerStandIn } from "../helpers/lmcache-controller-stand-in";
import { writeSlurmCommandStandIns } from "../helpers/slurm-commands-stand-in";
import { sourcedVariable } from "../helpers/bash-env";
import { freePort } from "../helpers/free-port";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "lmcache-controller-test-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const CONTROLLER = { kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 }, controller: {} } } };
const withController = (controller: Record<string, unknown>) => ({ kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 }, controller } } });
const SLURM = deepMerge(BASE_SLURM_CONFIG, { slurm: { engine: "backend" } });
const K8S = { target: "kubernetes", model: { id: "Qwen/Qwen3-0.6B" } };

function writeJob(over: Record<string, unknown>): { dir: string; env: string } {
    const dir = fs.mkdtempSync(path.join(TMP, "job-"));
    const job = renderJob(slurmSpec(deepMerge({ slurm: { engine: "backend" } }, over)));
    for (const f of job.files) fs.writeFileSync(path.join(dir, f.name), f.content, { mode: parseInt(f.mode, 8) });
    return { dir, env: path.join(dir, "job.env") };
}

const envOf = (items: string[]) => Object.fromEntries(items.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

describe("the controller's command line", () => {
    test("LMCache's defaults: --host 0.0.0.0, --port 9000, --monitor-ports as JSON with pull 9001 and reply 9002, then extraArgs", () => {
        const c = lmcacheControllerSchema.parse({ extraArgs: ["--lmcache-worker-timeout", "600"] });
        assert.deepEqual(lmcacheControllerArgv(c), [
            "lmcache_controller",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--monitor-ports",
            '{"pull":9001,"reply":9002}',
            "--lmcache-worker-timeout",
            "600",
        ]);
    });

    test("worker ports by rank: each rank's from the process (node) that runs it", () => {
        // A TP-16 engine over two processes with ordinals 3 and 4, 8 GPUs per node.
        const ports = lmcacheWorkerPorts(15000, 8, 8, [3, 4]);
        assert.equal(ports.length, 16);
        assert.deepEqual(ports.slice(0, 2), [15024, 15025]);
        assert.deepEqual(ports.slice(8, 10), [15032, 15033]);
    });
});

describe("Slurm: the controller is a process of the job on the frontend's node", () => {
    test("job.env starts it (P_LMCTL) with its port and bound; without it, nothing", () => {
        const { env } = writeJob(deepMerge(CONTROLLER, { kvCache: { lmcache: { controller: { port: 9100, startupTimeoutSeconds: 45 } } } }));
        assert.deepEqual(sourcedVariable(env, "LMCACHE_CONTROLLER"), ["1"]);
        assert.deepEqual(sourcedVariable(env, "LMCACHE_CONTROLLER_PORT"), ["9100"]);
        assert.deepEqual(sourcedVariable(env, "LMCACHE_CONTROLLER_TIMEOUT"), ["45"]);
        assert.deepEqual(sourcedVariable(env, "P_LMCTL_ARGV"), [
            "lmcache_controller",
            "--host",
            "0.0.0.0",
            "--port",
            "9100",
            "--monitor-ports",
            '{"pull":9001,"reply":9002}',
        ]);
        const plain = writeJob({ kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } } });
        assert.deepEqual(sourcedVariable(plain.env, "LMCACHE_CONTROLLER"), ["0"]);
        assert.ok(!fs.readFileSync(plain.env, "utf8").includes("P_LMCTL_ARGV"));
    });

    test("the LMCache workers get the frontend's address (node.sh fills it) and worker ports of their own; decode gets none", () => {
        const { env, dir } = writeJob(deepMerge(CONTROLLER, { prefill: { replicas: 2, tensorParallel: 2 } }));
        const roles = sourcedVariable(env, "INSTANCES");
        const prefill = roles.flatMap((id, i) => (id.startsWith("prefill") ? [i] : []));
        const decode = roles.findIndex((id) => id.startsWith("decode"));
        const lists = prefill.map((i) => envOf(sourcedVariable(env, `P_W${i}_ENV`)));
        for (const e of lists) {
            assert.equal(e.LMCACHE_ENABLE_CONTROLLER, "True");
            assert.equal(e.LMCACHE_CONTROLLER_PULL_URL, "{frontend_host}:9001");
            assert.equal(e.LMCACHE_CONTROLLER_REPLY_URL, "{frontend_host}:9002");
            assert.equal(e.LMCACHE_LMCACHE_WORKER_PORTS!.split(",").length, 2, "one port per rank (TP 2)");
        }
        assert.notEqual(lists[0]!.LMCACHE_LMCACHE_WORKER_PORTS, lists[1]!.LMCACHE_LMCACHE_WORKER_PORTS, "workers sharing a node bind their own ports");
        assert.equal(envOf(sourcedVariable(env, `P_W${decode}_ENV`)).LMCACHE_ENABLE_CONTROLLER, undefined, "decode carries no LMCache tier");

        // node.sh fills {frontend_host} in the environment it starts the worker with (argv swapped for env, to read it).
        fs.appendFileSync(env, `\nP_W${prefill[0]}_ARGV=(env)\nRUNTIME=pyxis\nRUN_DIR=${shq(dir)}\nWORKDIR=${shq(dir)}\n`);
        const r = spawnSync("bash", [path.join(dir, "node.sh"), env, `W${prefill[0]}`, "prefill-0", "10.0.0.7", "10.0.0.7", "10.0.0.1"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^LMCACHE_CONTROLLER_PULL_URL=10\.0\.0\.1:9001$/m);
        assert.match(r.stdout, /^LMCACHE_CONTROLLER_REPLY_URL=10\.0\.0\.1:9002$/m);
    });

    test("a worker over two nodes: one list for the engine, each rank's port from its own node's process", () => {
        const { env } = writeJob(deepMerge(CONTROLLER, { prefill: { tensorParallel: 16, nodesPerWorker: 2 } }));
        const ids = sourcedVariable(env, "INSTANCES");
        const ranks = ids.flatMap((id, i) => (id.startsWith("prefill") ? [envOf(sourcedVariable(env, `P_W${i}_ENV`)).LMCACHE_LMCACHE_WORKER_PORTS!] : []));
        assert.equal(ranks.length, 2);
        assert.equal(ranks[0], ranks[1], "both processes read the same list");
        const ports = ranks[0]!.split(",").map(Number);
        assert.equal(ports.length, 16);
        assert.equal(ports[8]! - ports[0]!, 8, "rank 8 runs in the next process: the next 8 ports");
    });
});

/**
 * batch.sh itself, run on this machine with STAND-INS for srun and scontrol and for
 * lmcache_controller (test/helpers): the workers' program is `false`, so each run ends
 * as soon as the workers start, after the part that concerns the controller.
 */
async function runBatch(
    controller: Record<string, unknown>,
): Promise<{ status: number | null; jobLog: string; failure: string; controllerLog: string; ms: number }> {
    const root = fs.mkdtempSync(path.join(TMP, "batch-"));
    const bin = path.join(root, "bin");
    writeSlurmCommandStandIns(bin);
    const standIn = writeLmcacheControllerStandIn(bin);
    const [port, pullPort, replyPort] = [await freePort(), await freePort(), await freePort()];
    const spec = slurmSpec({
        ...withController({ command: [standIn], port, pullPort, replyPort, startupTimeoutSeconds: 3, ...controller }),
        frontend: { port: await freePort() },
        slurm: {
            engine: "backend",
            outputDir: path.join(root, "out"),
            discovery: { backend: "file" },
            container: { runtime: "bare-metal" },
            commands: { prefill: ["false"], decode: ["false"], frontend: ["false"] },
            readiness: { pollSeconds: 0.2 },
            stopGraceSeconds: 2,
        },
    });
    const job = renderJob(spec);
    fs.mkdirSync(job.runDir, { recursive: true });
    for (const f of job.files) fs.writeFileSync(path.join(job.runDir, f.name), f.content, { mode: parseInt(f.mode, 8) });
    const nodes = job.plan.slots.map((_, i) => `node${i}`).join(",");
    const started = Date.now();
    const r = spawnSync("bash", [path.join(job.runDir, "batch.sh"), path.join(job.runDir, "job.env")], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_JOB_NODELIST: nodes, SLURM_JOB_ID: "" },
        encoding: "utf8",
        timeout: 60_000,
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
    return {
        status: r.status,
        jobLog: r.stdout + r.stderr,
        failure: read(path.join(job.runDir, "FAILURE")),
        controllerLog: read(path.join(job.runDir, "logs", "lmcache-controller.log")),
        ms: Date.now() - started,
    };
}

describe("batch.sh with the controller (stand-ins for srun, scontrol and lmcache_controller)", () => {
    test("it starts on the frontend's node before the workers, is waited for, and is stopped at the end", async () => {
        const r = await runBatch({});
        assert.equal(r.status, 1, r.jobLog);
        const listening = r.jobLog.indexOf("the LMCache controller accepts connections");
        assert.ok(listening > 0, r.jobLog);
        assert.ok(listening < r.jobLog.indexOf("started prefill-0"), "the workers start after the controller listens");
        assert.match(r.failure, /^reason: (prefill|decode)-0 exited with status 1 while waiting for workers/, "the run ends at the stand-in workers");
        assert.match(r.controllerLog, /stand-in lmcache_controller: host 0\.0\.0\.0 port \d+ monitor ports \{'pull': \d+, 'reply': \d+\}/);
        assert.match(r.controllerLog, /stopped by SIGTERM/, "teardown stops it");
    });

    test("its death fails the run with its status and log tail", async () => {
        const r = await runBatch({ extraArgs: ["--stand-in-exit", "7"] });
        assert.equal(r.status, 1, r.jobLog);
        assert.match(r.failure, /^reason: lmcache-controller exited with status 7 while starting the LMCache controller on node0\n/);
        assert.match(r.failure, /stand-in lmcache_controller: failing on purpose/);
        assert.ok(!r.jobLog.includes("started prefill-0"), "no worker starts");
    });

    test("a controller that never listens fails the run at startupTimeoutSeconds, naming the setting", async () => {
        const r = await runBatch({ extraArgs: ["--stand-in-silent"] });
        assert.equal(r.status, 1, r.jobLog);
        assert.match(
            r.failure,
            /^reason: the LMCache controller on node0 did not accept connections on port \d+ within 3s \(kvCache\.lmcache\.controller\.startupTimeoutSeconds\)\n/,
        );
        assert.match(r.controllerLog, /stopped by SIGTERM/);
        assert.ok(r.ms < 20_000, `bounded: ${r.ms} ms`);
    });
});

describe("Kubernetes: a Deployment and Service next to the graph", () => {
    test("the worker image runs the controller; the Service exposes its three ports by name", () => {
        const spec = k8sSpec(
            deepMerge(CONTROLLER, { kubernetes: { namespace: "bench-ns", imagePullSecrets: ["ngc"] }, prefill: { image: "reg/vllm:lmcache" } }),
        );
        const m = buildLmcacheController(spec)!;
        assert.equal(m.deployment.metadata.name, "bench-lmcache-controller");
        assert.equal(m.deployment.metadata.namespace, "bench-ns");
        const pod = (m.deployment.spec as any).template.spec;
        assert.deepEqual(pod.imagePullSecrets, [{ name: "ngc" }]);
        assert.equal(pod.containers[0].image, "reg/vllm:lmcache", "the image of the workers that run LMCache");
        assert.deepEqual(pod.containers[0].command, lmcacheControllerArgv(spec.kvCache.lmcache!.controller!));
        assert.deepEqual((m.deployment.spec as any).selector.matchLabels, (m.service.spec as any).selector);
        assert.deepEqual((m.deployment.spec as any).template.metadata.labels, (m.service.spec as any).selector);
        assert.deepEqual(
            (m.service.spec as any).ports.map((p: any) => [p.name, p.port, p.targetPort]),
            [
                ["http", 9000, "http"],
                ["pull", 9001, "pull"],
                ["reply", 9002, "reply"],
            ],
        );
        assert.equal(buildLmcacheController(k8sSpec({ kvCache: { connector: "lmcache" } })), undefined);
    });

    test("the prefill pods are told the Service's DNS name and their worker ports", () => {
        const spec = k8sSpec(deepMerge(CONTROLLER, { kubernetes: { namespace: "bench-ns" }, prefill: { tensorParallel: 2 } }));
        const env = k8sWorkerProcess(spec, "prefill").launchEnv;
        assert.equal(env.LMCACHE_CONTROLLER_PULL_URL, "bench-lmcache-controller.bench-ns.svc.cluster.local:9001");
        assert.equal(env.LMCACHE_CONTROLLER_REPLY_URL, "bench-lmcache-controller.bench-ns.svc.cluster.local:9002");
        assert.equal(env.LMCACHE_LMCACHE_WORKER_PORTS, "15000,15001");
        assert.equal(k8sWorkerProcess(spec, "decode").launchEnv.LMCACHE_ENABLE_CONTROLLER, undefined);
        // The ranks the file names as LMCache workers (an MLA model: [0]) get one port each, in that order (LMCache 0.3.10 asserts the count).
        const named = k8sSpec(deepMerge(CONTROLLER, { kvCache: { lmcache: { config: { lmcache_worker_ids: [1] } } }, prefill: { tensorParallel: 2 } }));
        assert.equal(k8sWorkerProcess(named, "prefill").launchEnv.LMCACHE_LMCACHE_WORKER_PORTS, "15001");
    });

    test("the graph with LMCache's controller variables is a valid DynamoGraphDeployment", { skip: NO_CRDS }, () => {
        assertValidCustomResource(buildGraphDeployment(k8sSpec(CONTROLLER)));
    });

    test("the controller's pod template is a valid Kubernetes PodSpec (the schema the Dynamo CRD embeds for extraPodSpec)", { skip: NO_CRDS }, () => {
        const crd = loadCrd("nvidia.com/DynamoGraphDeployment") as any;
        const root = crd.spec.versions.find((v: any) => v.name === "v1alpha1").schema.openAPIV3Schema;
        const podSpec = toStrictSchema(root.properties.spec.properties.services.additionalProperties.properties.extraPodSpec) as any;
        // mainContainer is the operator's own addition; the rest is core/v1 PodSpec.
        delete podSpec.properties.mainContainer;
        const ajv = new Ajv({ strict: false, allErrors: true });
        const validate = ajv.compile(podSpec);
        const pod = (
            buildLmcacheController(
                k8sSpec(deepMerge(CONTROLLER, { kubernetes: { imagePullSecrets: ["ngc"], nodeSelector: { pool: "gpu" } }, env: { A: "1" } })),
            )!.deployment.spec as any
        ).template.spec;
        assert.ok(validate(pod), JSON.stringify(validate.errors));
        const broken = structuredClone(pod) as any;
        broken.containers[0].ports[0].containerPort = "9000";
        assert.equal(validate(broken), false, "the schema catches a port given as a string");
    });
});

describe("rules of kvCache.lmcache and its controller", () => {
    test("a placeholder in the LMCache file is refused naming the field (dynamo-bench renders none)", () => {
        const found = configProblems(
            deepMerge(K8S, {
                kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256, extra_config: { paths: ["file://{results_dir}/x"] } } } },
            }),
        );
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0]!,
            /^kvCache\.lmcache\.config\.extra_config\.paths\[0\]: expected no placeholder \{results_dir\}: dynamo-bench writes the LMCache file as given/,
        );
        assert.deepEqual(configProblems(deepMerge(K8S, { kvCache: { connector: "lmcache", lmcache: { config: { remote_url: "lm://cache:65432" } } } })), []);
    });

    test("on Slurm a node-script word in the file is reported once, by the value rule", () => {
        const found = configProblems(
            deepMerge(SLURM, { kvCache: { connector: "lmcache", lmcache: { config: { controller_pull_url: "{frontend_host}:8300" } } } }),
        );
        assert.deepEqual(found.length, 1, found.join("\n"));
        assert.match(found[0]!, /^kvCache\.lmcache\.config\.controller_pull_url: expected no \{frontend_host\}/);
    });

    test("with the controller, its keys in the file, its variables in env and its flags in extraArgs are the plan's", () => {
        const found = configProblems(
            deepMerge(K8S, {
                kvCache: {
                    connector: "lmcache",
                    lmcache: { config: { controller_url: "x:1", lmcache_worker_ports: [8500] }, controller: { extraArgs: ["--port=1"] } },
                },
                env: { LMCACHE_CONTROLLER_PULL_URL: "x:1" },
                prefill: { env: { LMCACHE_ENABLE_CONTROLLER: "False" } },
            }),
        ).map((f) => f.split(": ")[0]);
        assert.deepEqual(found.sort(), [
            "env.LMCACHE_CONTROLLER_PULL_URL",
            "kvCache.lmcache.config.controller_url",
            "kvCache.lmcache.config.lmcache_worker_ports",
            "kvCache.lmcache.controller.extraArgs[0]",
            "prefill.env.LMCACHE_ENABLE_CONTROLLER",
        ]);
        // Without the controller the same keys may name one the user runs.
        assert.deepEqual(
            configProblems(
                deepMerge(K8S, { kvCache: { connector: "lmcache", lmcache: { config: { enable_controller: true, controller_pull_url: "ctl:8300" } } } }),
            ),
            [],
        );
    });

    test("lmcache_worker_ids must name ranks of the engine", () => {
        const ids = (v: unknown) =>
            configProblems(
                deepMerge(K8S, {
                    kvCache: { connector: "lmcache", lmcache: { config: { lmcache_worker_ids: v }, controller: {} } },
                    prefill: { tensorParallel: 2 },
                }),
            );
        assert.deepEqual(ids([0, 1]), []);
        assert.deepEqual(ids([2]), [
            "kvCache.lmcache.config.lmcache_worker_ids: expected a list of the engine's ranks (integers 0..1: tensorParallel x pipelineParallel of the LMCache workers), got [2]; fix it or remove it (then every rank runs an LMCache worker)",
        ]);
        assert.equal(ids("0").length, 1);
    });

    test("two of the controller's ports on one number, and a data-parallel LMCache engine, are refused", () => {
        assert.deepEqual(configProblems(deepMerge(K8S, withController({ replyPort: 9001 }))), [
            "kvCache.lmcache.controller.replyPort: expected a port apart from kvCache.lmcache.controller.pullPort (the controller binds both), got 9001 for both; change one of them",
        ]);
        assert.match(
            configProblems(deepMerge(K8S, { ...withController({}), prefill: { dataParallel: 2 } })).join("\n"),
            /^prefill\.dataParallel: expected 1 with kvCache\.lmcache\.controller/m,
        );
        assert.deepEqual(configProblems(deepMerge(K8S, { ...withController({}), decode: { dataParallel: 2 } })), [], "decode carries no LMCache tier");
    });

    test("Slurm: the controller's ports and the LMCache worker ports are checked with every other port of the node", () => {
        assert.deepEqual(configProblems(deepMerge(SLURM, CONTROLLER)), []);
        const frontend = configProblems(deepMerge(SLURM, { ...withController({ port: 8000 }) }));
        assert.deepEqual(frontend, [
            "kvCache.lmcache.controller.port: expected a port apart from the frontend (8000) (both may run on one node), got the LMCache controller's HTTP port (8000); change kvCache.lmcache.controller.port or frontend.port",
        ]);
        // 2 worker processes x 8 GPUs from 19990: 19990..20005 runs into the worker blocks at 20000.
        const blocks = configProblems(deepMerge(SLURM, withController({ workerPortBase: 19990 })));
        assert.equal(blocks.length, 1, blocks.join("\n"));
        assert.match(blocks[0]!, /^slurm\.workerPortBase: expected a port apart from the LMCache worker ports \(19990\.\.20005\)/);
        assert.match(
            configProblems(deepMerge(SLURM, withController({ workerPortBase: 65530 }))).join("\n"),
            /kvCache\.lmcache\.controller\.workerPortBase: expected the LMCache worker ports .* to end at 65535 or below, got 65530\.\.65545/,
        );
        assert.match(
            configProblems(deepMerge(SLURM, withController({ pullPort: 9000 }))).join("\n"),
            /^kvCache\.lmcache\.controller\.pullPort: expected a port apart from the LMCache controller's HTTP port/m,
        );
    });
});

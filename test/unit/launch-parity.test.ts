// One spec, three targets, the same Dynamo command lines: the rendered DGD, the
// Slurm job file and the local processes all come from the launch model, so
// they may differ only in where a process runs (ports, hosts, rank wiring,
// the engine-config folder), never in what it is told to be.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSpec } from "../../config/load";
import type { BenchmarkSpec } from "../../config/resolve";
import { deepMerge } from "../../lib/deep-merge";
import { buildGraphDeployment } from "../../lib/kubernetes";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun } from "../../lib/local/plan";
import { renderJob } from "../../lib/slurm/render";
import { stackFileConfig } from "../helpers/stack-file";
import { jobScriptsOf } from "../helpers/job-scripts";
import { sourcedVariable } from "../helpers/bash-env";

type Role = "frontend" | "prefill" | "decode";
/** module + arguments of each role, as a target would start them. */
type Launches = Partial<Record<Role, string[]>>;

/** Flags whose values say where a process runs; they exist on every target, their values differ. */
const PLACEMENT_VALUES = new Set([
    "--http-port",
    "--disaggregation-bootstrap-port",
    "--bootstrap-ports",
    "--extra-engine-args",
    "--hicache-storage-backend-extra-config",
]);
/** Flags only some targets set: local binds loopback; on Kubernetes the operator adds a multinode worker's rank wiring. */
const PLACEMENT_ONLY = new Set(["--http-host", "--dist-init-addr", "--nnodes", "--node-rank"]);

function normalized(moduleAndArgs: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < moduleAndArgs.length; i++) {
        const arg = moduleAndArgs[i]!;
        if (PLACEMENT_ONLY.has(arg)) {
            i++;
            continue;
        }
        out.push(arg);
        if (PLACEMENT_VALUES.has(arg)) {
            out.push("<placed>");
            i++;
        }
    }
    return out;
}

/** Drops the program's interpreter: `<python> -m dynamo.x args...` -> `dynamo.x args...`. */
function fromModule(argv: string[]): string[] {
    const m = argv.indexOf("-m");
    assert.ok(m >= 0, `expected "<python> -m <module>", got ${JSON.stringify(argv.slice(0, 3))}`);
    return normalized(argv.slice(m + 1));
}

function kubernetesLaunches(spec: BenchmarkSpec): Launches {
    const services = (
        buildGraphDeployment(spec).spec as { services: Record<string, { extraPodSpec: { mainContainer: { command: string[]; args: string[] } } }> }
    ).services;
    const argv = (key: string) => {
        const c = services[key]?.extraPodSpec.mainContainer;
        return c ? fromModule([...c.command, ...c.args]) : undefined;
    };
    return { frontend: argv("frontend"), decode: argv("decode") ?? argv("worker"), prefill: argv("prefill") };
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "launch-parity-"));
process.on("exit", () => fs.rmSync(TMP, { recursive: true, force: true }));

function slurmLaunches(spec: BenchmarkSpec): Launches {
    const job = renderJob(spec, { scripts: jobScriptsOf() });
    const dir = fs.mkdtempSync(path.join(TMP, "job-"));
    for (const f of job.files) fs.writeFileSync(path.join(dir, f.name), f.content);
    const envFile = path.join(dir, "job.env");
    const out: Launches = { frontend: fromModule(sourcedVariable(envFile, "P_FRONTEND_ARGV")) };
    job.plan.instances.forEach((instance, i) => {
        // The first process of each role stands for the role (every replica gets the same flags).
        out[instance.role] ??= fromModule(sourcedVariable(envFile, `P_W${i}_ARGV`));
    });
    return out;
}

function localLaunches(spec: BenchmarkSpec): Launches {
    const input = planInputFromSpec(spec, { env: { HOME: TMP }, runDir: path.join(TMP, "local-run"), runId: "parity" });
    const bootstrap = Array.from({ length: input.mode === "disaggregated" ? input.prefill.replicas : 0 }, (_, i) => 41001 + i);
    const plan = planLocalRun(input, {}, { frontend: 41000, bootstrap });
    const first = (role: string) => plan.processes.find((p) => p.role === role);
    const launch = (role: string) => {
        const p = first(role);
        return p ? fromModule(p.argv) : undefined;
    };
    return { frontend: launch("frontend"), prefill: launch("prefill"), decode: launch("decode") ?? launch("aggregated") };
}

const BASE = { name: "parity", model: { id: "/models/qwen", servedName: "qwen" }, gpusPerNode: 8, frontend: { routerMode: "kv" } };
const SHAPES: Record<string, Record<string, unknown>> = {
    aggregated: { mode: "aggregated", prefill: { replicas: 0 }, decode: { replicas: 2, tensorParallel: 2, extraArgs: ["--max-model-len", "4096"] } },
    disaggregated: { prefill: { replicas: 2, tensorParallel: 2 }, decode: { tensorParallel: 4, dataParallel: 2, env: { NCCL_DEBUG: "INFO" } } },
    multinode: { prefill: { tensorParallel: 8 }, decode: { nodesPerWorker: 2, tensorParallel: 16 } },
};
// The mocker's speed is a setting of each rehearsal target (slurm.mockerSpeedupRatio, local.speedupRatio); equal here.
const slurmConfig = (engine: "backend" | "mocker") => ({ target: "slurm", slurm: { outputDir: "/shared/bench", engine, mockerSpeedupRatio: 10 } });

/** The keys of an example stack that decide its processes (the rest is the target's). */
function launchConfigOf(stack: string): Record<string, unknown> {
    const raw = stackFileConfig(stack);
    const keys = ["name", "model", "backend", "mode", "gpusPerNode", "prefill", "decode", "env"];
    const config: Record<string, unknown> = Object.fromEntries(keys.filter((k) => k in raw).map((k) => [k, raw[k]]));
    const frontend = raw.frontend as Record<string, unknown> | undefined;
    if (frontend) config.frontend = { routerMode: frontend.routerMode };
    const platform = raw.platform as { version?: string } | undefined;
    if (platform?.version) config.platform = { version: platform.version };
    return config;
}

function assertSameLaunches(a: Launches, b: Launches, what: string) {
    for (const role of ["frontend", "prefill", "decode"] as const) {
        assert.deepEqual(a[role], b[role], `${what}: ${role}`);
    }
}

describe("the same spec launches the same Dynamo processes on every target", () => {
    for (const backend of ["vllm", "sglang", "trtllm"] as const) {
        for (const [shape, over] of Object.entries(SHAPES)) {
            const config = deepMerge(deepMerge(BASE, over), { backend });
            test(`${backend} ${shape}: Kubernetes DGD = Slurm job (real engines)`, () => {
                const k8s = kubernetesLaunches(loadSpec(deepMerge(config, { target: "kubernetes" }), "parity"));
                const slurm = slurmLaunches(loadSpec(deepMerge(config, slurmConfig("backend")), "parity"));
                assert.equal(k8s.decode?.[0], `dynamo.${backend}`);
                assertSameLaunches(k8s, slurm, `${backend} ${shape}`);
            });
            if (backend === "trtllm" || shape === "multinode") continue; // the mocker imitates vLLM and SGLang, one process per worker
            test(`${backend} ${shape}: Slurm job = local processes (mocker)`, () => {
                const slurm = slurmLaunches(loadSpec(deepMerge(config, slurmConfig("mocker")), "parity"));
                const local = localLaunches(loadSpec(deepMerge(config, { target: "local" }), "parity"));
                assert.equal(local.decode?.[0], "dynamo.mocker");
                assertSameLaunches(slurm, local, `${backend} ${shape}`);
            });
        }
    }

    // KV-cache connectors and wide EP: only real engines take them (the mocker is refused at preview).
    const ENGINE_FEATURES: Record<string, Record<string, unknown>> = {
        "vllm lmcache": { kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 } } } },
        "vllm lmcache with its controller": { kvCache: { connector: "lmcache", lmcache: { config: { chunk_size: 256 }, controller: {} } } },
        "vllm kvbm": { kvCache: { connector: "kvbm", kvbm: { cpuCacheGb: 8, metrics: true } } },
        "sglang hicache": { backend: "sglang", kvCache: { connector: "hicache", hicache: { ratio: 2, storageBackendExtraConfig: { a: 1 } } } },
        "sglang wide EP": {
            backend: "sglang",
            prefill: { nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { deepepMode: "normal" } },
            decode: { nodesPerWorker: 2, tensorParallel: 2, dataParallel: 8, wideEp: { expertParallel: 8 } },
        },
    };
    for (const [name, over] of Object.entries(ENGINE_FEATURES)) {
        test(`${name}: Kubernetes DGD = Slurm job (real engines)`, () => {
            const config = deepMerge(BASE, over);
            const k8s = kubernetesLaunches(loadSpec(deepMerge(config, { target: "kubernetes" }), "parity"));
            const slurm = slurmLaunches(loadSpec(deepMerge(config, slurmConfig("backend")), "parity"));
            assertSameLaunches(k8s, slurm, name);
        });
    }

    for (const stack of ["example-k8s", "example-slurm"]) {
        test(`stacks/Pulumi.${stack}.yaml: its graph launches the same on Kubernetes and Slurm, and rehearses the same locally`, () => {
            const config = launchConfigOf(stack);
            const k8s = kubernetesLaunches(loadSpec(deepMerge(config, { target: "kubernetes" }), "parity"));
            const slurm = slurmLaunches(loadSpec(deepMerge(config, slurmConfig("backend")), "parity"));
            assertSameLaunches(k8s, slurm, stack);
            const mocker = slurmLaunches(loadSpec(deepMerge(config, slurmConfig("mocker")), "parity"));
            const local = localLaunches(loadSpec(deepMerge(config, { target: "local" }), "parity"));
            assertSameLaunches(mocker, local, `${stack} rehearsal`);
        });
    }
});

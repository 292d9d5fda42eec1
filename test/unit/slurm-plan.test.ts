import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../config/load";
import { renderJob } from "../../lib/slurm/render";
import type { JobPlan } from "../../lib/slurm/plan";
import { workerPorts } from "../../lib/slurm/commands";
import { slurmSpec } from "./slurm-fixtures";
import { jobScriptsOf } from "../helpers/job-scripts";

const scripts = jobScriptsOf((name) => `#${name}\n`);
const planOf = (over: Record<string, unknown>): JobPlan => renderJob(slurmSpec(over), { scripts }).plan;
/** slot -> roles, and instance -> [slot, gpuFirst, gpuCount]: the whole placement at a glance. */
const layout = (plan: JobPlan) => ({
    slots: plan.slots.map((s) => `${s.name ?? "*"}:${s.roles.join("+")}`),
    gpus: Object.fromEntries(plan.instances.map((i) => [i.id, [i.slot, i.gpuFirst, i.gpuCount]])),
});

function configError(over: Record<string, unknown>): ConfigError {
    try {
        slurmSpec(over);
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    assert.fail("expected a ConfigError");
}

describe("slurm node plan", () => {
    test("separate nodes: the frontend shares the first decode node", () => {
        const plan = planOf({});
        assert.equal(plan.nodeCount, 2);
        assert.deepEqual(layout(plan), { slots: ["*:frontend+decode-0", "*:prefill-0"], gpus: { "decode-0": [0, 0, 1], "prefill-0": [1, 0, 1] } });
        assert.equal(plan.frontendSlot, 0);
        assert.equal(plan.shared, false);
    });

    test("several workers per node each get their own GPU slice", () => {
        const plan = planOf({
            decode: { replicas: 4, tensorParallel: 2 },
            prefill: { replicas: 3 },
            slurm: { topology: { decodeWorkersPerNode: 4, prefillWorkersPerNode: 2 } },
        });
        assert.deepEqual(layout(plan), {
            slots: ["*:frontend+decode-0+decode-1+decode-2+decode-3", "*:prefill-0+prefill-1", "*:prefill-2"],
            gpus: {
                "decode-0": [0, 0, 2],
                "decode-1": [0, 2, 2],
                "decode-2": [0, 4, 2],
                "decode-3": [0, 6, 2],
                "prefill-0": [1, 0, 1],
                "prefill-1": [1, 1, 1],
                "prefill-2": [2, 0, 1],
            },
        });
    });

    test("shared nodes split each node's GPUs, decode first", () => {
        const plan = planOf({
            gpusPerNode: 4,
            decode: { replicas: 2, tensorParallel: 2 },
            prefill: { replicas: 2 },
            slurm: { topology: { sharedNodes: true, prefillWorkersPerNode: 2 } },
        });
        assert.equal(plan.shared, true);
        assert.deepEqual(layout(plan), {
            slots: ["*:frontend+decode-0+prefill-0+prefill-1", "*:decode-1"],
            gpus: { "decode-0": [0, 0, 2], "decode-1": [1, 0, 2], "prefill-0": [0, 2, 1], "prefill-1": [0, 3, 1] },
        });
    });

    test("explicit node lists name the slots and go to --nodelist", () => {
        const spec = slurmSpec({
            decode: { replicas: 2 },
            slurm: { topology: { decodeNodes: ["gpu[01-02]"], prefillNodes: ["gpu07"], frontendNode: "gpu02" } },
        });
        const job = renderJob(spec, { scripts });
        assert.deepEqual(layout(job.plan).slots, ["gpu01:decode-0", "gpu02:frontend+decode-1", "gpu07:prefill-0"]);
        assert.equal(job.plan.frontendSlot, 1);
        assert.ok(job.sbatchArgs.includes("--nodelist=gpu01,gpu02,gpu07"), job.sbatchArgs.join(" "));
        assert.ok(job.sbatchArgs.includes("--nodes=3"));
    });

    test("a job-wide node list names every slot; role lists keep theirs, the others take the rest in order", () => {
        const job = renderJob(
            slurmSpec({
                decode: { replicas: 3 },
                prefill: { replicas: 2 },
                slurm: { topology: { nodes: ["gpu[01-03]"], prefillNodes: ["gpu02"], decodeWorkersPerNode: 2, prefillWorkersPerNode: 2 } },
            }),
            { scripts },
        );
        assert.deepEqual(layout(job.plan).slots, ["gpu01:frontend+decode-0+decode-1", "gpu03:decode-2", "gpu02:prefill-0+prefill-1"]);
        assert.deepEqual(job.plan.explicitNodes, ["gpu01", "gpu03", "gpu02"]);
        assert.ok(job.sbatchArgs.includes("--nodelist=gpu01,gpu03,gpu02") && job.sbatchArgs.includes("--nodes=3"), job.sbatchArgs.join(" "));
    });

    test("a dedicated frontend node holds the frontend only", () => {
        const plan = planOf({ slurm: { topology: { dedicatedFrontendNode: true, frontendNode: "login-gpu" } } });
        assert.deepEqual(layout(plan).slots, ["login-gpu:frontend", "*:decode-0", "*:prefill-0"]);
        assert.equal(plan.frontendSlot, 0);
        assert.deepEqual(plan.explicitNodes, ["login-gpu"]);
    });

    test("aggregated: decode workers only", () => {
        const plan = planOf({ mode: "aggregated", prefill: { replicas: 0 }, decode: { replicas: 3 }, slurm: { topology: { decodeWorkersPerNode: 2 } } });
        assert.deepEqual(layout(plan), {
            slots: ["*:frontend+decode-0+decode-1", "*:decode-2"],
            gpus: { "decode-0": [0, 0, 1], "decode-1": [0, 1, 1], "decode-2": [1, 0, 1] },
        });
    });

    test("multinode workers: one process per node, rank 0 leads", () => {
        const spec = slurmSpec({
            decode: { replicas: 2, tensorParallel: 16, nodesPerWorker: 2 },
            prefill: { replicas: 1, tensorParallel: 8 },
            slurm: { engine: "backend" },
        });
        const plan = renderJob(spec, { scripts }).plan;
        assert.equal(plan.nodeCount, 5);
        assert.deepEqual(
            plan.instances.map((i) => [i.id, i.slot, i.leaderSlot, i.rank, i.ranks, i.gpuCount]),
            [
                ["decode-0-rank0", 0, 0, 0, 2, 8],
                ["decode-0-rank1", 1, 0, 1, 2, 8],
                ["decode-1-rank0", 2, 2, 0, 2, 8],
                ["decode-1-rank1", 3, 2, 1, 2, 8],
                ["prefill-0", 4, 4, 0, 1, 8],
            ],
        );
    });

    test("every worker process gets a port block of its own", () => {
        const spec = slurmSpec({
            decode: { replicas: 3 },
            prefill: { replicas: 2 },
            slurm: { topology: { decodeWorkersPerNode: 3, prefillWorkersPerNode: 2 } },
        });
        const plan = renderJob(spec, { scripts }).plan;
        const ports = plan.instances.flatMap((_, i) => {
            const { kvbm, ...rest } = workerPorts(spec, i);
            return [...Object.values(rest), ...Object.values(kvbm)];
        });
        assert.equal(new Set(ports).size, ports.length);
        assert.deepEqual(workerPorts(spec, 1), {
            bootstrap: 20032,
            system: 20033,
            kvEvents: 20034,
            distInit: 20035,
            nixl: 20048,
            kvbm: { pub: 20036, ack: 20037, metrics: 20038 },
        });
    });
});

describe("slurm topology rules name the field to fix", () => {
    const cases: Array<{ name: string; over: Record<string, unknown>; field: string; says: RegExp }> = [
        { name: "output dir missing", over: { slurm: { outputDir: undefined } }, field: "slurm.outputDir", says: /required for target slurm/ },
        {
            name: "workers per node over the node's GPUs",
            over: { decode: { tensorParallel: 4 }, slurm: { topology: { decodeWorkersPerNode: 3 } } },
            field: "slurm.topology.decodeWorkersPerNode",
            says: /fit a node of 8 GPUs/,
        },
        {
            name: "shared nodes over the node's GPUs",
            over: { gpusPerNode: 4, decode: { tensorParallel: 4 }, slurm: { topology: { sharedNodes: true } } },
            field: "slurm.topology.sharedNodes",
            says: /fit a node of 4 GPUs, got 5/,
        },
        {
            name: "too few decode nodes named",
            over: { decode: { replicas: 2 }, slurm: { topology: { decodeNodes: ["n1"] } } },
            field: "slurm.topology.decodeNodes",
            says: /expected 2 nodes/,
        },
        {
            name: "job node list naming fewer nodes than the plan needs",
            over: { decode: { replicas: 2 }, slurm: { topology: { nodes: ["n[1-2]"] } } },
            field: "slurm.topology.nodes",
            says: /expected 3 nodes .* got 2: n1,n2/,
        },
        {
            name: "job node list without a node a role list names",
            over: { slurm: { topology: { nodes: ["n[1-2]"], decodeNodes: ["n7"] } } },
            field: "slurm.topology.nodes",
            says: /without n7/,
        },
        {
            name: "several workers per node with more GPUs than a node has",
            over: { gpusPerNode: 4, prefill: { replicas: 3, tensorParallel: 2 }, slurm: { topology: { prefillWorkersPerNode: 3 } } },
            field: "slurm.topology.prefillWorkersPerNode",
            says: /expected 3 prefill workers x 2 GPUs to fit a node of 4 GPUs \(gpusPerNode\), got 6/,
        },
        {
            name: "prefill and decode on the same node without sharing",
            over: { slurm: { topology: { decodeNodes: ["n1"], prefillNodes: ["n1"] } } },
            field: "slurm.topology.prefillNodes",
            says: /apart from decodeNodes/,
        },
        {
            name: "frontend node outside the decode nodes",
            over: { slurm: { topology: { decodeNodes: ["n1"], frontendNode: "n9" } } },
            field: "slurm.topology.frontendNode",
            says: /one of the decode nodes/,
        },
        {
            name: "dedicated frontend on a worker node",
            over: { slurm: { topology: { decodeNodes: ["n1"], frontendNode: "n1", dedicatedFrontendNode: true } } },
            field: "slurm.topology.frontendNode",
            says: /apart from the worker nodes/,
        },
        {
            name: "several multinode workers per node",
            over: { slurm: { engine: "backend", topology: { decodeWorkersPerNode: 2 } }, decode: { tensorParallel: 16, nodesPerWorker: 2 } },
            field: "slurm.topology.decodeWorkersPerNode",
            says: /expected 1 for multinode/,
        },
        { name: "mocker spanning nodes", over: { decode: { tensorParallel: 16, nodesPerWorker: 2 } }, field: "decode.nodesPerWorker", says: /mocker/ },
        { name: "mocker with trtllm", over: { backend: "trtllm" }, field: "slurm.engine", says: /TensorRT-LLM/ },
        {
            name: "shared nodes in aggregated mode",
            over: { mode: "aggregated", prefill: { replicas: 0 }, slurm: { topology: { sharedNodes: true } } },
            field: "slurm.topology.sharedNodes",
            says: /disaggregated mode only/,
        },
        { name: "bad hostlist", over: { slurm: { topology: { decodeNodes: ["n[1-"] } } }, field: "slurm.topology.decodeNodes[0]", says: /hostlist/ },
        { name: "bad time limit", over: { slurm: { timeLimit: "1 hour" } }, field: "slurm.timeLimit", says: /Slurm time/ },
        {
            name: "warning longer than the time limit",
            over: { slurm: { timeLimit: 1, timeLimitWarningSeconds: 90 } },
            field: "slurm.timeLimitWarningSeconds",
            says: /less than the time limit/,
        },
        { name: "relative output dir", over: { slurm: { outputDir: "shared/x" } }, field: "slurm.outputDir", says: /absolute path/ },
        {
            name: "pyxis mount with a comma",
            over: { slurm: { container: { runtime: "pyxis", mounts: ["/a,b:/c"] } } },
            field: "slurm.container.mounts[0]",
            says: /commas/,
        },
        { name: "unknown login mode", over: { slurm: { login: { mode: "telnet" } } }, field: "slurm.login.mode", says: /local|ssh/ },
        { name: "misspelled slurm key", over: { slurm: { partiton: "gpu" } }, field: "slurm.partiton", says: /not a known setting/ },
    ];
    for (const c of cases) {
        test(c.name, () => {
            const err = configError(c.over);
            const hit = err.violations.find((v) => v.path === c.field);
            assert.ok(hit, `no violation for ${c.field}: ${err.message}`);
            assert.match(hit.message, c.says);
        });
    }
});

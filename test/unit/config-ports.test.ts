// Port rules (issue 13, item 1): the plan owns every port; a user flag or env var
// that would move a process away from its probe is refused by name, and a Slurm
// job's ports are checked for range and collisions before anything is registered.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec } from "../../config/load";
import { configProblems } from "../helpers/config-problems";
import { planJob } from "../../lib/slurm/plan";
import { workerPorts } from "../../lib/slurm/commands";
import { deepMerge } from "../../lib/deep-merge";
import { BASE_SLURM_CONFIG, slurmSpec } from "./slurm-fixtures";
import { renderJob } from "../../lib/slurm/render";
import { DEFAULT_FRONTEND_PORT } from "../../lib/dynamo/ports";

const LOCAL = { model: { id: "dynamo-bench/tiny-model" } };

const problems = configProblems;

describe("flags and env vars the plan owns", () => {
    test("--http-port in frontend.extraArgs is refused on every target, as its own element or --flag=value", () => {
        for (const target of [LOCAL, BASE_SLURM_CONFIG, { ...LOCAL, target: "kubernetes" }]) {
            const found = problems(deepMerge(target, { frontend: { extraArgs: ["--router-temperature", "0.5", "--http-port=9000"] } }));
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0]!, /^frontend\.extraArgs\[2\]: expected no --http-port: the plan sets it.*set frontend\.port/);
        }
    });
    test("worker port flags and port env vars are refused, each by its field", () => {
        const found = problems(
            deepMerge(LOCAL, {
                decode: { extraArgs: ["--disaggregation-bootstrap-port", "1234"], env: { DYN_SYSTEM_PORT: "9999" } },
                prefill: { extraArgs: ["--dist-init-addr", "h:1"] },
                env: { VLLM_NIXL_SIDE_CHANNEL_PORT: "5600" },
                frontend: { env: { DYN_HTTP_PORT: "9000" } },
            }),
        );
        assert.deepEqual(found.map((f) => f.split(":")[0]).sort(), [
            "decode.env.DYN_SYSTEM_PORT",
            "decode.extraArgs[0]",
            "env.VLLM_NIXL_SIDE_CHANNEL_PORT",
            "frontend.env.DYN_HTTP_PORT",
            "prefill.extraArgs[0]",
        ]);
    });
    test("other flags pass", () => {
        assert.deepEqual(problems(deepMerge(LOCAL, { decode: { extraArgs: ["--max-model-len", "8192", "--port-something-else"] } })), []);
    });
});

describe("Slurm port layout", () => {
    test("the frontend inside the worker port blocks is refused", () => {
        const found = problems(deepMerge(BASE_SLURM_CONFIG, { frontend: { port: 20016 } }));
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0]!, /^slurm\.workerPortBase: expected a port apart from the frontend \(20016\)/);
    });
    test("etcd and NATS on one port, or etcd's peer port on NATS, are refused", () => {
        for (const natsPort of [2379, 2380]) {
            const found = problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { discovery: { backend: "etcd", etcdPort: 2379, natsPort } } }));
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0]!, /^slurm\.discovery\.natsPort: expected a port apart from etcd/);
        }
        // With file discovery there is no etcd or NATS: their ports do not matter.
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { discovery: { etcdPort: 4222, natsPort: 4222 } } })), []);
    });
    test("a worker port block past 65535 is refused with the highest base that fits", () => {
        const found = problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { workerPortBase: 65500 }, benchmark: { serverMetrics: false } }));
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0]!,
            /^slurm\.workerPortBase: expected the 2 worker processes' port blocks.*got 65500\.\.65563; lower slurm\.workerPortBase to at most 65472/,
        );
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { workerPortBase: 65472 }, benchmark: { serverMetrics: false } })), []);
    });
    test("system server ports above 32767 are refused when the system server runs", () => {
        const noMetrics = { benchmark: { serverMetrics: false } };
        const config = deepMerge(BASE_SLURM_CONFIG, { slurm: { workerPortBase: 40000, workerSystemServer: true }, ...noMetrics });
        assert.match(problems(config).join("\n"), /DYN_SYSTEM_PORT.*at most 32767, got up to 40033/);
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { workerPortBase: 40000 }, ...noMetrics })), []);
        // Server metrics (on by default on Slurm) scrape every worker's system server, so it runs.
        assert.match(
            problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { workerPortBase: 40000 } })).join("\n"),
            /at most 32767, got up to 40033.*benchmark\.serverMetrics/,
        );
    });
    test("the rule counts worker processes as the Slurm planner numbers them", () => {
        const fits = 65536 - 7 * 32;
        const config = (base: number) =>
            deepMerge(BASE_SLURM_CONFIG, {
                slurm: { engine: "backend", workerPortBase: base },
                benchmark: { serverMetrics: false },
                decode: { replicas: 2, nodesPerWorker: 2, tensorParallel: 16 },
                prefill: { replicas: 3 },
            });
        const spec = loadSpec(config(fits), "unit");
        const plan = planJob({
            gpusPerNode: 8,
            decode: { replicas: 2, nodesPerWorker: 2, gpusPerNodeOfWorker: 8 },
            prefill: { replicas: 3, nodesPerWorker: 1, gpusPerNodeOfWorker: 1 },
            topology: spec.slurm.topology,
        });
        assert.equal(plan.instances.length, 7);
        // The last process's block ends at 65535 exactly; one port higher does not fit.
        assert.equal(workerPorts(spec, plan.instances.length - 1).bootstrap + 31, 65535);
        assert.match(problems(config(fits + 1)).join("\n"), /the 7 worker processes' port blocks/);
    });
    test("the rule's default frontend port is the one the Slurm job listens on", () => {
        assert.equal(renderJob(slurmSpec()).frontendPort, DEFAULT_FRONTEND_PORT);
    });
});

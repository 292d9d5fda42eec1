// A real Slurm job on the project's one-machine cluster with what CloudAI's
// AIDynamo runs beyond the load phases, placed on a node the config names:
// prefill and decode workers sharing one named node (slurm.topology.nodes),
// AIPerf scraping the frontend and every worker's system port, a command and
// a health check between the phases (benchmark.betweenPhases), and an
// accuracy phase (AIPerf's accuracy mode on MMLU's abstract_algebra, the
// problems from the tiny offline stand-in scripts/make-tiny-mmlu.py writes
// into a HuggingFace datasets cache), and GPU utilisation samplers running a
// STAND-IN nvidia-smi and a DCGM exporter step running a STAND-IN
// dcgm-exporter (no GPUs here). The mocker answers with random tokens,
// so the scores say nothing about a model: what is checked is that every
// problem was asked, graded and reported next to the phase's figures.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort, jobState, LAB, liveJobs, mockerConfig, render, slurmWait, stageAndSubmit, VENV, slurmSuite } from "./slurm-helpers";
import { parseResultLine, type ResultLine } from "../../lib/results";
import { REPO_ROOT } from "../../lib/paths";
import { writeNvidiaSmiStandIn } from "../helpers/nvidia-smi-stand-in";
import { writeDcgmExporterStandIn } from "../helpers/dcgm-exporter-stand-in";

const { skip, track } = slurmSuite("slurm-phase-steps");

interface Results {
    nodes: Array<{ host: string; address: string; roles: string }>;
    phases: Array<{ name: string; outputs: Record<string, any> }>;
}

describe("Slurm: named node, worker server metrics, steps between phases, accuracy phase, GPU samples, DCGM exporter", { skip }, () => {
    test(
        "prefill and decode share the named node n2; every worker scraped; the between-phase command and health check ran; MMLU scored; GPUs sampled; DCGM exporter scraped",
        { timeout: 300_000 },
        async (t) => {
            // The datasets cache lies in the cluster's shared folder, where the job's nodes read it.
            const hfHome = path.join(LAB, "shared", "it", `hf-${process.pid}`);
            const made = spawnSync(path.join(VENV, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-mmlu.py"), hfHome, "--questions", "6"], {
                encoding: "utf8",
            });
            assert.equal(made.status, 0, made.stderr);
            t.after(() => fs.rmSync(hfHome, { recursive: true, force: true }));
            // No GPUs here: the samplers run a STAND-IN nvidia-smi (test/helpers/nvidia-smi-stand-in.ts) from the shared folder.
            const nvidiaSmi = writeNvidiaSmiStandIn(path.join(hfHome, "bin"));
            const dcgmExporter = writeDcgmExporterStandIn(path.join(hfHome, "bin"));
            const dcgmPort = await freePort();
            const raw = await mockerConfig({
                env: { HF_HOME: hfHome, HF_DATASETS_OFFLINE: "1" },
                benchmark: {
                    requestCount: 6,
                    serverMetrics: true,
                    betweenPhases: {
                        command: [
                            "bash",
                            "-c",
                            'printf "%s->%s %s\\n" "$DYNAMO_BENCH_PHASE_DONE" "$DYNAMO_BENCH_PHASE_NEXT" "$FRONTEND_URL" > "$DYNAMO_BENCH_RUN_DIR/between.txt"',
                        ],
                        healthCheck: true,
                        timeoutSeconds: 60,
                    },
                    phases: [
                        { name: "c2", concurrency: 2 },
                        { name: "mmlu", concurrency: 2, accuracy: { benchmark: "mmlu", tasks: ["abstract_algebra"], nShots: 0 } },
                    ],
                },
                slurm: {
                    topology: { sharedNodes: true, nodes: ["n2"] },
                    gpuUtilization: { enabled: true, intervalSeconds: 1, command: [nvidiaSmi] },
                    dcgmExporter: { enabled: true, port: dcgmPort, command: [dcgmExporter] },
                },
            });
            const run = render(raw, "it-phase-steps");
            track(run);
            assert.ok(run.job.sbatchArgs.includes("--nodelist=n2") && run.job.sbatchArgs.includes("--nodes=1"), run.job.sbatchArgs.join(" "));
            const jobId = await stageAndSubmit(run);
            const res = await slurmWait(run, jobId);
            assert.equal(res.code, 0, `slurm-wait failed:\n${res.stderr}`);
            const results = parseResultLine<Results & ResultLine>(res.stdout, "slurm-wait");
            t.diagnostic(`job ${jobId}: nodes ${JSON.stringify(results.nodes)}`);

            // Placement: one named node with the frontend and both roles, each worker with its own GPU.
            assert.deepEqual(
                results.nodes.map((n) => `${n.host}:${n.roles}`),
                ["n2:frontend,decode-0,prefill-0"],
            );
            const cvd = (name: string) =>
                /CUDA_VISIBLE_DEVICES=([0-9]+(?:,[0-9]+)*)/.exec(fs.readFileSync(path.join(run.job.runDir, "logs", `${name}.log`), "utf8"))?.[1];
            assert.deepEqual(["decode-0", "prefill-0"].map(cvd), ["0", "1"]);

            // Server metrics: AIPerf reached the frontend and both workers' system ports on n2's address.
            const base = run.spec.slurm.workerPortBase;
            const address = results.nodes[0]!.address;
            const exported = JSON.parse(fs.readFileSync(path.join(run.job.runDir, "exports", "c2", "server_metrics_export.json"), "utf8")) as {
                summary: { endpoints_successful: string[] };
            };
            // ... and the DCGM exporter step's /metrics (a STAND-IN dcgm-exporter, no GPUs here), which the job waited for.
            for (const url of [`http://${address}:${base + 1}/metrics`, `http://${address}:${base + 33}/metrics`, `http://${address}:${dcgmPort}/metrics`]) {
                assert.ok(exported.summary.endpoints_successful.includes(url), `${url} not scraped: ${JSON.stringify(exported.summary)}`);
            }

            // Between the phases: the command ran once, with the phases around it and the frontend's URL; then the health check.
            assert.equal(fs.readFileSync(path.join(run.job.runDir, "between.txt"), "utf8"), `c2->mmlu http://${address}:${run.job.frontendPort}\n`);
            const jobLog = fs.readFileSync(path.join(run.job.runDir, "logs", "job.log"), "utf8");
            assert.match(jobLog, /command between phases c2 and mmlu done/);
            assert.match(jobLog, /the DCGM exporter serves \/metrics on every node/);
            assert.match(jobLog, /health check after phase c2: the frontend serves/);

            // Accuracy: every problem asked and graded, the scores next to the accuracy phase's figures only.
            const [load, mmlu] = results.phases;
            assert.equal(load!.outputs.accuracy, undefined);
            assert.equal(load!.outputs.requestCount, 6);
            const scores = mmlu!.outputs.accuracy;
            assert.equal(scores?.overall?.total, 6, JSON.stringify(mmlu!.outputs));
            assert.deepEqual(Object.keys(scores.tasks), ["abstract_algebra"]);
            assert.ok(scores.overall.accuracy >= 0 && scores.overall.accuracy <= 1);
            assert.equal(mmlu!.outputs.errorCount ?? 0, 0, "every problem was answered");

            // GPU samples (stand-in nvidia-smi, one sampler on n2 from readiness on): each phase's window summarized.
            for (const p of results.phases) {
                const g = p.outputs.gpuUtilization;
                assert.ok(g && g.gpus === 2 && Object.keys(g.nodes).join() === "n2", `${p.name}: ${JSON.stringify(g)}`);
            }
            const sampled = results.phases.reduce((n, p) => n + p.outputs.gpuUtilization.samples, 0);
            assert.ok(sampled >= 1, `samples in the phases: ${sampled}`);
            assert.ok(fs.readFileSync(path.join(run.job.runDir, "gpu", "gpu-utilization-slot0.csv"), "utf8").startsWith("epoch_ms, timestamp, index"));

            assert.equal(jobState(jobId), "COMPLETED");
            assert.deepEqual(liveJobs(run.job.jobName), []);
        },
    );
});

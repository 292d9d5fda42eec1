// The CloudAI importer (lib/import/cloudai) on CloudAI's own files (the
// reference copies of NVIDIA/cloudai's TOML, read through test/helpers/reference.ts)
// and on small hand-written ones: what each field becomes, that no field is
// dropped, that every imported stack validates or its report names the field
// to fix, and the errors for input it cannot read.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isPlainObject } from "../../lib/deep-merge";
import { FIELD_TABLE, ImportError, importCloudai, renderReport, renderStackFile, type ImportedStack } from "../../lib/import/cloudai";
import { leafPaths, normalizeKeys, testRuns, type CloudaiSources } from "../../lib/import/cloudai/read";
import { parseToml } from "../../lib/import/cloudai/toml";
import { referenceSkip } from "../helpers/reference";
import { CLOUDAI, REFERENCE_IMPORTS, everyTestSources, referenceSources } from "../helpers/cloudai-reference";

const skip = referenceSkip(CLOUDAI);
if (skip) console.log(`# skipping the CloudAI reference imports: ${skip}`);

const fromReference = referenceSources;

/** Sources from TOML text, as the files would give them. */
function sources(scenario: string, tests: Record<string, string>, system?: string): CloudaiSources {
    return {
        scenario: { file: "scenario.toml", doc: parseToml(scenario, "scenario.toml") },
        tests: Object.entries(tests).map(([file, text]) => ({ file, doc: parseToml(text, file) })),
        ...(system ? { system: { file: "system.toml", doc: parseToml(system, "system.toml") } } : {}),
    };
}

const lineFor = (s: ImportedStack, field: string) => s.report.lines.filter((l) => l.field === field);

describe("CloudAI's own files import", { skip }, () => {
    for (const ref of REFERENCE_IMPORTS) {
        test(`${ref.scenario} with ${ref.system}: one stack per test run, no field unknown or dropped`, () => {
            const src = fromReference(ref.scenario, ref.system);
            const stacks = importCloudai(src);
            assert.deepEqual(
                stacks.map((s) => s.stack),
                [...ref.stacks],
            );
            const runs = testRuns(src);
            stacks.forEach((s, i) => {
                assert.deepEqual(
                    s.report.lines.filter((l) => l.outcome === "unknown"),
                    [],
                );
                // Every value of the test (with the scenario's overrides) has a report line: its own, or its table's.
                const reported = new Set(s.report.lines.map((l) => l.field));
                for (const leaf of leafPaths(runs[i]!.test)) {
                    const parts = leaf.split(".");
                    const covered = parts.some((_, n) => reported.has(parts.slice(0, n + 1).join(".")));
                    assert.ok(covered, `${s.stack}: ${leaf} has no report line`);
                }
                const text = renderReport(s.report);
                assert.match(text, /^# CloudAI import: /);
                assert.ok(renderStackFile(s.config, s.comments).includes(`dynamo-bench:target: ${s.config.target}`));
            });
        });
    }

    test("Kubernetes and the mocker validate as imported; Slurm names the one field to fix: slurm.outputDir", () => {
        for (const ref of REFERENCE_IMPORTS) {
            for (const s of importCloudai(fromReference(ref.scenario, ref.system))) {
                if (ref.system === "example_slurm_cluster") {
                    assert.equal(s.report.validation.ok, false, s.stack);
                    assert.deepEqual(!s.report.validation.ok && s.report.validation.problems.map((p) => p.split(":").slice(0, 2).join(":")), [
                        "dynamo-bench:slurm.outputDir",
                    ]);
                } else {
                    assert.equal(s.report.validation.ok, true, `${s.stack}: ${JSON.stringify(s.report.validation)}`);
                }
            }
        }
    });

    test("vllm_slurm: the scenario's overrides win (TP 4 over the test's 8), shared nodes, phases as DNS labels, the job's settings", () => {
        const [single, shared, multi] = importCloudai(fromReference("vllm_slurm", "example_slurm_cluster"));
        assert.equal((single!.config.prefill as Record<string, unknown>).tensorParallel, 4);
        const tp = lineFor(single!, "cmd_args.dynamo.prefill_worker.args.tensor_parallel_size")[0]!;
        assert.match(tp.source, /vllm_slurm\.toml$/, "reported as coming from the scenario");
        assert.deepEqual((shared!.config.slurm as Record<string, any>).topology, { sharedNodes: true });
        assert.equal((multi!.config.decode as Record<string, unknown>).replicas, 2);
        assert.deepEqual(
            (single!.config.benchmark as Record<string, any>).phases.map((p: { name: string }) => p.name),
            ["round-1", "round-2", "aiperf-accuracy"],
        );
        const slurm = single!.config.slurm as Record<string, any>;
        assert.equal(slurm.partition, "partition_1");
        assert.equal(slurm.timeLimit, "00:10:00");
        assert.equal(slurm.container.runtime, "pyxis");
        assert.deepEqual(slurm.container.mounts, ["/run/udev:/run/udev"]);
        assert.equal((multi!.config.slurm as Record<string, any>).dcgmExporter.enabled, true);
        assert.equal(lineFor(multi!, "cmd_args.dynamo.dcgm_exporter.enabled")[0]?.outcome, "mapped");
        assert.equal(lineFor(multi!, "cmd_args.dynamo.dcgm_exporter.docker_image_url")[0]?.outcome, "not mapped");
        // The engine judges refuse it on the 1.6.1 frontend (test/fixtures/judge-import-cases.ts).
        assert.deepEqual(single!.config.frontend, { routerMode: "kv" });
        assert.ok(lineFor(single!, "cmd_args.dynamo.ingress_cmd").some((l) => l.outcome === "not mapped" && l.note.startsWith("--router-reset-states: ")));
        const env = single!.config.env as Record<string, string>;
        assert.equal(env.DYNAMO_NODELIST, undefined, "the scontrol snippet is CloudAI's own plumbing");
        assert.equal(env.CUDA_VISIBLE_DEVICES, undefined, "a job-wide GPU list would undo each worker's own");
        assert.equal(env.UCX_TLS, "all", "the test's value wins over the system's");
    });

    test("vllm.toml's round_2 streaming = false is that phase's own setting; the other phases stream", () => {
        const [k8s] = importCloudai(fromReference("vllm_k8s", "kubernetes_cluster"));
        const notes = lineFor(k8s!, "cmd_args.aiperf_phases").map((l) => `${l.outcome}: ${l.note}`);
        assert.ok(!notes.some((n) => n.startsWith("not mapped")), notes.join("\n"));
        assert.equal((k8s!.config.benchmark as Record<string, unknown>).streaming, true);
        assert.equal((k8s!.config.kubernetes as Record<string, unknown>).namespace, "default");
        // aiperf_accuracy: an accuracy phase after the load phases, its CloudAI flags sorted into settings.
        const phases = (k8s!.config.benchmark as Record<string, any>).phases as Array<Record<string, unknown>>;
        assert.deepEqual(
            phases.map((p) => [p.name, p.streaming]),
            [
                ["round-1", undefined],
                ["round-2", false],
                ["aiperf-accuracy", undefined],
            ],
        );
        assert.deepEqual(phases.at(-1), {
            name: "aiperf-accuracy",
            concurrency: 10,
            requestCount: 100,
            extraArgs: ["--extra-inputs", '{"temperature":0,"stop":["\\n"],"chat_template_kwargs":{"enable_thinking":false}}'],
            accuracy: { benchmark: "mmlu", nShots: 5, tasks: ["abstract_algebra"] },
        });
    });

    test("DynamoMocker: the engine knobs, CloudAI's mocker without the handoff, its load", () => {
        const [mocker] = importCloudai(fromReference("dynamo_mocker", "standalone_system"));
        const c = mocker!.config as Record<string, any>;
        assert.equal(c.target, "local");
        assert.deepEqual(c.local, {
            speedupRatio: 1,
            mocker: {
                blockSize: 64,
                numGpuBlocks: 256,
                prefixCaching: true,
                kvTransferBandwidthGBps: 200,
                maxNumSeqs: { prefill: 4, decode: 16 },
                handoff: false,
            },
        });
        assert.deepEqual(c.frontend, { routerMode: "kv", extraArgs: ["--no-router-kv-events"] });
        assert.equal(c.benchmark.concurrency, 10);
        assert.equal(c.benchmark.requestCount, 50);
        assert.equal((c.frontend as Record<string, unknown>).port, undefined, "the local target picks a free port");
    });

    for (const system of [undefined, "example_slurm_cluster", "kubernetes_cluster", "standalone_system"]) {
        test(`every test definition of the reference folder imports ${system ? `on ${system}` : "without a system"}, sglang.toml included`, () => {
            const stacks = importCloudai(everyTestSources(system));
            assert.ok(stacks.length > 0);
            if (system !== "standalone_system") assert.ok(stacks.some((s) => s.config.backend === "sglang"));
            for (const s of stacks) {
                assert.deepEqual(
                    s.report.lines.filter((l) => l.outcome === "unknown").map((l) => l.field),
                    [],
                    s.stack,
                );
                const problems = s.report.validation.ok ? [] : s.report.validation.problems.map((p) => p.split(":").slice(0, 2).join(":"));
                assert.deepEqual(problems, system === "example_slurm_cluster" ? ["dynamo-bench:slurm.outputDir"] : [], s.stack);
            }
        });
    }

    test("without --system the target is local (a rehearsal with the mocker)", () => {
        for (const s of importCloudai(fromReference("vllm_k8s"))) {
            assert.equal(s.config.target, "local");
            // The mocker stands in for vLLM: vLLM's own flags stay out (the engine judges saw the mocker refuse them).
            assert.equal((s.config.prefill as Record<string, unknown>).extraArgs, undefined);
            assert.equal(lineFor(s, "cmd_args.dynamo.prefill_worker.extra_args")[0]?.outcome, "not mapped");
            // vllm.toml's health-check-between-phases runs on every target.
            assert.deepEqual((s.config.benchmark as Record<string, unknown>).betweenPhases, { healthCheck: true });
        }
        const [k8s] = importCloudai(fromReference("vllm_k8s", "kubernetes_cluster"));
        assert.deepEqual((k8s!.config.benchmark as Record<string, unknown>).betweenPhases, { healthCheck: true });
        assert.equal(lineFor(k8s!, "cmd_args.aiperf.health_check_between_phases")[0]?.outcome, "mapped");
        assert.ok(k8s!.report.validation.ok, JSON.stringify(k8s!.report.validation));
    });
});

const VLLM_TEST = `
name = "t"
test_template_name = "AIDynamo"
[cmd_args]
docker_image_url = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0"
workloads = "aiperf.sh"
[cmd_args.dynamo]
model = "m"
[cmd_args.dynamo.prefill_worker]
num-nodes = 1
cmd = "python3 -m dynamo.vllm --is-prefill-worker"
worker-initialized-regex = "x"
[cmd_args.dynamo.prefill_worker.args]
tensor-parallel-size = 2
[cmd_args.dynamo.decode_worker]
num-nodes = 1
cmd = "python3 -m dynamo.vllm"
worker-initialized-regex = "x"
[cmd_args.aiperf.args]
concurrency = 4
`;
const SCENARIO = `name = "s"\n[[Tests]]\nid = "one"\ntest_name = "t"\n`;
const K8S = `name = "k"\nscheduler = "kubernetes"\ndefault_namespace = "ns"\n`;

describe("CloudAI's design-space grid becomes a sweep", () => {
    test("list-valued TP and node counts are grid entries; a swept engine argument is one labelled extraArgs set per value", () => {
        const test = VLLM_TEST.replace("tensor-parallel-size = 2", "tensor-parallel-size = [1, 2]\ngpu-memory-utilization = [0.8, 0.9]").replace(
            "[cmd_args.dynamo.decode_worker]\nnum-nodes = 1",
            "[cmd_args.dynamo.decode_worker]\nnum-nodes = [1, 2]",
        );
        const [s] = importCloudai(sources(SCENARIO, { "t.toml": test }, K8S));
        const sweep = s!.config.sweep as { grid: Record<string, unknown[]>; constraints: Record<string, unknown> };
        assert.deepEqual(sweep.grid["prefill.tensorParallel"], [1, 2]);
        assert.deepEqual(sweep.grid["decode.replicas"], [1, 2]);
        assert.deepEqual(sweep.grid["prefill.extraArgs"], [
            { label: "1", value: ["--gpu-memory-utilization", "0.8"] },
            { label: "2", value: ["--gpu-memory-utilization", "0.9"] },
        ]);
        assert.equal(sweep.constraints.prefillTpAtMostDecodeTp, true, "CloudAI's default constraint");
        assert.ok(s!.report.validation.ok, JSON.stringify(s!.report.validation));
        // CloudAI's prefill TP <= decode TP (decode TP 1) skips the TP 2 half.
        assert.match(s!.report.validation.ok ? s!.report.validation.summary : "", /a sweep of 4 point\(s\), 4 skipped by a rule/);
    });

    test("dse_excluded_args keeps a list a list; a list over a setting that cannot be swept uses its first value and says so", () => {
        const test =
            `dse_excluded_args = ["cmd_args.dynamo.prefill_worker.args"]\n${VLLM_TEST.replace("tensor-parallel-size = 2", 'tensor-parallel-size = 2\nhosts = ["a", "b"]')}`.replace(
                "concurrency = 4",
                "concurrency = 4\nsynthetic_input_tokens_mean = [100, 200]",
            );
        const [s] = importCloudai(sources(SCENARIO, { "t.toml": test }, K8S));
        assert.deepEqual((s!.config.prefill as Record<string, unknown>).extraArgs, ["--hosts", '["a","b"]']);
        assert.equal((s!.config.benchmark as Record<string, unknown>).inputTokens, 100);
        assert.equal(s!.config.sweep, undefined);
        assert.ok(s!.report.lines.some((l) => l.outcome === "not mapped" && /cannot be swept here.*first value, 100/.test(l.note)));
    });

    test("DynamoMocker: a list of KV transfer bandwidths sweeps local.mocker.kvTransferBandwidthGBps; replay_concurrency lists are load phases", () => {
        const mocker = `name = "m"\ntest_template_name = "DynamoMocker"\n[cmd_args]\nbenchmark_tool = "aiperf"\n[cmd_args.engine]\nkv_transfer_bandwidth = [100.0, 400.0]\n[cmd_args.worker]\ndisaggregation_mode = "prefill_decode"\n[cmd_args.aiperf]\nreplay_concurrency = [1, 4]\n`;
        const [s] = importCloudai(sources(`[[Tests]]\nid = "m1"\ntest_name = "m"\n`, { "m.toml": mocker }));
        const c = s!.config as Record<string, any>;
        assert.deepEqual(c.sweep.grid, { "local.mocker.kvTransferBandwidthGBps": [100, 400] });
        assert.deepEqual(c.benchmark.concurrency, [1, 4]);
        assert.ok(s!.report.validation.ok, JSON.stringify(s!.report.validation));
    });
});

describe("what is never written, and what is reported", () => {
    test("a token in extra_env_vars stays out of the stack file and the report; the report gives the pulumi config set --secret line", () => {
        const test = `${VLLM_TEST}\n[extra_env_vars]\nHF_TOKEN = "hf_do_not_copy"\nMY_API_KEY = "k_do_not_copy"\nPLAIN = "x"\n`;
        const [s] = importCloudai(sources(SCENARIO, { "t.toml": test }, K8S));
        const files = renderStackFile(s!.config, s!.comments) + renderReport(s!.report);
        assert.ok(!files.includes("do_not_copy"), "a secret value reached a file");
        assert.deepEqual(s!.report.secretCommands, [
            "pulumi config set --secret hfToken --stack one   # paste the value of HF_TOKEN at the prompt",
            "pulumi config set --secret --path 'secretEnv.MY_API_KEY' --stack one   # paste the value of MY_API_KEY at the prompt",
        ]);
        assert.deepEqual(
            s!.report.lines.filter((l) => l.outcome === "secret").map((l) => l.field),
            ["extra_env_vars.HF_TOKEN", "extra_env_vars.MY_API_KEY"],
        );
        assert.deepEqual(s!.config.env, { PLAIN: "x" });
    });

    test("unknown CloudAI fields are reported as unknown, not dropped; a supported image tag picks the release", () => {
        const test = VLLM_TEST.replace('model = "m"', 'model = "m"\nfrontend_node = "n1"').replace(
            "concurrency = 4",
            "concurrency = 4\n[cmd_args.mystery]\nknob = 1",
        );
        const [s] = importCloudai(sources(SCENARIO, { "t.toml": test }, K8S));
        assert.deepEqual(
            s!.report.lines.filter((l) => l.outcome === "unknown").map((l) => l.field),
            ["cmd_args.dynamo.frontend_node", "cmd_args.mystery.knob"],
        );
        assert.equal((s!.config.platform as Record<string, unknown>).version, "1.3.0");
        assert.equal(s!.config.image, "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0");
    });

    test("the field table has no row twice, and each row says what it does", () => {
        const keys = FIELD_TABLE.map((r) => `${r.scope}:${r.field}`);
        assert.deepEqual(
            keys.filter((k, i) => keys.indexOf(k) !== i),
            [],
        );
        for (const r of FIELD_TABLE) assert.ok(r.note || r.apply, `${r.scope}:${r.field}`);
    });
});

describe("input it cannot read: one clear error each", () => {
    const error = (f: () => unknown) => {
        try {
            f();
        } catch (e) {
            assert.ok(e instanceof ImportError, String(e));
            return e.message;
        }
        assert.fail("expected an ImportError");
    };

    test("malformed TOML names the file, line and column", () => {
        assert.equal(
            error(() => parseToml('name = "x"\n[cmd_args\nfoo = 1\n', "bad.toml")),
            "bad.toml:2:10: invalid TOML: illegal character in key",
        );
    });

    test("a scenario naming a test that is not given names the entry and the tests found", () => {
        assert.match(
            error(() => importCloudai(sources(SCENARIO.replace('test_name = "t"', 'test_name = "nope"'), { "t.toml": VLLM_TEST }))),
            /Tests\[0\] \(id "one"\) names test_name "nope", which no test in the tests folder defines \(tests found: "t"\)/,
        );
    });

    test("a system type without a target", () => {
        assert.match(
            error(() => importCloudai(sources(SCENARIO, { "t.toml": VLLM_TEST }, `name = "r"\nscheduler = "runai"\n`))),
            /scheduler "runai" is a system type dynamo-bench has no target for \(supported: slurm, kubernetes, standalone\)/,
        );
    });

    test("a DynamoMocker test on a cluster, and a workload dynamo-bench does not import", () => {
        const mocker = `name = "m"\ntest_template_name = "DynamoMocker"\n`;
        assert.match(
            error(() => importCloudai(sources(SCENARIO.replace('"t"', '"m"'), { "m.toml": mocker }, K8S))),
            /runs on a standalone system only/,
        );
        const nccl = `name = "n"\ntest_template_name = "NcclTest"\n`;
        assert.match(
            error(() => importCloudai(sources(SCENARIO.replace('"t"', '"n"'), { "n.toml": nccl }))),
            /"NcclTest" is not a CloudAI workload dynamo-bench imports/,
        );
    });

    test("normalizeKeys leaves environment variable names as written", () => {
        const doc = normalizeKeys({ "num-nodes": 1, extra_env_vars: { "A-B": "1" }, args: { "x-y": { "p-q": 1 } } });
        assert.deepEqual(doc, { num_nodes: 1, extra_env_vars: { "A-B": "1" }, args: { x_y: { p_q: 1 } } });
        assert.ok(isPlainObject(doc));
    });
});

describe("CloudAI node lists and workers per node on Slurm", () => {
    const SLURM = `name = "c"\nscheduler = "slurm"\noutput_path = "/shared/results"\ngpus_per_node = 8\n`;
    test("the run's nodes, the roles' nodes and multiple-workers-per-node become the Slurm topology, and it validates", () => {
        const test = VLLM_TEST.replace(
            "[cmd_args.dynamo.prefill_worker.args]",
            'nodes = "gpu03"\nmultiple-workers-per-node = true\n[cmd_args.dynamo.prefill_worker.args]',
        ).replace("[cmd_args.dynamo.decode_worker]\nnum-nodes = 1", '[cmd_args.dynamo.decode_worker]\nnum-nodes = 1\nnodes = "gpu01"');
        const scenario = `${SCENARIO}nodes = ["gpu01", "gpu03"]\n`;
        const [s] = importCloudai(sources(scenario, { "t.toml": test }, SLURM));
        const topology = (s!.config.slurm as { topology: Record<string, unknown> }).topology;
        assert.deepEqual(topology, { prefillWorkersPerNode: 4, prefillNodes: ["gpu03"], decodeNodes: ["gpu01"], nodes: ["gpu01", "gpu03"] });
        assert.equal((s!.config.prefill as { replicas: number }).replicas, 4, "8 GPUs / TP 2 per node");
        assert.deepEqual(
            lineFor(s!, "nodes").map((l) => [l.outcome, l.to]),
            [["mapped", "slurm.topology.nodes"]],
        );
        assert.ok(s!.report.validation.ok, JSON.stringify(s!.report.validation));
    });

    test("a node list short of the plan's nodes is imported and the validator names slurm.topology.nodes", () => {
        const [s] = importCloudai(sources(`${SCENARIO}nodes = ["gpu01"]\n`, { "t.toml": VLLM_TEST }, SLURM));
        assert.equal(s!.report.validation.ok, false);
        const problems = s!.report.validation.ok ? [] : s!.report.validation.problems;
        assert.ok(
            problems.some((p) => /slurm\.topology\.nodes: expected 2 nodes/.test(p)),
            problems.join("\n"),
        );
    });

    test("partition:group:count node specs are reported, not mapped", () => {
        const [s] = importCloudai(sources(`${SCENARIO}nodes = ["partition_1:group_1:2"]\n`, { "t.toml": VLLM_TEST }, SLURM));
        assert.deepEqual(
            lineFor(s!, "nodes").map((l) => l.outcome),
            ["not mapped"],
        );
        assert.equal((s!.config.slurm as { topology?: { nodes?: unknown } }).topology?.nodes, undefined);
    });
});

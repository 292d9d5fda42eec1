// SGLang wide expert parallelism (prefill.wideEp / decode.wideEp): the flags the
// launch model gives a worker across nodes, on Slurm and Kubernetes, and the
// rules that refuse sizes SGLang cannot run.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { configProblems } from "../helpers/config-problems";
import { deepMerge } from "../../lib/deep-merge";
import { buildGraphDeployment } from "../../lib/kubernetes/graph";
import { renderJob } from "../../lib/slurm/render";
import { k8sSpec } from "./k8s-fixtures";
import { BASE_SLURM_CONFIG, slurmSpec } from "./slurm-fixtures";

const after = (argv: string[], name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
};
/** Dynamo's DeepSeek-R1 wide-EP shape on 8-GPU nodes: 2 nodes, 16 attention groups of 1 GPU, experts on all 16. */
const WIDE = {
    backend: "sglang",
    decode: { nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { deepepMode: "low_latency", dpLmHead: true, moeDenseTp: 1 } },
    prefill: { nodesPerWorker: 2, tensorParallel: 1, dataParallel: 16, wideEp: { deepepMode: "normal", redundantExperts: 32 } },
};

describe("wide EP in the launch model", () => {
    test("Kubernetes: the world as --tp-size, attention groups as --dp-size with --enable-dp-attention, experts on every GPU through DeepEP", () => {
        const services = (buildGraphDeployment(k8sSpec(WIDE)).spec as { services: Record<string, Record<string, any>> }).services;
        const decode = Object.values(services).find((s) => s.subComponentType === "decode")!;
        const args: string[] = decode.extraPodSpec.mainContainer.args;
        assert.equal(after(args, "--tp"), "16");
        assert.equal(after(args, "--dp-size"), "16");
        assert.ok(args.includes("--enable-dp-attention"));
        assert.equal(after(args, "--ep-size"), "16");
        assert.equal(after(args, "--moe-a2a-backend"), "deepep");
        assert.equal(after(args, "--deepep-mode"), "low_latency");
        assert.ok(args.includes("--enable-dp-lm-head"));
        assert.equal(after(args, "--moe-dense-tp-size"), "1");
        assert.equal(after(args, "--moe-dp-size"), undefined, "experts on every GPU need no MoE data parallelism");
        assert.deepEqual(decode.multinode, { nodeCount: 2 });
        assert.equal(decode.resources.limits.gpu, "8", "8 GPUs per pod: the shape's 16 GPUs over 2 nodes");
    });

    test("Slurm: every rank of a wide-EP worker gets the same wide-EP flags and its own --node-rank", () => {
        const job = renderJob(slurmSpec({ ...WIDE, slurm: { engine: "backend" } }));
        const env = job.files.find((f) => f.name === "job.env")!.content;
        assert.equal((env.match(/--enable-dp-attention/g) ?? []).length, 4, "2 prefill + 2 decode ranks");
        assert.equal((env.match(/--ep-num-redundant-experts/g) ?? []).length, 2, "prefill ranks only");
        assert.match(env, /--node-rank.{0,4}1/);
    });

    test("experts on fewer GPUs than the world: --moe-dp-size makes ep x moe-dp = tp", () => {
        const spec = k8sSpec(deepMerge(WIDE, { decode: { wideEp: { expertParallel: 4 } } }));
        const decode = Object.values((buildGraphDeployment(spec).spec as { services: Record<string, Record<string, any>> }).services).find(
            (s) => s.subComponentType === "decode",
        )!;
        assert.equal(after(decode.extraPodSpec.mainContainer.args, "--ep-size"), "4");
        assert.equal(after(decode.extraPodSpec.mainContainer.args, "--moe-dp-size"), "4");
    });

    test("without wideEp the SGLang flags are unchanged", () => {
        const decode = Object.values(
            (buildGraphDeployment(k8sSpec({ backend: "sglang" })).spec as { services: Record<string, Record<string, any>> }).services,
        ).find((s) => s.subComponentType === "decode")!;
        const args: string[] = decode.extraPodSpec.mainContainer.args;
        assert.ok(!args.some((a) => a === "--ep-size" || a === "--enable-dp-attention" || a === "--moe-a2a-backend"));
    });
});

const problems = configProblems;
const K8S = { target: "kubernetes", model: { id: "deepseek-ai/DeepSeek-R1" } };

describe("wide EP rules", () => {
    test("the Kubernetes example shape is valid", () => {
        assert.deepEqual(problems(deepMerge(K8S, WIDE)), []);
    });
    test("an expert-parallel size that does not divide the worker's GPUs is refused with the sizes that do", () => {
        const found = problems(deepMerge(K8S, deepMerge(WIDE, { decode: { wideEp: { expertParallel: 6 } } })));
        assert.deepEqual(found, [
            "decode.wideEp.expertParallel: expected a divisor of the worker's 16 GPUs (tensorParallel 1 x dataParallel 16; SGLang needs ep-size x moe-dp-size = tp-size), got 6; use 1, 2, 4, 8, 16 or leave it unset for 16",
        ]);
        assert.match(
            problems(deepMerge(K8S, deepMerge(WIDE, { prefill: { wideEp: { expertParallel: 32 } } })))[0]!,
            /^prefill\.wideEp\.expertParallel: expected a divisor/,
        );
    });
    test("wide EP is SGLang's: another backend is refused", () => {
        const found = problems(deepMerge(K8S, { ...WIDE, backend: "vllm" }));
        assert.deepEqual(
            found.map((f) => f.split(":")[0]),
            ["prefill.wideEp", "decode.wideEp"],
        );
    });
    test("the mocker has no experts: Slurm engine mocker refuses wide EP", () => {
        const found = problems(deepMerge(BASE_SLURM_CONFIG, { ...WIDE, decode: { ...WIDE.decode }, prefill: { ...WIDE.prefill } }));
        assert.ok(
            found.some((f) => /^decode\.wideEp: expected a real engine/.test(f)),
            found.join("\n"),
        );
    });
    test("pipeline parallelism with wide EP is refused", () => {
        const found = problems(deepMerge(K8S, deepMerge(WIDE, { decode: { pipelineParallel: 2, dataParallel: 8 } })));
        assert.ok(
            found.includes("decode.pipelineParallel: expected 1 with decode.wideEp (experts and attention groups span the tensor-parallel world), got 2"),
            found.join("\n"),
        );
    });
});

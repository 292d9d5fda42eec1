// CloudAI's own configuration files in the reference data (NVIDIA/cloudai's
// conf/, copied unchanged): each scenario with the system it is meant for, and
// the stacks `dynamo-bench import cloudai` makes of it.
import { readSources } from "../../lib/import/cloudai";
import type { CloudaiSources } from "../../lib/import/cloudai/read";
import { referencePath } from "./reference";

export const CLOUDAI = "cloudai";

export const REFERENCE_IMPORTS = [
    {
        scenario: "vllm_slurm",
        system: "example_slurm_cluster",
        target: "slurm",
        stacks: ["test-disagg-single-node", "test-disagg-shared-node", "test-disagg-multinode"],
    },
    { scenario: "vllm_k8s", system: "kubernetes_cluster", target: "kubernetes", stacks: ["dynamo-vllm"] },
    { scenario: "dynamo_mocker", system: "standalone_system", target: "local", stacks: ["dynamo-mocker-base"] },
] as const;

/** The command line arguments after `dynamo-bench import`. */
export function importArgs(scenario: string, system: string | undefined, out: string): string[] {
    return [
        "cloudai",
        referencePath(CLOUDAI, "test_scenario", `${scenario}.toml`),
        "--tests",
        referencePath(CLOUDAI, "test"),
        ...(system ? ["--system", referencePath(CLOUDAI, "system", `${system}.toml`)] : []),
        "--out",
        out,
    ];
}

export const referenceSources = (scenario: string, system?: string) =>
    readSources(
        referencePath(CLOUDAI, "test_scenario", `${scenario}.toml`),
        referencePath(CLOUDAI, "test"),
        system ? referencePath(CLOUDAI, "system", `${system}.toml`) : undefined,
    );

/**
 * Every test definition of the reference folder in one scenario (an entry
 * each, id = its name), on `system`: test definitions no reference scenario
 * names (test/sglang.toml) import too. DynamoMocker tests only with a
 * standalone system or none, as in CloudAI.
 */
export function everyTestSources(system?: string): CloudaiSources {
    const base = referenceSources("vllm_k8s", system);
    const standalone = !system || String(base.system?.doc.scheduler) === "standalone";
    const tests = base.tests.filter((t) => (t.doc.test_template_name === "DynamoMocker") === standalone || !system);
    return {
        ...base,
        scenario: { file: "(every test)", doc: { name: "every-test", Tests: tests.map((t) => ({ id: String(t.doc.name), test_name: t.doc.name })) } },
    };
}

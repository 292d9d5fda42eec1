// CloudAI's own configuration files in the reference data (NVIDIA/cloudai's
// conf/, copied unchanged): each scenario with the system it is meant for, and
// the stacks `dynamo-bench import cloudai` makes of it.
import { readSources } from "../../lib/import/cloudai";
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

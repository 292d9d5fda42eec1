// Shared inputs of the Slurm unit tests: a minimal valid stack config and
// strings that break naive shell quoting.
import { loadSpec } from "../../config/load";
import type { BenchmarkSpec } from "../../config/resolve";
import { deepMerge } from "../../lib/deep-merge";

/** Strings a shell would mangle if anything on their way were unquoted. */
export const HOSTILE: readonly string[] = [
    `it's "quoted"`,
    "$(touch /tmp/dynamo-bench-pwned)",
    "`id`",
    "line1\nline2\n",
    "  spaces  around  ",
    "back\\slash\\n and \\'",
    "glob * ? [a] ~",
    "semi; rm -rf / && echo | cat > x &",
    "$HOME ${PATH} $1 $@ $$",
    "unicode: héllo ✓ 🚀",
    "tab\there\r\n",
    "-leading-dash",
    "",
    "'",
    "!history !! ^caret",
    "a=b=c",
    "{curly} %percent %j",
];

export const BASE_SLURM_CONFIG: Record<string, unknown> = {
    target: "slurm",
    model: { id: "/models/tiny", servedName: "tiny" },
    gpusPerNode: 8,
    slurm: { outputDir: "/shared/bench", engine: "mocker" },
};

export function slurmSpec(over: Record<string, unknown> = {}, stack = "unit"): BenchmarkSpec {
    return loadSpec(deepMerge(BASE_SLURM_CONFIG, over), stack);
}

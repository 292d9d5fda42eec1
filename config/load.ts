// The single entry from raw stack config to a resolved BenchmarkSpec. Every
// problem is collected and reported together, each naming its field.
import { z } from "zod";
import { benchmarkSpecSchema } from "./schema";
import { checkRules, type RuleViolation } from "./rules";
import { resolveSpec, type BenchmarkSpec } from "./resolve";
import { prototypeKeyViolations } from "./prototype-keys";

export class ConfigError extends Error {
    constructor(
        readonly violations: RuleViolation[],
        readonly namespace: string,
    ) {
        super(formatViolations(violations, namespace));
        this.name = "ConfigError";
    }
}

/**
 * Parses the project's stack config (top-level keys without the project prefix)
 * into a BenchmarkSpec, or throws one ConfigError listing every problem.
 * `secretsPresent` names the secret keys that are set (see config/secrets); the
 * program passes it so a missing secret is a config error, not a deploy failure.
 */
export function loadSpec(raw: Record<string, unknown>, stack: string, namespace = "dynamo-bench", secretsPresent?: ReadonlySet<string>): BenchmarkSpec {
    const prototypeKeys = prototypeKeyViolations(raw);
    if (prototypeKeys.length > 0) throw new ConfigError(prototypeKeys, namespace);
    const parsed = benchmarkSpecSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) throw new ConfigError(parsed.error.issues.flatMap(describeIssue), namespace);
    const violations = checkRules(parsed.data, stack, secretsPresent);
    if (violations.length > 0) throw new ConfigError(violations, namespace);
    return resolveSpec(parsed.data, stack);
}

export function describeIssue(issue: z.core.$ZodIssue): RuleViolation[] {
    const path = formatPath(issue.path);
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
            // An empty key is still named: "" (as YAML writes it).
            path: path ? `${path}.${key || '""'}` : key || '""',
            message: "is not a known setting; check its spelling against the README's configuration reference",
        }));
    }
    const input = "input" in issue ? issue.input : undefined;
    // A bad record key carries its reason in a nested issue.
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    const expected = message
        .replace(/^(Invalid input|Invalid option|Too small|Too big): /, "")
        .replace(/, received \w+$/, "")
        .replace(/expected (number|string|array) to (be|have) /, "expected a $1 ");
    if (input === undefined && issue.code === "invalid_type") {
        return [{ path: path || "(root)", message: `is required: ${expected}` }];
    }
    return [{ path: path || "(root)", message: `${expected}, got ${describeValue(input)}` }];
}

function formatPath(path: PropertyKey[]): string {
    return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function formatViolations(violations: RuleViolation[], namespace: string): string {
    const lines = violations.map((v) => `  ${where(v, namespace)}: ${v.message}`);
    const files = [...new Set(violations.flatMap((v) => v.file ?? []))];
    const edit = ["stacks/Pulumi.<stack>.yaml", ...files.map((f) => `the cluster file ${f}`)].join(", or ");
    const fix = `Fix with \`pulumi config set --path\` (or edit ${edit}) and run again; nothing was deployed.`;
    return `Invalid stack configuration (${violations.length} problem${violations.length === 1 ? "" : "s"}):\n${lines.join("\n")}\n${fix}`;
}

/** "clusters/a.yaml: slurm.partition" for a value from a cluster file, "dynamo-bench:slurm.partition" for the stack's own. */
function where(v: RuleViolation, namespace: string): string {
    if (v.file === undefined) return `${namespace}:${v.path}`;
    return v.path ? `${v.file}: ${v.path}` : v.file;
}

// An imported stack as a Pulumi stack file: the comments, then every setting
// under the project's namespace (dynamo-bench:<key>), as the files in stacks/.
import { stringify } from "yaml";

export function renderStackFile(config: Record<string, unknown>, comments: readonly string[], namespace = "dynamo-bench"): string {
    const body = stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${namespace}:${k}`, v])) }, { lineWidth: 0 });
    const head = ["Imported from CloudAI by `dynamo-bench import cloudai`.", ...comments].flatMap((c) => c.split("\n")).map((c) => `# ${c}`.trimEnd());
    return `${head.join("\n")}\n${body}`;
}

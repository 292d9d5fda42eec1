// A fake `kubectl` for running the project's Kubernetes commands as real
// processes: it appends its arguments to <dir>/calls and answers each call
// with the shell command of the first case whose glob matches its arguments.
import * as fs from "node:fs";
import * as path from "node:path";

/** Writes <dir>/kubectl; `cases` are [glob on "$*", shell command] pairs, tried in order. */
export function writeFakeKubectl(dir: string, cases: ReadonlyArray<readonly [string, string]>): void {
    const arms = cases.map(([glob, command]) => `  ${glob}) ${command} ;;`).join("\n");
    fs.writeFileSync(
        path.join(dir, "kubectl"),
        `#!/usr/bin/env bash
# Fake kubectl: records its arguments, answers from files next to it.
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
${arms}
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`,
        { mode: 0o755 },
    );
}

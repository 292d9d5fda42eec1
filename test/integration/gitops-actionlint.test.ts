// actionlint (built from the Go module proxy by scripts/setup-actionlint.sh)
// judges the example GitHub Actions workflow: expressions and contexts, job
// and step keys, the `concurrency` group, and each `run:` script through
// shellcheck when it is installed. A copy with a mistake put in on purpose
// must be refused, so the check is known to bite. Without the binary the
// test is skipped and says how to build it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoPath } from "../../lib/paths";

const WORKFLOW = repoPath("examples", "gitops", "github", "benchmarks.yml");
const where = spawnSync("bash", [repoPath("scripts", "setup-actionlint.sh"), "--print-bin"], { encoding: "utf8" });
const ACTIONLINT = where.stdout.trim();
const skip =
    where.status === 0 ? false : `actionlint is not built at ${ACTIONLINT}: run \`bash scripts/setup-actionlint.sh\` (needs Go and the Go module proxy)`;
if (skip) console.log(`# skipping the actionlint check: ${skip}`);

function actionlint(file: string): { code: number | null; out: string } {
    const r = spawnSync(ACTIONLINT, ["-no-color", file], { encoding: "utf8", timeout: 60_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("actionlint finds nothing wrong in examples/gitops/github/benchmarks.yml", { skip }, () => {
    const r = actionlint(WORKFLOW);
    assert.equal(r.code, 0, r.out);
    console.log(`# ${spawnSync(ACTIONLINT, ["-version"], { encoding: "utf8" }).stdout.split("\n")[0]}: clean`);
});

test("actionlint refuses the workflow with a misspelled context and an unknown job key", { skip }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
    try {
        const broken = fs
            .readFileSync(WORKFLOW, "utf8")
            .replace("group: gpu-${{ matrix.cluster }}", "group: gpu-${{ matrix.clustr }}")
            .replace("timeout-minutes: 720", "timeout-minute: 720");
        const file = path.join(dir, "benchmarks.yml");
        fs.writeFileSync(file, broken);
        const r = actionlint(file);
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /clustr/);
        assert.match(r.out, /timeout-minute/);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

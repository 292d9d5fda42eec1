// The GitOps examples (examples/gitops/) hold what docs/gitops.md promises:
// the GitHub workflow and the GitLab pipeline preview and comment on a change,
// run `pulumi up` on the default branch one cluster at a time, keep the
// results and let `dynamo-bench gate` decide; the Operator's Stack is valid
// against the operator's CRD and runs a Kubernetes stack of this repository.
// actionlint's check of the workflow is test/integration/gitops-actionlint.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoPath } from "../../lib/paths";
import { CRD_FILES, validateCustomResource } from "../helpers/crd-validate";
import { referenceSkip } from "../helpers/reference";
import { stackFileConfig } from "../helpers/stack-file";

type Yaml = Record<string, any>;
const read = (...parts: string[]) => fs.readFileSync(repoPath(...parts), "utf8");
const GITHUB = parse(read("examples", "gitops", "github", "benchmarks.yml")) as Yaml;
const GITLAB = parse(read("examples", "gitops", "gitlab", ".gitlab-ci.yml")) as Yaml;
const OPERATOR = parseAllDocuments(read("examples", "gitops", "operator", "stack.yaml")).map((d) => d.toJS() as Yaml);
const NO_OPERATOR_CRD = referenceSkip("pulumi-operator", "pulumi.com_stacks.yaml");

function stacksOnCluster(cluster: string, dir = repoPath("stacks")): { code: number | null; stacks: string[]; stderr: string } {
    const r = spawnSync("bash", [repoPath("examples", "gitops", "stacks-on-cluster.sh"), cluster, dir], { encoding: "utf8" });
    return { code: r.status, stacks: r.stdout.split("\n").filter(Boolean), stderr: r.stderr };
}

/** The clusters that stacks name: clusters/<name>.yaml files with at least one stack. */
const CLUSTERS = fs
    .readdirSync(repoPath("clusters"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .filter((c) => stacksOnCluster(c).stacks.length > 0);

/** Every shell line of a GitHub job's steps, joined. */
const githubScript = (job: string) => (GITHUB.jobs[job].steps as Yaml[]).map((s) => String(s.run ?? "")).join("\n");

/** A GitLab job with its `extends` chain merged in (the later, more specific one wins per key, as GitLab merges). */
function gitlabJob(name: string): Yaml {
    const job = GITLAB[name] as Yaml | undefined;
    assert.ok(job, `.gitlab-ci.yml has a job ${name}`);
    const parents = ([] as string[]).concat(job.extends ?? []);
    return Object.assign({}, ...parents.map(gitlabJob), job);
}
const gitlabScript = (job: Yaml) => [...(job.before_script ?? []), ...(job.script ?? [])].join("\n");

describe("stacks-on-cluster.sh", () => {
    test("lists the two example stacks that share clusters/example-h100.yaml, and no other", () => {
        assert.deepEqual(stacksOnCluster("example-h100"), { code: 0, stacks: ["example-k8s", "example-slurm"], stderr: "" });
        assert.deepEqual(stacksOnCluster("no-such-cluster").stacks, []);
    });

    test("reads the key as Pulumi and hand edits write it (quotes, a comment), and nothing that merely resembles it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-on-cluster-"));
        try {
            const write = (name: string, line: string) => fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), `config:\n${line}\n`);
            write("plain", "  dynamo-bench:cluster: clusters/a.yaml");
            write("quoted", '  dynamo-bench:cluster: "clusters/a.yaml"   # the A100 cluster');
            write("other", "  dynamo-bench:cluster: clusters/ab.yaml");
            write("commented", "  # dynamo-bench:cluster: clusters/a.yaml");
            write("dotted", "  dynamo-bench:cluster: clusters/aXyaml");
            assert.deepEqual(stacksOnCluster("a", dir).stacks.sort(), ["plain", "quoted"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("refuses a cluster name that is not one", () => {
        const r = stacksOnCluster("../etc");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /not a cluster name/);
    });
});

describe("GitHub Actions workflow", () => {
    test("previews on pull requests and benchmarks on pushes to main", () => {
        assert.ok("pull_request" in GITHUB.on);
        assert.deepEqual(GITHUB.on.push.branches, ["main"]);
        assert.match(GITHUB.jobs.preview.if, /github\.event_name == 'pull_request'/);
        assert.match(GITHUB.jobs.benchmark.if, /github\.event_name == 'push'/);
        assert.deepEqual(GITHUB.permissions, { contents: "read" }, "the workflow reads; only the preview job may write its comment");
    });

    test("the pull request gets a preview of every stack and one comment from dynamo-bench comment", () => {
        const script = githubScript("preview");
        assert.match(script, /pulumi preview --stack "\$stack" --diff --json/);
        assert.match(script, /npx dynamo-bench comment "\$\{args\[@\]\}"/);
        assert.match(script, /gh pr comment "\$PR_NUMBER" --body-file out\/comment\.md/);
        assert.equal(GITHUB.jobs.preview.permissions["pull-requests"], "write");
    });

    test("one benchmark job per cluster at a time, never cancelled by a newer run", () => {
        const job = GITHUB.jobs.benchmark;
        assert.equal(job.concurrency.group, "gpu-${{ matrix.cluster }}");
        assert.equal(job.concurrency["cancel-in-progress"], false);
        assert.equal(job.strategy.matrix.cluster, "${{ fromJSON(needs.clusters.outputs.list) }}");
        assert.ok(job["runs-on"].includes("${{ matrix.cluster }}"), "the job runs on the cluster's own runner");
        // Within the job the cluster's stacks run one after another.
        assert.match(
            githubScript("benchmark"),
            /for stack in \$\(bash examples\/gitops\/stacks-on-cluster\.sh "\$CLUSTER"\); do\n(?:(?!done\n)[\s\S])*pulumi up --stack "\$stack"/,
        );
    });

    test("the results are uploaded whatever happened, and the gate decides the job's status", () => {
        const steps = GITHUB.jobs.benchmark.steps as Yaml[];
        const upload = steps.find((s) => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
        assert.equal(upload?.if, "always()");
        assert.equal(upload?.with.path, "out/");
        const gate = steps.find((s) => /npx dynamo-bench gate/.test(String(s.run ?? "")));
        assert.ok(gate, "a step runs dynamo-bench gate");
        assert.equal(gate["continue-on-error"], undefined, "the gate's failure fails the job");
        assert.match(gate.run, /exit "\$status"/);
        const up = steps.find((s) => /pulumi up/.test(String(s.run ?? "")));
        assert.ok(steps.indexOf(up!) < steps.indexOf(gate) && steps.indexOf(gate) < steps.indexOf(upload!));
    });

    test("the clusters job lists every cluster a stack names", () => {
        const script = githubScript("clusters");
        assert.match(script, /for file in clusters\/\*\.yaml/);
        assert.deepEqual(CLUSTERS, ["example-h100"]);
    });
});

describe("GitLab CI pipeline", () => {
    test("has the stages preview, benchmark and gate, and the three jobs for every cluster a stack names", () => {
        assert.deepEqual(GITLAB.stages, ["preview", "benchmark", "gate"]);
        for (const cluster of CLUSTERS) {
            const preview = gitlabJob(`preview:${cluster}`);
            const benchmark = gitlabJob(`benchmark:${cluster}`);
            const gate = gitlabJob(`gate:${cluster}`);
            assert.deepEqual([preview.stage, benchmark.stage, gate.stage], ["preview", "benchmark", "gate"]);
            for (const job of [preview, benchmark, gate]) assert.equal(job.variables.CLUSTER, cluster);
            assert.deepEqual(benchmark.tags, [cluster]);
            assert.equal(benchmark.resource_group, `gpu-${cluster}`, "one benchmark per cluster at a time");
            assert.deepEqual(gate.needs, [`benchmark:${cluster}`]);
        }
    });

    test("merge requests get previews and a note; the default branch gets pulumi up, kept artifacts and the gate", () => {
        const [cluster] = CLUSTERS;
        const preview = gitlabJob(`preview:${cluster}`);
        assert.match(preview.rules[0].if, /merge_request_event/);
        assert.match(gitlabScript(preview), /pulumi preview --stack "\$stack" --diff --json/);
        assert.match(gitlabScript(preview), /npx dynamo-bench comment "\$\{args\[@\]\}"/);
        assert.match(gitlabScript(preview), /merge_requests\/\$CI_MERGE_REQUEST_IID\/notes/);

        const benchmark = gitlabJob(`benchmark:${cluster}`);
        assert.match(benchmark.rules[0].if, /\$CI_COMMIT_BRANCH == \$CI_DEFAULT_BRANCH/);
        assert.match(gitlabScript(benchmark), /pulumi up --stack "\$stack" --yes/);
        assert.deepEqual(benchmark.artifacts, { when: "always", paths: ["out/"], expire_in: "90 days" });

        const gate = gitlabJob(`gate:${cluster}`);
        assert.equal(gate.rules[0].when, "always", "the gate judges even when a benchmark failed");
        assert.match(gitlabScript(gate), /npx dynamo-bench gate "out\/outputs-\$stack\.json" \|\| status=1/);
        assert.match(gitlabScript(gate), /exit "\$status"/);
    });
});

describe("Pulumi Kubernetes Operator Stack", () => {
    const stacks = OPERATOR.filter((d) => d.kind === "Stack");

    test("is valid against the operator's CRD (pulumi.com/v1)", { skip: NO_OPERATOR_CRD }, () => {
        assert.equal(CRD_FILES["pulumi.com/Stack"] !== undefined, true);
        assert.equal(stacks.length, 1);
        for (const stack of stacks) assert.deepEqual(validateCustomResource(stack), [], `Stack ${stack.metadata.name}`);
    });

    test("a broken Stack is refused by the same check", { skip: NO_OPERATOR_CRD }, () => {
        const broken = structuredClone(stacks[0]!);
        broken.metadata.name = "a-name-longer-than-the-forty-two-characters-allowed";
        broken.spec.destroyOnFinalize = "no";
        broken.spec.workspaceTemplate.spec.imagge = "x";
        const errors = validateCustomResource(broken).join("\n");
        assert.match(errors, /no more than 42 characters/);
        assert.match(errors, /destroyOnFinalize: must be boolean/);
        assert.match(errors, /imagge/);
    });

    test("runs a Kubernetes stack of this repository from its project folder, with the passphrase from a Secret", () => {
        const spec = stacks[0]!.spec;
        assert.equal(stackFileConfig(spec.stack).target, "kubernetes");
        assert.ok(fs.existsSync(repoPath(spec.repoDir, "Pulumi.yaml")));
        assert.equal(spec.envRefs.PULUMI_CONFIG_PASSPHRASE.type, "Secret");
        assert.equal(spec.serviceAccountName, OPERATOR.find((d) => d.kind === "ServiceAccount")?.metadata.name);
    });

    test("the other objects are the workspace's service account and its rights", () => {
        assert.deepEqual(
            OPERATOR.map((d) => `${d.apiVersion} ${d.kind}`),
            ["v1 ServiceAccount", "rbac.authorization.k8s.io/v1 ClusterRoleBinding", "pulumi.com/v1 Stack"],
        );
    });
});

describe("the dynamo-bench commands the examples call", () => {
    const files = ["examples/gitops/github/benchmarks.yml", "examples/gitops/gitlab/.gitlab-ci.yml"];
    const calls = files.flatMap((f) => [...read(f).matchAll(/npx dynamo-bench ([a-z-]+)([^\n;|}>]*)/g)].map((m) => ({ file: f, command: m[1]!, rest: m[2]! })));

    test("are gate and comment, in both CI files", () => {
        for (const f of files) assert.deepEqual([...new Set(calls.filter((c) => c.file === f).map((c) => c.command))].sort(), ["comment", "gate"], f);
    });

    test("exist, with every flag the examples pass", { timeout: 60_000 }, () => {
        for (const command of new Set(calls.map((c) => c.command))) {
            const help = spawnSync(process.execPath, [repoPath("bin", "dynamo-bench.js"), command, "--help"], { encoding: "utf8", timeout: 30_000 });
            assert.equal(help.status, 0, `dynamo-bench ${command} --help: ${help.stderr}`);
            for (const call of calls.filter((c) => c.command === command)) {
                for (const flag of call.rest.match(/--[a-z-]+/g) ?? [])
                    assert.ok(help.stdout.includes(flag), `${call.file}: dynamo-bench ${command} has no ${flag}`);
            }
        }
        // comment's flags are built into an array in the scripts; they must be its own.
        for (const f of files) for (const flag of read(f).match(/args\+=\((--[a-z-]+)/g) ?? []) assert.match(flag, /--(preview|outputs)$/, f);
    });
});

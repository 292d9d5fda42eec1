// Two example stacks that share one cluster file (clusters/example-h100.yaml),
// previewed through the real Pulumi engine (file backend): the Kubernetes
// example in render mode and the Slurm example with slurm.submit false. Both
// previews must show values that only the cluster file holds, and a stack that
// names a missing or invalid cluster file must stop before any resource with
// one error naming the file and the field.
// Without the engine the suite is skipped with set-up instructions; under CI
// a missing engine is a failure.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { createProgramDir, pulumiAvailable, REPO_ROOT, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;
if (skip) console.log(`# skipping the cluster-file e2e tests: ${skip}`);

const CLUSTER = "clusters/example-h100.yaml";
const runnerEnv = { DYNAMO_BENCH_COMMAND_RUNNER: process.env.DYNAMO_BENCH_COMMAND_RUNNER ?? "dynamic" };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-cluster-e2e-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The `dynamo-bench:cluster` a committed stack file names. */
function clusterOf(stack: string): unknown {
    const doc = parse(fs.readFileSync(path.join(REPO_ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return doc.config["dynamo-bench:cluster"];
}

describe("two example stacks sharing one cluster file", { skip }, () => {
    test("both stack files name the same cluster file", () => {
        assert.equal(clusterOf("example-k8s"), CLUSTER);
        assert.equal(clusterOf("example-slurm"), CLUSTER);
    });

    test("Kubernetes example, render mode: the preview carries the cluster file's platform, namespace and shared memory", { timeout: 600_000 }, async () => {
        const renderDir = path.join(scratch, "render");
        await withStack(
            REPO_ROOT,
            "example-k8s",
            {
                "dynamo-bench:kubernetes.renderYamlToDirectory": { value: renderDir, path: true },
                "dynamo-bench:hfToken": { value: "hf_e2e_cluster_token", secret: true },
            },
            async (stack) => {
                const preview = await stack.preview();
                assert.match(preview.stdout, /nvidia\.com\/v1alpha1:DynamoGraphDeployment/);
                // platform.version 1.3.0, kubernetes.namespace and sharedMemory 64Gi are in the cluster file only.
                assert.match(preview.stdout, /dynamo-platform-1\.3\.0\.tgz/);
                assert.match(preview.stdout, /namespace\s*:\s*"dynamo-bench"/);
                assert.match(preview.stdout, /64Gi/);
                assert.match(preview.stdout, /vllm-runtime:1\.3\.0/);
            },
            { env: runnerEnv, timeoutMs: 300_000 },
        );
    });

    test(
        "Slurm example, submit false: the preview's job carries the cluster file's partition, account, constraint, output folder and image",
        { timeout: 600_000 },
        async () => {
            await withStack(
                REPO_ROOT,
                "example-slurm",
                {
                    "dynamo-bench:slurm.submit": { value: "false", path: true },
                    "dynamo-bench:sshPrivateKey": { value: "-----BEGIN OPENSSH PRIVATE KEY-----\ne2e\n-----END OPENSSH PRIVATE KEY-----\n", secret: true },
                    "dynamo-bench:hfToken": { value: "hf_e2e_cluster_token", secret: true },
                },
                async (stack) => {
                    // --json: the text view shortens long values such as the sbatch command line.
                    const preview = await stack.run(["preview", "--json"]);
                    for (const fromCluster of [
                        "--partition=gpu",
                        "--account=my-project",
                        "--constraint=h100",
                        "/lustre/fsw/my-project/dynamo-bench",
                        "vllm-runtime:1.3.0",
                    ]) {
                        assert.ok(preview.stdout.includes(fromCluster), `the preview shows ${fromCluster} from ${CLUSTER}`);
                    }
                    assert.doesNotMatch(preview.stdout + preview.stderr, /hf_e2e_cluster_token|BEGIN OPENSSH/);
                },
                { env: runnerEnv, timeoutMs: 300_000 },
            );
        },
    );

    test("a cluster file that does not exist stops the preview with one error naming dynamo-bench:cluster", { timeout: 300_000 }, async () => {
        await withStack(REPO_ROOT, "example-slurm", { "dynamo-bench:cluster": "clusters/no-such-cluster.yaml" }, async (stack) => {
            const preview = await stack.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            const out = preview.stdout + preview.stderr;
            assert.match(out, /dynamo-bench:cluster: cannot read the cluster file clusters\/no-such-cluster\.yaml .*no such file/);
            assert.doesNotMatch(out, /at .*\.ts:\d+/, "a configuration error is reported without a stack trace");
        });
    });

    test("a cluster file with a bad value and a per-benchmark key names the file and each field", { timeout: 300_000 }, async () => {
        const file = path.join(scratch, "bad-cluster.yaml");
        fs.writeFileSync(file, "gpusPerNode: 8\nslurm:\n  partition: 'gpu queue'\n  submit: false\n");
        await withStack(REPO_ROOT, "example-slurm", { "dynamo-bench:cluster": file }, async (stack) => {
            const preview = await stack.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            assert.match(
                preview.stdout + preview.stderr,
                new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: slurm\\.submit: is a per-benchmark setting`),
            );
        });
        fs.writeFileSync(file, "gpusPerNode: 8\nslurm:\n  partition: 'gpu queue'\n");
        await withStack(REPO_ROOT, "example-slurm", { "dynamo-bench:cluster": file }, async (stack) => {
            const preview = await stack.run(["preview"], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            assert.match(preview.stdout + preview.stderr, /bad-cluster\.yaml: slurm\.partition: expected a Slurm name/);
        });
    });
});

describe("layers through the real engine: project defaults (Pulumi.yaml) < cluster file < stack", { skip }, () => {
    test("a cluster file beats a project default the stack left alone; the stack beats both", { timeout: 300_000 }, async () => {
        const program = JSON.stringify(path.join(REPO_ROOT, "program"));
        const dir = createProgramDir({
            "Pulumi.yaml": [
                "name: dynamo-bench",
                "runtime:",
                "  name: nodejs",
                "  options:",
                "    typescript: true",
                "config:",
                "  dynamo-bench:gpusPerNode: 8",
                "  dynamo-bench:backend: sglang",
                "",
            ].join("\n"),
            "clusters/a.yaml": "gpusPerNode: 4\nslurm:\n  partition: batch\n",
            // The program's own reading of the config, and no resource: only the layered values are looked at.
            "index.ts": `import { specFromStackConfig } from ${program};
const { spec } = specFromStackConfig();
export const layered = { gpusPerNode: spec.gpusPerNode, backend: spec.backend, partition: spec.slurm.partition };
`,
        });
        try {
            const config = { "dynamo-bench:cluster": "clusters/a.yaml", "dynamo-bench:model.id": { value: "m", path: true } };
            await withStack(dir, "layers", config, async (stack) => {
                await stack.up();
                assert.deepEqual((await stack.outputs()).layered, { gpusPerNode: 4, backend: "sglang", partition: "batch" });
                await stack.run(["config", "set", "dynamo-bench:gpusPerNode", "2"]);
                await stack.up();
                assert.deepEqual((await stack.outputs()).layered, { gpusPerNode: 2, backend: "sglang", partition: "batch" });
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// Cluster profiles (config/cluster.ts, config/cluster-settings.ts): the layers
// merge in order, every problem names the file or the stack key its value came
// from, and a cluster file holds only cluster-level settings and no secret.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { layerConfig, layerStack, projectDefaultsFrom, readClusterFile, setAt } from "../../config/cluster";
import { CLUSTER_SETTINGS } from "../../config/cluster-settings";
import { ConfigError, loadSpec } from "../../config/load";
import { loadStack } from "../../config/load-sweep";
import { benchmarkSpecSchema, kubernetesSchema } from "../../config/schema";
import { slurmSectionSchema } from "../../config/slurm";

const PROJECT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-config-"));
after(() => fs.rmSync(PROJECT_DIR, { recursive: true, force: true }));

/** Writes clusters/<name> in the test project and returns its path as a stack would name it. */
function clusterFile(name: string, text: string): string {
    const rel = path.join("clusters", name);
    fs.mkdirSync(path.join(PROJECT_DIR, "clusters"), { recursive: true });
    fs.writeFileSync(path.join(PROJECT_DIR, rel), text);
    return rel;
}

/** The message of the ConfigError that `fn` throws. */
function configError(fn: () => unknown): string {
    try {
        fn();
    } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
    }
    throw new Error("expected a ConfigError");
}

/** Loads a stack's values as the program does: layers, then the same schema and rules, each problem blamed on its source. */
function loadLayered(stack: Record<string, unknown>, projectDefaults: Record<string, unknown> = {}) {
    const ref = stack.cluster;
    const layers = ref === undefined ? layerConfig(stack, undefined) : layerConfig(stack, readClusterFile(ref, PROJECT_DIR), projectDefaults);
    try {
        return loadSpec(layers.values, "dev");
    } catch (error) {
        if (error instanceof ConfigError) throw new ConfigError(layers.blame(error.violations), error.namespace);
        throw error;
    }
}

const SLURM_CLUSTER = clusterFile(
    "slurm-a.yaml",
    `gpusPerNode: 4
slurm:
  partition: gpu
  account: team-a
  outputDir: /shared/bench
  sbatchArgs: ["--constraint=h100"]
env:
  NCCL_IB_HCA: mlx5
`,
);
const model = { id: "Qwen/Qwen3-0.6B" };

describe("merging a cluster file under the stack", () => {
    test("cluster keys fill in, objects merge key by key, and the stack wins", () => {
        const spec = loadLayered({ cluster: SLURM_CLUSTER, target: "slurm", model, slurm: { account: "team-b", timeLimit: 30 }, env: { HF_HOME: "/hf" } });
        assert.equal(spec.gpusPerNode, 4);
        assert.equal(spec.slurm.partition, "gpu");
        assert.equal(spec.slurm.account, "team-b");
        assert.equal(spec.slurm.timeLimit, 30);
        assert.equal(spec.slurm.outputDir, "/shared/bench");
        assert.deepEqual(spec.env, { NCCL_IB_HCA: "mlx5", HF_HOME: "/hf" });
    });

    test("a list from the stack replaces the cluster's list whole", () => {
        const spec = loadLayered({ cluster: SLURM_CLUSTER, target: "slurm", model, slurm: { sbatchArgs: ["--exclusive"] } });
        assert.deepEqual(spec.slurm.sbatchArgs, ["--exclusive"]);
        assert.deepEqual(loadLayered({ cluster: SLURM_CLUSTER, target: "slurm", model }).slurm.sbatchArgs, ["--constraint=h100"]);
    });

    test("project defaults sit below the cluster file, the stack above both", () => {
        const defaults = projectDefaultsFrom("name: dynamo-bench\nruntime: nodejs\nconfig:\n  dynamo-bench:gpusPerNode: 8\n", "dynamo-bench");
        assert.deepEqual(defaults, { gpusPerNode: 8 });
        // The engine hands the program the project default as if the stack had set it.
        assert.equal(loadLayered({ cluster: SLURM_CLUSTER, model, gpusPerNode: 8 }, defaults).gpusPerNode, 4);
        assert.equal(loadLayered({ cluster: SLURM_CLUSTER, model, gpusPerNode: 2 }, defaults).gpusPerNode, 2);
    });

    test("project defaults in Pulumi.yaml: bare keys, our namespace, { value } and { default }; other projects' keys are not ours", () => {
        const yaml = [
            "name: dynamo-bench",
            "config:",
            "  gpusPerNode: 8",
            "  dynamo-bench:backend: { default: sglang }",
            "  dynamo-bench:benchmark: { value: { tool: aiperf } }",
            "  kubernetes:context: other",
        ].join("\n");
        assert.deepEqual(projectDefaultsFrom(yaml, "dynamo-bench"), { gpusPerNode: 8, backend: "sglang", benchmark: { tool: "aiperf" } });
    });

    test("without a cluster file the stack's values pass through unchanged", () => {
        const values = { model, gpusPerNode: 2 };
        assert.deepEqual(layerStack(values, PROJECT_DIR, "dynamo-bench").values, values);
    });

    test("the program's path: the file is found relative to the project folder", () => {
        const plan = loadStack(layerStack({ cluster: SLURM_CLUSTER, target: "slurm", model }, PROJECT_DIR, "dynamo-bench").values, "dev");
        assert.equal(plan.spec?.slurm.partition, "gpu");
    });

    test("imageRegistry gives the default runtime images from the cluster's mirror; an explicit image still wins", () => {
        const mirror = clusterFile("mirror.yaml", "imageRegistry: registry.example.org:5000/ai-dynamo\n");
        const spec = loadLayered({ cluster: mirror, model, backend: "sglang", platform: { version: "1.5.0" } });
        assert.equal(spec.image, "registry.example.org:5000/ai-dynamo/sglang-runtime:1.5.0");
        assert.equal(spec.decode.image, spec.image);
        assert.equal(loadLayered({ cluster: mirror, model, image: "own/image:1" }).image, "own/image:1");
    });
});

describe("errors name where the value was typed", () => {
    test("a bad value from the cluster file names the file and its field; the same value in the stack names the stack key", () => {
        const bad = clusterFile("bad-partition.yaml", "slurm:\n  partition: 'gpu queue'\n");
        const fromFile = configError(() => loadLayered({ cluster: bad, target: "slurm", model }));
        assert.match(fromFile, /^ {2}clusters\/bad-partition\.yaml: slurm\.partition: expected a Slurm name/m);
        assert.doesNotMatch(fromFile, /dynamo-bench:slurm\.partition/);
        assert.match(fromFile, /or edit stacks\/Pulumi\.<stack>\.yaml, or the cluster file clusters\/bad-partition\.yaml/);

        const fromStack = configError(() => loadLayered({ cluster: SLURM_CLUSTER, target: "slurm", model, slurm: { partition: "gpu queue" } }));
        assert.match(fromStack, /^ {2}dynamo-bench:slurm\.partition: expected a Slurm name/m);
        assert.doesNotMatch(fromStack, /clusters\//);
    });

    test("problems from both sources are reported together, each with its own origin", () => {
        const bad = clusterFile("two-bad.yaml", "gpusPerNode: 0\nkubernetes:\n  sharedMemory: lots\n");
        const message = configError(() => loadLayered({ cluster: bad, target: "kubernetes", model, decode: { replicas: -1 } }));
        assert.match(message, /Invalid stack configuration \(3 problems\)/);
        assert.match(message, /clusters\/two-bad\.yaml: gpusPerNode: /);
        assert.match(message, /clusters\/two-bad\.yaml: kubernetes\.sharedMemory: expected a Kubernetes quantity/);
        assert.match(message, /dynamo-bench:decode\.replicas: /);
    });

    test("a misspelled key inside a cluster section is the schema's error, naming the file", () => {
        const typo = clusterFile("typo.yaml", "platform:\n  verison: 1.3.0\n");
        assert.match(
            configError(() => loadLayered({ cluster: typo, model })),
            /clusters\/typo\.yaml: platform\.verison: is not a known setting/,
        );
    });

    test("a required key missing under a section the cluster file started names the file", () => {
        const cache = clusterFile("cache.yaml", "modelCache:\n  storageClass: nfs\n");
        assert.match(
            configError(() => loadLayered({ cluster: cache, model })),
            /clusters\/cache\.yaml: modelCache\.pvcName: is required/,
        );
        assert.match(
            configError(() => loadLayered({ cluster: cache, model: {} })),
            /dynamo-bench:model\.id: is required/,
        );
    });

    test("a value inside a list the cluster file set names the file", () => {
        const cni = clusterFile("cni.yaml", "network:\n  mode: cni\n  cniNetworks:\n    - { name: Bad_Name }\n");
        assert.match(
            configError(() => loadLayered({ cluster: cni, target: "kubernetes", model })),
            /clusters\/cni\.yaml: network\.cniNetworks\[0\]\.name: /,
        );
    });

    test("setAt finds record keys that hold dots, and lists or scalars above the field", () => {
        const values = { kubernetes: { nodeSelector: { "nvidia.com/gpu.product": "H100" } }, network: { cniNetworks: [{ name: "a" }] }, gpusPerNode: 4 };
        assert.equal(setAt(values, "kubernetes.nodeSelector.nvidia.com/gpu.product"), true);
        assert.equal(setAt(values, "kubernetes.nodeSelector.other"), false);
        assert.equal(setAt(values, "network.cniNetworks[0].name"), true);
        assert.equal(setAt(values, "gpusPerNode.x"), true);
        assert.equal(setAt(values, "kubernetes.context"), false);
    });
});

describe("bad cluster files: one clear error each", () => {
    const cases: Array<{ name: string; stack: () => Record<string, unknown>; says: RegExp }> = [
        {
            name: "a file that does not exist",
            stack: () => ({ cluster: "clusters/nope.yaml", model }),
            says: /^ {2}dynamo-bench:cluster: cannot read the cluster file clusters\/nope\.yaml \(.*clusters\/nope\.yaml\): no such file; the path is relative to the project folder/m,
        },
        {
            name: "a path that is not a string",
            stack: () => ({ cluster: 3, model }),
            says: /dynamo-bench:cluster: expected the path of a cluster file .*, got 3/,
        },
        {
            name: "a file that is not YAML",
            stack: () => ({ cluster: clusterFile("broken.yaml", "slurm:\n  partition: [gpu\n"), model }),
            says: /clusters\/broken\.yaml: is not valid YAML: line \d+, column \d+: /,
        },
        {
            name: "a file that is a list",
            stack: () => ({ cluster: clusterFile("list.yaml", "- gpusPerNode: 8\n"), model }),
            says: /clusters\/list\.yaml: expected a mapping of cluster settings .*, got a list/,
        },
        {
            name: "an empty file",
            stack: () => ({ cluster: clusterFile("empty.yaml", "# nothing yet\n"), model }),
            says: /clusters\/empty\.yaml: .*got an empty file/,
        },
        {
            name: "a duplicate key",
            stack: () => ({ cluster: clusterFile("dup.yaml", "gpusPerNode: 8\ngpusPerNode: 4\n"), model }),
            says: /clusters\/dup\.yaml: is not valid YAML: .*[Mm]ap keys must be unique/,
        },
        {
            name: "a secret in the file",
            stack: () => ({ cluster: clusterFile("secret.yaml", "gpusPerNode: 8\nhfToken: hf_abc\n"), model }),
            says: /clusters\/secret\.yaml: hfToken: is a secret and must never sit in a cluster file .*rotate .*pulumi config set --secret hfToken <value>/,
        },
        {
            name: "an SSH key in the file",
            stack: () => ({ cluster: clusterFile("ssh.yaml", "sshPrivateKey: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n"), model }),
            says: /clusters\/ssh\.yaml: sshPrivateKey: is a secret .*pulumi config set --secret sshPrivateKey/,
        },
        {
            name: "a per-benchmark setting",
            stack: () => ({ cluster: clusterFile("model.yaml", "model:\n  id: other\n"), model }),
            says: /clusters\/model\.yaml: model: is a per-benchmark setting, not a cluster one: set it in the stack file \(dynamo-bench:model\)\. A cluster file holds only target, gpusPerNode, /,
        },
        {
            name: "a per-benchmark key of a cluster section",
            stack: () => ({ cluster: clusterFile("submit.yaml", "slurm:\n  partition: gpu\n  submit: false\n"), model }),
            says: /clusters\/submit\.yaml: slurm\.submit: is a per-benchmark setting, not a cluster one: set it in the stack file \(dynamo-bench:slurm\.submit\)/,
        },
        {
            name: "an unknown key",
            stack: () => ({ cluster: clusterFile("unknown.yaml", "gpusPerNod: 8\n"), model }),
            says: /clusters\/unknown\.yaml: gpusPerNod: is not a known setting/,
        },
        {
            name: "keys with the project prefix",
            stack: () => ({ cluster: clusterFile("prefixed.yaml", "dynamo-bench:gpusPerNode: 8\n"), model }),
            says: /clusters\/prefixed\.yaml: dynamo-bench:gpusPerNode: is not a known setting: a cluster file holds settings without the project prefix/,
        },
        {
            name: "a cluster file naming another",
            stack: () => ({ cluster: clusterFile("chain.yaml", "cluster: clusters/slurm-a.yaml\n"), model }),
            says: /clusters\/chain\.yaml: cluster: cluster files cannot name another cluster file/,
        },
    ];
    for (const { name, stack, says } of cases) {
        test(name, () => {
            const message = configError(() => loadLayered(stack()));
            assert.match(message, says);
            assert.match(message, /nothing was deployed/);
        });
    }

    test("every misplaced key is reported at once", () => {
        const many = clusterFile("many.yaml", "hfToken: x\nmodel: { id: m }\nslurm: { runTag: a, partition: gpu }\n");
        assert.match(
            configError(() => loadLayered({ cluster: many, model })),
            /\(3 problems\)/,
        );
    });
});

describe("the list of cluster settings", () => {
    test("names only settings the schema knows", () => {
        const sections: Record<string, readonly string[]> = { kubernetes: Object.keys(kubernetesSchema.shape), slurm: Object.keys(slurmSectionSchema.shape) };
        for (const [key, allowed] of Object.entries(CLUSTER_SETTINGS)) {
            assert.ok(key in benchmarkSpecSchema.shape, `${key} is not a setting`);
            if (allowed === true) continue;
            assert.ok(sections[key], `${key} lists its keys but no section shape is known for it`);
            for (const sub of allowed) assert.ok(sections[key]!.includes(sub), `${key}.${sub} is not a setting`);
        }
    });

    test("holds no secret and nothing that describes one benchmark", () => {
        for (const key of ["hfToken", "sshPrivateKey", "model", "name", "prefill", "decode", "benchmark", "sweep", "gates", "local", "image"]) {
            assert.equal(key in CLUSTER_SETTINGS, false, key);
        }
        for (const key of ["submit", "runTag", "jobName", "engine", "topology", "timeLimit"])
            assert.ok(!(CLUSTER_SETTINGS.slurm as string[]).includes(key), key);
        assert.ok(!(CLUSTER_SETTINGS.kubernetes as string[]).includes("renderYamlToDirectory"));
    });
});

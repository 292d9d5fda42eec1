// Checks that used to run only after resources were registered, or not at all
// (issue 13, item 1): each is now a config error naming its field, at preview.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadSpec } from "../../config/load";
import { rawFromAllConfig } from "../../config/stack-config";
import { deepMerge } from "../../lib/deep-merge";
import { PLACEHOLDERS } from "../../lib/slurm/commands";
import { SLURM_PLACEHOLDERS } from "../../lib/facts/slurm-placeholders";
import { BASE_SLURM_CONFIG } from "./slurm-fixtures";

const LOCAL = { model: { id: "dynamo-bench/tiny-model" } };
const K8S = { ...LOCAL, target: "kubernetes" };

function problems(config: Record<string, unknown>, secrets?: ReadonlySet<string>): string[] {
    try {
        loadSpec(config, "unit", "dynamo-bench", secrets);
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.violations.map((v) => `${v.path}: ${v.message}`);
    }
}

describe("NUL bytes", () => {
    test("in an argument or env value, on every target, named by field", () => {
        for (const base of [LOCAL, K8S, BASE_SLURM_CONFIG]) {
            const found = problems(deepMerge(base, { decode: { extraArgs: ["--x", "a\0b"] }, frontend: { env: { K: "\0" } } }));
            assert.deepEqual(found.map((f) => f.split(":")[0]).sort(), ["decode.extraArgs[1]", "frontend.env.K"], found.join("\n"));
            assert.match(found.join("\n"), /expected no NUL byte.*character 2/);
        }
    });
    test("in a model id or a Slurm command", () => {
        assert.match(
            problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { commands: { decode: ["python3\0"] } } })).join("\n"),
            /^slurm\.commands\.decode\[0\]: expected no NUL/,
        );
        assert.match(problems({ model: { id: "a\0b" } }).join("\n"), /^model\.id: expected no NUL/);
    });
});

describe("node-script placeholders on Slurm", () => {
    test("the rule's words are the ones the Slurm target writes", () => {
        assert.deepEqual(SLURM_PLACEHOLDERS, PLACEHOLDERS);
    });
    test("a user value holding one is refused on Slurm, by field; other targets pass it as is", () => {
        const over = { decode: { extraArgs: ["--host", "{node_host}"] }, env: { URL: "http://{frontend_host}:1" } };
        const found = problems(deepMerge(BASE_SLURM_CONFIG, over));
        assert.deepEqual(found.map((f) => f.split(":")[0]).sort(), ["decode.extraArgs[1]", "env.URL"], found.join("\n"));
        assert.match(found[0]!, /expected no \{(node|frontend)_host\}: on Slurm the node script replaces it/);
        assert.deepEqual(problems(deepMerge(LOCAL, over)), []);
    });
});

describe("SSH login without the key secret", () => {
    const ssh = deepMerge(BASE_SLURM_CONFIG, { slurm: { login: { mode: "ssh", host: "login.example", user: "alice" } } });
    test("an unset key is a config error naming sshPrivateKey", () => {
        assert.match(problems(ssh, new Set()).join("\n"), /^sshPrivateKey: is required when slurm.login.mode is ssh/);
    });
    test("an empty key counts as unset (no component error later)", () => {
        const raw = rawFromAllConfig({ "dynamo-bench:sshPrivateKey": "  \n" }, "dynamo-bench", () => true);
        assert.deepEqual([...raw.secretsPresent], []);
        assert.match(problems(ssh, raw.secretsPresent).join("\n"), /^sshPrivateKey: is required/);
        assert.deepEqual(problems(ssh, new Set(["sshPrivateKey"])), []);
    });
});

describe("images", () => {
    test("the runtime image every other image falls back to follows the image rule", () => {
        assert.match(problems(deepMerge(LOCAL, { image: "nvcr.io/x:1, other" })).join("\n"), /^image: expected an image reference/);
        // Slurm pyxis: without slurm.container.image the runtime image is --container-image, which pyxis splits on commas.
        const pyxis = deepMerge(BASE_SLURM_CONFIG, { image: "a,b", slurm: { container: { runtime: "pyxis" } } });
        assert.match(problems(pyxis).join("\n"), /^image: expected an image reference/);
        for (const path of [{ decode: { image: "a b" } }, { benchmark: { image: "a\tb" } }]) {
            assert.equal(problems(deepMerge(K8S, path)).length, 1);
        }
        assert.deepEqual(problems(deepMerge(K8S, { image: "registry.example.org:5000/ai-dynamo/vllm-runtime@sha256:abc" })), []);
    });
});

describe("node selector", () => {
    test("keys and values must be Kubernetes label keys and values", () => {
        const ok = { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "kubernetes.io/hostname": "node-1", zone: "" };
        assert.deepEqual(problems(deepMerge(K8S, { kubernetes: { nodeSelector: ok } })), []);
        for (const key of ["gpu type", "-lead", "a/b/c", "Bad.Prefix/x", "x".repeat(64)]) {
            const found = problems(deepMerge(K8S, { kubernetes: { nodeSelector: { [key]: "v" } } }));
            assert.equal(found.length, 1, `${key}: ${found.join("\n")}`);
            assert.match(found[0]!, /^kubernetes\.nodeSelector.*expected a label key/);
        }
        assert.match(problems(deepMerge(K8S, { kubernetes: { nodeSelector: { a: "has space" } } })).join("\n"), /expected a label value/);
    });
});

describe("timeouts", () => {
    test("a timeout beyond what a timer holds is refused", () => {
        assert.match(
            problems(deepMerge(LOCAL, { timeouts: { benchmarkSeconds: 2_147_484 } })).join("\n"),
            /^timeouts\.benchmarkSeconds: expected at most 2147483 seconds/,
        );
        assert.deepEqual(problems(deepMerge(LOCAL, { timeouts: { benchmarkSeconds: 2_147_483, readySeconds: 2_147_483 } })), []);
    });
    test("the largest timeouts still give a Slurm time limit within bounds; a longer explicit limit is refused", () => {
        assert.deepEqual(problems(deepMerge(BASE_SLURM_CONFIG, { timeouts: { benchmarkSeconds: 2_147_483, readySeconds: 2_147_483 } })), []);
        assert.match(
            problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { timeLimit: "400-00:00:00" } })).join("\n"),
            /^slurm\.timeLimit: expected at most 365 days/,
        );
        assert.match(problems(deepMerge(BASE_SLURM_CONFIG, { slurm: { timeLimit: 99999999999 } })).join("\n"), /^slurm\.timeLimit: expected at most 365 days/);
    });
});

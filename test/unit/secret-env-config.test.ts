// secretEnv in the config layer (issue 13, item 2): how the key's text is read
// (as the Pulumi CLI 3.248 hands it to the program: JSON, every value a
// string), the rules on names and values, the refusal of a plain secretEnv,
// and the collisions with every other source of a Dynamo process's
// environment, each one error naming both fields. No message quotes a value.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, loadSpec } from "../../config/load";
import { loadStack } from "../../config/load-sweep";
import { rawFromAllConfig } from "../../config/stack-config";
import { plainSecretMessage, secretSettingViolations } from "../../config/secret-settings";
import { readSecretEnv } from "../../config/secret-env";
import { plainSecretEnvEntries } from "../../config/stack-file-secrets";
import { launchEnvNames } from "../../lib/dynamo/env-names";
import { deepMerge } from "../../lib/deep-merge";
import { BASE_SLURM_CONFIG } from "./slurm-fixtures";

const NS = "dynamo-bench";
const LOCAL = { model: { id: "dynamo-bench/tiny-model" } };
const K8S = { ...LOCAL, target: "kubernetes" };
const VALUE = "s3cret-value-never-quoted";

const raw = (all: Record<string, string>, secret: (k: string) => boolean) =>
    rawFromAllConfig(Object.fromEntries(Object.entries(all).map(([k, v]) => [`${NS}:${k}`, v])), NS, secret);

/** The problems loadSpec reports for `config` with these secretEnv names set. */
function problems(config: Record<string, unknown>, names: string[]): string[] {
    try {
        loadSpec(config, "unit", NS, new Set(names.map((n) => `secretEnv.${n}`)));
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.violations.map((v) => `${v.path}: ${v.message}`);
    }
}

describe("reading secretEnv", () => {
    test("the text the engine gives for `--secret --path secretEnv.NAME` entries: a map, values as typed", () => {
        // What `pulumi config set --secret --path 'secretEnv.API_KEY' 'abc def'` and `... secretEnv.NUM 0123` give the program (checked with the CLI).
        const r = raw({ secretEnv: '{"API_KEY":"abc def","NUM":"0123"}', name: "a" }, (k) => k === `${NS}:secretEnv`);
        assert.deepEqual(r.violations, []);
        assert.deepEqual(r.plainSecrets, []);
        assert.deepEqual(r.secretEnv, { API_KEY: "abc def", NUM: "0123" });
        assert.deepEqual([...r.secretsPresent].sort(), ["secretEnv", "secretEnv.API_KEY", "secretEnv.NUM"]);
        assert.equal(Object.hasOwn(r.values, "secretEnv"), false, "the values never enter the spec");
    });

    test("stored without --secret: refused like hfToken, with the command that stores it", () => {
        const r = raw({ secretEnv: `{"API_KEY":"${VALUE}"}` }, () => false);
        assert.deepEqual(r.plainSecrets, ["secretEnv"]);
        const message = plainSecretMessage(r.plainSecrets, NS);
        assert.match(message, /^dynamo-bench:secretEnv must be stored encrypted: run `pulumi config rm secretEnv`/);
        assert.ok(message.includes("`pulumi config set --secret --path 'secretEnv.NAME' <value>`"), message);
        assert.ok(!message.includes(VALUE));
    });

    test("names must be environment variable names; values text, not empty, no NUL; none is quoted", () => {
        const r = readSecretEnv(JSON.stringify({ "1BAD": VALUE, "A-B": VALUE, EMPTY: "", NUL: `${VALUE}\0`, NUM: 5, OK: VALUE }));
        assert.deepEqual(r.env, { OK: VALUE });
        const byPath = Object.fromEntries(r.violations.map((v) => [v.path, v.message]));
        assert.deepEqual(Object.keys(byPath).sort(), ["secretEnv.1BAD", "secretEnv.A-B", "secretEnv.EMPTY", "secretEnv.NUL", "secretEnv.NUM"]);
        assert.match(byPath["secretEnv.1BAD"]!, /expected an environment variable name.*"1BAD".*pulumi config rm --path 'secretEnv.1BAD'/);
        assert.match(byPath["secretEnv.EMPTY"]!, /expected a value, got an empty one/);
        assert.match(byPath["secretEnv.NUL"]!, /expected no NUL byte/);
        assert.match(byPath["secretEnv.NUM"]!, /expected a text value, got number/);
        for (const v of r.violations) assert.ok(!v.message.includes(VALUE), v.message);
    });

    test("a value that is not a map is refused without quoting it", () => {
        for (const text of [VALUE, `"${VALUE}"`, `["${VALUE}"]`]) {
            const r = readSecretEnv(text);
            assert.equal(r.violations.length, 1);
            assert.equal(r.violations[0]!.path, "secretEnv");
            assert.match(r.violations[0]!.message, /expected a map of environment variable names to values/);
            assert.ok(!r.violations[0]!.message.includes(VALUE));
        }
    });

    test("a bad entry is reported before anything is registered (rawFromAllConfig's violations)", () => {
        const r = raw({ secretEnv: '{"OK":"x","EMPTY":""}' }, () => true);
        assert.deepEqual(
            r.violations.map((v) => v.path),
            ["secretEnv.EMPTY"],
        );
        assert.deepEqual(r.secretEnv, { OK: "x" });
    });
});

describe("secretEnv names against the other environment sources", () => {
    test("a name in a role's plain env is one error naming both fields, on every target", () => {
        for (const base of [LOCAL, K8S, BASE_SLURM_CONFIG]) {
            for (const [field, config] of [
                ["env.API_KEY", { env: { API_KEY: "plain" } }],
                ["frontend.env.API_KEY", { frontend: { env: { API_KEY: "plain" } } }],
                ["prefill.env.API_KEY", { prefill: { env: { API_KEY: "plain" } } }],
                ["decode.env.API_KEY", { decode: { env: { API_KEY: "plain" } } }],
            ] as const) {
                const found = problems(deepMerge(base, config), ["API_KEY"]);
                assert.equal(found.length, 1, found.join("\n"));
                assert.match(found[0]!, new RegExp(`^secretEnv\\.API_KEY: is also set in plain text by ${field.replace(/\./g, "\\.")};`));
                assert.ok(found[0]!.includes(`pulumi config rm --path '${field}'`), found[0]);
            }
        }
    });

    test("two plain fields with the name are both named in the one error", () => {
        const found = problems(deepMerge(LOCAL, { env: { API_KEY: "a" }, decode: { env: { API_KEY: "b" } } }), ["API_KEY"]);
        assert.equal(found.length, 1);
        assert.match(found[0]!, /by env\.API_KEY and decode\.env\.API_KEY;/);
    });

    test("a prefill env is not a source in aggregated mode", () => {
        assert.deepEqual(problems(deepMerge(LOCAL, { mode: "aggregated", prefill: { replicas: 0, env: { API_KEY: "x" } } }), ["API_KEY"]), []);
    });

    test("Slurm bare metal: slurm.container.env is a source too", () => {
        const config = deepMerge(BASE_SLURM_CONFIG, { slurm: { container: { runtime: "bare-metal", env: { API_KEY: "x" } } } });
        assert.match(problems(config, ["API_KEY"]).join("\n"), /^secretEnv\.API_KEY: is also set in plain text by slurm\.container\.env\.API_KEY;/);
    });

    test("HF_TOKEN belongs to hfToken", () => {
        const found = problems(LOCAL, ["HF_TOKEN"]);
        assert.equal(found.length, 1);
        assert.match(found[0]!, /^secretEnv\.HF_TOKEN: is the variable hfToken sets; .*pulumi config set --secret hfToken <token>/);
    });

    test("the launch model's variables, DYN_* and DYNAMO_BENCH_*, and the targets' own", () => {
        for (const name of [
            "DYN_NAMESPACE",
            "DYN_SYSTEM_PORT",
            "DYN_ANYTHING",
            "ETCD_ENDPOINTS",
            "PYTHONUNBUFFERED",
            "VLLM_NIXL_SIDE_CHANNEL_PORT",
            "DYNAMO_BENCH_X",
            "LMCACHE_CONFIG_FILE",
        ]) {
            assert.match(problems(LOCAL, [name]).join("\n"), new RegExp(`^secretEnv\\.${name}: is set by the launch model`), name);
        }
        for (const name of ["HF_HOME", "CUDA_VISIBLE_DEVICES", "HF_HUB_OFFLINE"])
            assert.match(problems(LOCAL, [name]).join("\n"), /is set by the (Kubernetes|local|Slurm)/, name);
    });

    test("the launch model's names are read off the launch model (every backend, both planes)", () => {
        const names = launchEnvNames();
        for (const name of [
            "DYN_NAMESPACE",
            "DYN_DISCOVERY_BACKEND",
            "DYN_FILE_KV",
            "ETCD_ENDPOINTS",
            "NATS_SERVER",
            "DYN_TCP_RPC_HOST",
            "DYN_SYSTEM_PORT",
            "DYN_VLLM_KV_EVENT_PORT",
            "NO_COLOR",
        ]) {
            assert.ok(names.has(name), name);
        }
    });

    test("a distinct name passes, and so does a sweep whose points keep it distinct", () => {
        assert.deepEqual(problems(deepMerge(LOCAL, { env: { OTHER: "x" } }), ["API_KEY"]), []);
        const sweep = { ...LOCAL, sweep: { grid: { "decode.replicas": [1, 2] } } };
        assert.equal(loadStack(sweep, "unit", NS, new Set(["secretEnv.API_KEY"])).sweep?.points.length, 2);
    });

    test("a sweep point that sets the name in plain env is refused naming both", () => {
        const sweep = { ...LOCAL, sweep: { points: [{ "decode.env": { API_KEY: "x" } }] } };
        assert.throws(
            () => loadStack(sweep, "unit", NS, new Set(["secretEnv.API_KEY"])),
            (e: unknown) => e instanceof ConfigError && /secretEnv\.API_KEY.*decode\.env\.API_KEY/.test(e.message),
        );
    });
});

describe("other keys stored with --secret", () => {
    test("a role marked secret by a nested --path: says so, and gives both commands for its one env name", () => {
        const [v] = secretSettingViolations(["decode"], { decode: { env: { API_KEY: VALUE } } });
        assert.equal(v!.path, "decode");
        assert.ok(v!.message.includes("a `pulumi config set --secret --path 'decode.env.<NAME>'` marks all of decode secret"), v!.message);
        assert.ok(v!.message.includes("`pulumi config rm --path 'decode.env.API_KEY'` and `pulumi config set --secret --path 'secretEnv.API_KEY' <value>`"));
        assert.ok(!v!.message.includes(VALUE));
    });

    test("several env names: the command takes NAME and the names are listed", () => {
        const [v] = secretSettingViolations(["frontend"], { frontend: { env: { A: "1", B: "2" } } });
        assert.match(v!.message, /pulumi config rm --path 'frontend\.env\.NAME'.*secretEnv\.NAME.*whichever of A, B is secret/);
    });

    test("slurm marked secret through slurm.container.env", () => {
        const [v] = secretSettingViolations(["slurm"], { slurm: { outputDir: "/x", container: { runtime: "bare-metal", env: { TOKEN_X: VALUE } } } });
        assert.ok(v!.message.includes("marks all of slurm secret"), v!.message);
        assert.ok(
            v!.message.includes("`pulumi config rm --path 'slurm.container.env.TOKEN_X'` and `pulumi config set --secret --path 'secretEnv.TOKEN_X' <value>`"),
        );
    });

    test("top-level env: no nested --path to explain", () => {
        const [v] = secretSettingViolations(["env"], { env: { A: "1" } });
        assert.doesNotMatch(v!.message, /marks all of/);
        assert.ok(v!.message.includes("`pulumi config rm --path 'env.A'`"));
    });

    test("a key without env values: where secrets go", () => {
        const [v] = secretSettingViolations(["benchmark"], { benchmark: { extraArgs: ["--api-key", VALUE] } });
        assert.match(v!.message, /only hfToken, secretEnv and sshPrivateKey stay secret.*pulumi config set --secret --path 'secretEnv\.NAME' <value>/);
        assert.ok(!v!.message.includes(VALUE));
    });
});

describe("secretEnv entries in plain text in the stack file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-env-file-test-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dynamo-bench\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(dir, "stacks"));
    const write = (stack: string, config: string) => fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), `config:\n${config}`);

    test("an entry added without --secret next to encrypted ones is named, its value is not", () => {
        write("mixed", `  dynamo-bench:secretEnv:\n    A:\n      secure: v1:abc\n    B: ${VALUE}\n`);
        const found = plainSecretEnvEntries(dir, "mixed", NS);
        assert.deepEqual(
            found.map((v) => v.path),
            ["secretEnv.B"],
        );
        assert.match(
            found[0]!.message,
            /^is stored in plain text in stacks\/Pulumi\.mixed\.yaml \(set without --secret\); run `pulumi config set --secret --path 'secretEnv\.B' <value>`/,
        );
        assert.ok(!found[0]!.message.includes(VALUE));
    });

    test("every entry encrypted, the whole map encrypted, no secretEnv, no stack file: nothing", () => {
        write("secure", "  dynamo-bench:secretEnv:\n    A:\n      secure: v1:abc\n");
        write("whole", "  dynamo-bench:secretEnv:\n    secure: v1:abc\n");
        write("none", "  dynamo-bench:name: x\n");
        for (const stack of ["secure", "whole", "none", "absent"]) assert.deepEqual(plainSecretEnvEntries(dir, stack, NS), [], stack);
    });
});

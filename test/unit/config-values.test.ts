// Stack config values reach the schema as the user typed them (issue 13, item 1):
// strings stay strings, structured values parse, prototype-like keys are refused by name.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rawFromAllConfig, topLevelKind } from "../../config/stack-config";
import { ConfigError, loadSpec } from "../../config/load";
import { layerConfig, readClusterFile } from "../../config/cluster";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const NS = "dynamo-bench";
const raw = (all: Record<string, string>, secret: (k: string) => boolean = () => false) =>
    rawFromAllConfig(Object.fromEntries(Object.entries(all).map(([k, v]) => [`${NS}:${k}`, v])), NS, secret);

describe("values as typed", () => {
    test("a name of 1234 or true stays a string and is a valid benchmark name", () => {
        for (const name of ["1234", "true", "null", "0"]) {
            const r = raw({ name, model: '{"id":"m"}' });
            assert.equal(r.values.name, name);
            assert.equal(loadSpec(r.values, "s").name, name);
        }
    });
    test("a string field keeps JSON-looking text verbatim", () => {
        const r = raw({ image: '{"a":1}', model: '{"id":"m"}' });
        assert.equal(r.values.image, '{"a":1}');
    });
    test("number and boolean fields read the text the CLI stores; other text is reported by the schema", () => {
        assert.equal(raw({ gpusPerNode: "8" }).values.gpusPerNode, 8);
        assert.throws(
            () => loadSpec(raw({ gpusPerNode: "eight", model: '{"id":"m"}' }).values, "s"),
            (e: ConfigError) => /gpusPerNode: expected number, got "eight"/.test(e.message),
        );
        assert.equal(raw({ gpusPerNode: "0x10" }).values.gpusPerNode, "0x10");
    });
    test("structured values parse; a structured field given plain text is named", () => {
        assert.deepEqual(raw({ model: '{"id":"1234"}' }).values.model, { id: "1234" });
        assert.throws(
            () => loadSpec(raw({ model: "llama" }).values, "s"),
            (e: ConfigError) => /dynamo-bench:model: expected object, got "llama"/.test(e.message),
        );
    });
    test("what each top-level key holds comes from the schema", () => {
        assert.equal(topLevelKind("name"), "text");
        assert.equal(topLevelKind("target"), "text");
        assert.equal(topLevelKind("gpusPerNode"), "number");
        assert.equal(topLevelKind("benchmark"), "structured");
        assert.equal(topLevelKind("sweep"), "structured");
        assert.equal(topLevelKind("cluster"), "text");
        assert.equal(topLevelKind("nonsense"), "any");
    });
});

describe("settings stored with --secret (issue 13, item 2)", () => {
    test("are refused by name: their values would land in plain env files, manifests and argv", () => {
        const r = raw({ decode: '{"env":{"API_KEY":"s3cret"}}', name: "a" }, (k) => k === `${NS}:decode`);
        assert.deepEqual([...r.secretSettings], ["decode"]);
        assert.deepEqual(
            r.violations.map((v) => v.path),
            ["decode"],
        );
        assert.match(r.violations[0]!.message, /stored as a secret/);
        assert.match(r.violations[0]!.message, /marks all of decode secret/);
        assert.ok(
            r.violations[0]!.message.includes(
                "`pulumi config rm --path 'decode.env.API_KEY'` and `pulumi config set --secret --path 'secretEnv.API_KEY' <value>`",
            ),
        );
        assert.doesNotMatch(r.violations[0]!.message, /s3cret/, "the message does not echo the value");
    });
    test("the secret keys themselves are not", () => {
        const r = raw({ hfToken: "hf_x", sshPrivateKey: "k" }, () => true);
        assert.deepEqual(r.violations, []);
    });
});

describe("prototype-like keys", () => {
    test("at the top level and nested, each is named and nothing else changes", () => {
        // fromEntries defines "__proto__" as a key, as Pulumi's config map does; an object literal would not.
        const r = raw(
            Object.fromEntries([
                ["__proto__", '{"target":"slurm"}'],
                ["model", '{"id":"m","constructor":{}}'],
                ["frontend", '{"env":{"prototype":"x"}}'],
            ]),
        );
        assert.deepEqual(
            r.violations.map((v) => v.path),
            ["__proto__", "model.constructor", "frontend.env.prototype"],
        );
        assert.equal(Object.getPrototypeOf(r.values), Object.prototype);
        assert.equal((r.values as { target?: unknown }).target, undefined);
    });
    test("loadSpec refuses them too (direct callers, sweep points)", () => {
        const values = JSON.parse('{"model":{"id":"m"},"decode":{"__proto__":{"replicas":0}}}');
        assert.throws(
            () => loadSpec(values, "s"),
            (e: ConfigError) => /dynamo-bench:decode.__proto__: is not a setting/.test(e.message),
        );
    });
    test("in a cluster file, named with the file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proto-"));
        try {
            fs.writeFileSync(path.join(dir, "c.yaml"), "gpusPerNode: 4\n__proto__:\n  target: slurm\n");
            assert.throws(
                () => readClusterFile("c.yaml", dir),
                (e: ConfigError) => /c\.yaml: __proto__: is not a setting/.test(e.message),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    test("merging layers keeps such a key an own property instead of a prototype", () => {
        const cluster = { file: "c.yaml", values: JSON.parse('{"__proto__":{"target":"slurm"}}') };
        const merged = layerConfig({ model: { id: "m" } }, cluster).values;
        assert.equal((merged as { target?: unknown }).target, undefined);
        assert.ok(Object.hasOwn(merged, "__proto__"));
    });
});

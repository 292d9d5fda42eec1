// End-to-end check of the real Pulumi engine installed by scripts/setup-pulumi.sh:
// CLI + Node.js language host + kubernetes plugin (render mode, no cluster) +
// dynamic provider, and the command plugin when it is installed. Runs a tiny
// throwaway program through preview, up, stack output and destroy in a
// temporary file backend.
//
// Without the engine the suite is skipped with set-up instructions; under CI
// (CI set) a missing engine is a failure.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { createProgramDir, pinned, pulumiAvailable, pulumiEnv, runPulumi, withStack } from "./helpers";

const avail = pulumiAvailable();
const skip = avail.ok || process.env.CI ? false : avail.reason;

const PROGRAM: Record<string, string> = {
    "Pulumi.yaml": [
        "name: dynamo-bench-engine-e2e",
        "description: Throwaway program of test/e2e/engine.test.ts",
        "runtime:",
        "  name: nodejs",
        "  options:",
        "    typescript: true",
        "",
    ].join("\n"),
    "package.json": JSON.stringify({ name: "dynamo-bench-engine-e2e", private: true, main: "index.ts" }, null, 2),
    "tsconfig.json": JSON.stringify(
        {
            compilerOptions: {
                target: "ES2022",
                module: "commonjs",
                moduleResolution: "node",
                strict: true,
                esModuleInterop: true,
                skipLibCheck: true,
            },
            files: ["index.ts"],
        },
        null,
        2,
    ),
    "index.ts": `
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";

const cfg = new pulumi.Config();

// Kubernetes provider in render mode: manifests are written, no cluster is contacted.
const render = new k8s.Provider("render", { renderYamlToDirectory: cfg.require("renderDir") });
const cm = new k8s.core.v1.ConfigMap(
  "cm",
  { metadata: { name: "e2e-cm", namespace: "e2e" }, data: { greeting: cfg.require("greeting") } },
  { provider: render },
);
export const configMapName = cm.metadata.name;
// A custom resource whose CRD the provider has never seen (as Dynamo's are offline).
new k8s.apiextensions.CustomResource(
  "dgd",
  {
    apiVersion: "nvidia.com/v1alpha1",
    kind: "DynamoGraphDeployment",
    metadata: { name: "e2e-graph", namespace: "e2e" },
    spec: { services: { Frontend: { replicas: 1 } } },
  },
  { provider: render },
);
export const tokenLength = cfg.requireSecret("token").apply((t) => t.length);

// Dynamic provider (pulumi-resource-pulumi-nodejs beside the CLI).
const echo: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { message: string }) {
    const { execFileSync } = require("node:child_process");
    const stdout = execFileSync("echo", [inputs.message]).toString().trim();
    return { id: "echo-" + inputs.message, outs: { message: inputs.message, stdout } };
  },
};
class Echo extends pulumi.dynamic.Resource {
  declare readonly stdout: pulumi.Output<string>;
  constructor(name: string, args: { message: string }) {
    super(echo, name, { stdout: undefined, ...args }, {});
  }
}
export const dynamicStdout = new Echo("dyn", { message: "hello-dynamic" }).stdout;

// Command plugin, only when the test found it installed.
export const commandStdout = cfg.getBoolean("withCommand")
  ? new command.local.Command("echo", { create: "echo hello-command" }).stdout
  : undefined;
`,
};

describe("real Pulumi engine", { skip }, () => {
    let scratch = "";
    before(() => {
        if (!avail.ok) throw new Error(avail.reason);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-engine-"));
    });
    after(() => {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("pulumi version is the pinned CLI", async () => {
        const res = await runPulumi(["version"], { env: pulumiEnv(scratch), timeoutMs: 30_000 });
        assert.equal(res.stdout.trim(), `v${pinned.cli}`);
    });

    test("pulumi plugin ls shows the pinned resource plugins", async (t) => {
        const res = await runPulumi(["plugin", "ls", "--json"], { env: pulumiEnv(scratch), timeoutMs: 60_000 });
        const plugins = JSON.parse(res.stdout) as Array<{ name: string; kind: string; version: string }>;
        const versions = (name: string) => plugins.filter((p) => p.kind === "resource" && p.name === name).map((p) => p.version);
        assert.ok(versions("kubernetes").includes(pinned.kubernetes), `kubernetes ${pinned.kubernetes} in ${res.stdout}`);
        if (avail.ok && avail.plugins.command) {
            assert.ok(versions("command").includes(pinned.command), `command ${pinned.command} in ${res.stdout}`);
        } else {
            t.diagnostic(`command plugin ${pinned.command} is not installed (see scripts/setup-pulumi.sh output)`);
        }
    });

    test("preview, up, stack output and destroy of a throwaway program", { timeout: 15 * 60_000 }, async (t) => {
        const withCommand = avail.ok && avail.plugins.command;
        if (!withCommand) t.diagnostic("command plugin not installed: the program runs without its command.local.Command");
        const renderDir = path.join(scratch, "rendered");
        const projectDir = createProgramDir(PROGRAM);
        try {
            await withStack(
                projectDir,
                "e2e",
                {
                    renderDir,
                    greeting: "hello-e2e",
                    token: { value: "s3cret-token", secret: true },
                    withCommand: String(withCommand),
                },
                async (stack) => {
                    const preview = await stack.preview();
                    assert.match(preview.stdout, /kubernetes:core\/v1:ConfigMap/);
                    assert.match(preview.stdout, /pulumi-nodejs:dynamic:Resource/);
                    assert.doesNotMatch(preview.stdout + preview.stderr, /s3cret-token/);

                    await stack.up();
                    const manifests = fs.readdirSync(path.join(renderDir, "1-manifest"));
                    const cmFile = manifests.find((f) => /configmap/i.test(f) && f.includes("e2e-cm"));
                    assert.ok(cmFile, `rendered ConfigMap in ${manifests.join(", ")}`);
                    const doc = parseYaml(fs.readFileSync(path.join(renderDir, "1-manifest", cmFile), "utf8"));
                    assert.equal(doc.kind, "ConfigMap");
                    assert.equal(doc.metadata.namespace, "e2e");
                    assert.deepEqual(doc.data, { greeting: "hello-e2e" });
                    const crFile = manifests.find((f) => /dynamographdeployment/i.test(f) && f.includes("e2e-graph"));
                    assert.ok(crFile, `rendered DynamoGraphDeployment in ${manifests.join(", ")}`);
                    const cr = parseYaml(fs.readFileSync(path.join(renderDir, "1-manifest", crFile), "utf8"));
                    assert.equal(cr.metadata.namespace, "e2e");
                    assert.equal(cr.spec.services.Frontend.replicas, 1);

                    const out = await stack.outputs();
                    assert.equal(out.configMapName, "e2e-cm");
                    assert.equal(out.tokenLength, "s3cret-token".length);
                    assert.equal(out.dynamicStdout, "hello-dynamic");
                    if (withCommand) assert.equal(out.commandStdout, "hello-command");

                    // A second preview of the deployed stack has nothing to change.
                    const again = await stack.run(["preview", "--expect-no-changes"]);
                    assert.equal(again.code, 0);
                },
            );
            // withStack destroyed the stack; in render mode that deletes the manifest.
            const left = fs.existsSync(path.join(renderDir, "1-manifest")) ? fs.readdirSync(path.join(renderDir, "1-manifest")) : [];
            assert.deepEqual(left, []);
        } finally {
            fs.rmSync(projectDir, { recursive: true, force: true });
        }
    });
});

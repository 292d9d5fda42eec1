// The target contract (DESIGN principle 9): every target, deployed under
// Pulumi mocks through the program's dispatch, returns the same top-level
// stack outputs, the documented list, with results and timings of the same
// shapes; the docs list exactly those keys and each target's details; no
// secret appears in plain outputs.
import { before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, type MockRecorder } from "../helpers/pulumi-mocks";
import { loadSpec } from "../../config/load";
import type { BenchmarkSpec } from "../../config/resolve";
import { BENCHMARK_OUTPUT_KEYS, GATE_OUTPUT_KEYS } from "../../lib/outputs";
import { formatResultLine } from "../../lib/results";
import { k8sSpec } from "./k8s-fixtures";
import { slurmSpec } from "./slurm-fixtures";
import { REPO_ROOT } from "../../lib/paths";

const TOKEN = "hf_ContractTestTokenThatMustStaySecret";
const FIGURES = { ttftMs: { avg: 12.5, p99: 20 }, requestCount: 40 };

/** What each target's command prints: its own fields around the shared result line. */
function commandStdout(name: string): string {
    if (name.endsWith("-job")) return "4242\n";
    if (name.endsWith("-run")) {
        const timings = {
            startedAt: "2026-01-01T00:00:00Z",
            processes: {},
            phases: [],
            processStartMs: 1000,
            registrationMs: 2000,
            readinessMs: 500,
            benchmarkMs: 9000,
        };
        return `progress\n${formatResultLine({ ok: true, runId: "r1", runDir: "/tmp/r1", phases: [{ name: "main", artifactDir: "/tmp/r1/phases/main", outputs: FIGURES }], timings } as never)}`;
    }
    if (name.endsWith("-results")) return formatResultLine({ ok: true, timings: { readySeconds: 3.5 }, phases: [{ name: "main", outputs: FIGURES }] });
    return "";
}

let mocks: MockRecorder;
let program: typeof import("../../program");

before(async () => {
    mocks = await setupMocks({ commandStdout });
    program = await import("../../program");
});
beforeEach(() => mocks.reset());

type Outputs = Record<string, unknown>;

/** Deploys through the program's dispatch and resolves every output to its plain value. */
async function deployed(spec: BenchmarkSpec, secrets: { hfToken?: string } = {}): Promise<Outputs> {
    const outputs = program.deployBenchmark(spec, { hfToken: secrets.hfToken ? pulumi.secret(secrets.hfToken) : undefined });
    await mocks.settle();
    return (await promiseOf(pulumi.output(outputs))) as Outputs;
}

/** One deployment per target and per variant that adds a details key. */
const DEPLOYMENTS: Array<{ target: string; variant: string; spec: () => BenchmarkSpec; collected: boolean }> = [
    { target: "local", variant: "mocker run", spec: () => loadSpec({ model: { id: "dynamo-bench/tiny-model" } }, "local"), collected: true },
    { target: "kubernetes", variant: "on a cluster", spec: () => k8sSpec({ name: "bench" }), collected: true },
    {
        target: "kubernetes",
        variant: "render mode",
        spec: () => k8sSpec({ name: "render", kubernetes: { renderYamlToDirectory: "rendered" } }),
        collected: false,
    },
    { target: "slurm", variant: "submitted", spec: () => slurmSpec(), collected: true },
    { target: "slurm", variant: "files only", spec: () => slurmSpec({ slurm: { submit: false } }), collected: false },
];

const results = new Map<string, Outputs[]>();

describe("every target returns the same top-level outputs", () => {
    for (const d of DEPLOYMENTS) {
        test(`${d.target}, ${d.variant}`, async () => {
            const out = await deployed(d.spec(), { hfToken: TOKEN });
            results.set(d.target, [...(results.get(d.target) ?? []), out]);
            assert.deepEqual(Object.keys(out), [...BENCHMARK_OUTPUT_KEYS]);
            assert.equal(out.target, d.target);
            assert.equal(typeof out.benchmark, "string");
            assert.equal(typeof out.model, "string");
            assert.match(String(out.dynamoVersion), /^\d+\.\d+\.\d+/);
            assert.ok(Number(out.workerGpus) > 0);
            assert.equal(typeof out.details, "object");
            assert.equal(typeof out.timings, "object");
            if (d.collected) {
                assert.equal(out.resultsStatus, "collected");
                assert.deepEqual(out.phases, { main: FIGURES });
            } else {
                assert.match(String(out.resultsStatus), /^not run: \S/);
                assert.deepEqual(out.phases, {});
            }
            for (const value of Object.values(out.timings as Record<string, unknown>)) assert.equal(typeof value, "number");
            assert.equal(JSON.stringify(out).includes(TOKEN), false, "the HF token is in plain outputs");
        });
    }

    test("timings mean the same on every target: seconds from the start of the run", () => {
        const [local] = results.get("local") ?? [];
        assert.deepEqual(local?.timings, { launchSeconds: 1, workersRegisteredSeconds: 3, readySeconds: 3.5, benchmarkSeconds: 9 });
        const [slurm] = results.get("slurm") ?? [];
        assert.deepEqual(slurm?.timings, { readySeconds: 3.5 });
    });

    test("every target names its engine under details", () => {
        for (const [target, outs] of results) {
            for (const out of outs) assert.equal(typeof (out.details as { engine?: { name?: unknown } }).engine?.name, "string", target);
        }
    });
});

/** The first cells of the markdown table that follows a heading matching `heading`. */
function documentedKeys(file: string, heading: RegExp): string[] {
    const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
    const start = lines.findIndex((l) => /^#+ /.test(l) && heading.test(l));
    assert.ok(start >= 0, `${file} has no heading matching ${heading}`);
    const keys: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (/^#+ /.test(line)) break;
        const cell = /^\| `([^`]+)` \|/.exec(line);
        if (cell) keys.push(cell[1]!);
        else if (keys.length > 0 && !line.startsWith("|")) break;
    }
    return keys;
}

describe("the docs list exactly the outputs that exist", () => {
    test("README: the stack outputs table is the key list", () => {
        assert.deepEqual(documentedKeys("README.md", /^#+ Stack outputs$/), [...BENCHMARK_OUTPUT_KEYS, ...GATE_OUTPUT_KEYS]);
    });

    const targetDocs: Record<string, string> = { local: "docs/local-runtime.md", kubernetes: "docs/kubernetes.md", slurm: "docs/slurm.md" };
    for (const [target, file] of Object.entries(targetDocs)) {
        test(`${file}: its outputs table is the target's details`, () => {
            const outs = results.get(target);
            assert.ok(outs && outs.length > 0, `no ${target} deployment ran`);
            const actual = new Set(outs.flatMap((o) => Object.keys(o.details as object)).map((k) => `details.${k}`));
            const documented = documentedKeys(file, /^#+ Outputs$/);
            assert.deepEqual([...documented].sort(), [...actual].sort());
            // A docs page names no top-level output the stack does not have.
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            assert.doesNotMatch(text, /`results` output|`results` \(the full summary\)|^results: \{/m);
        });
    }
});

// Property tests of the config layer (issue 13, item 5), seeded (test/helpers/property.ts):
// - random valid configs validate and render on their target (Slurm job files,
//   the Kubernetes graph, the local run plan);
// - random mutations of valid configs are accepted, or rejected with a
//   ConfigError whose every problem names a field: never another exception.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fc, runs } from "../helpers/property";
import { ConfigError, loadSpec } from "../../config/load";
import { rawFromAllConfig } from "../../config/stack-config";
import type { BenchmarkSpec } from "../../config/resolve";
import { renderJob } from "../../lib/slurm/render";
import { buildGraphDeployment } from "../../lib/kubernetes/graph";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun } from "../../lib/local/plan";

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
/** Any text a shell or manifest could mangle, without NUL (a rule refuses it) or node-script placeholders. */
const text = fc.string({ unit: "grapheme", maxLength: 24 }).filter((s) => !s.includes("\0") && !/\{(node|leader|frontend)_host\}/.test(s));
const envName = fc
    .stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/)
    .filter((n) => !/^(DYN_HTTP_PORT|DYN_SYSTEM_PORT|DYN_VLLM_KV_EVENT_PORT|VLLM_NIXL_SIDE_CHANNEL_PORT)$/.test(n));
const env = fc.dictionary(envName, text, { maxKeys: 3 });
/** Engine arguments that are no flag the plan owns (config/rules/ports.ts). */
const extraArgs = fc.array(
    text.filter((a) => !/^--(http-port|bootstrap-ports|disaggregation-bootstrap-port|dist-init-addr)(=|$)/.test(a)),
    { maxLength: 3 },
);

/** A worker that fits one node of 8 GPUs. */
const worker = (minReplicas: number) =>
    fc.record({
        replicas: fc.integer({ min: minReplicas, max: 3 }),
        tensorParallel: fc.constantFrom(1, 2, 4),
        extraArgs,
        env,
    });

const validConfig = fc
    .record({
        target: fc.constantFrom("local", "kubernetes", "slurm"),
        name: fc.option(dnsLabel, { nil: undefined }),
        backend: fc.constantFrom("vllm", "sglang"),
        mode: fc.constantFrom("disaggregated", "aggregated"),
        prefill: worker(1),
        decode: worker(1),
        env,
        frontend: fc.record({ routerMode: fc.constantFrom("round-robin", "kv", "random"), extraArgs, env }),
        // Distinct loads (each names a phase), within the local mocker's default handoff limit (config/rules/local.ts).
        concurrency: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 })),
        requestCount: fc.integer({ min: 1, max: 500 }),
        servedName: fc.option(
            text.filter((s) => s.length > 0),
            { nil: undefined },
        ),
    })
    .map((c) => {
        const config: Record<string, unknown> = {
            target: c.target,
            ...(c.name ? { name: c.name } : {}),
            model: { id: "/models/tiny", ...(c.servedName ? { servedName: c.servedName } : {}) },
            backend: c.backend,
            mode: c.mode,
            decode: c.decode,
            prefill: c.mode === "aggregated" ? { replicas: 0 } : c.prefill,
            env: c.env,
            frontend: c.frontend,
            benchmark: { concurrency: c.concurrency, requestCount: c.requestCount },
        };
        if (c.target === "slurm") config.slurm = { outputDir: "/shared/bench", engine: "mocker" };
        if (c.target === "slurm") for (const role of ["prefill", "decode"] as const) (config[role] as { tensorParallel?: number }).tensorParallel = 1;
        return config;
    });

function render(spec: BenchmarkSpec): void {
    if (spec.target === "slurm") {
        const job = renderJob(spec);
        assert.ok(job.files.length > 0);
    } else if (spec.target === "kubernetes") {
        const graph = buildGraphDeployment(spec);
        assert.ok(JSON.stringify(graph).includes(spec.name));
    } else {
        const input = planInputFromSpec(spec, { env: { HOME: "/tmp" }, runDir: "/tmp/prop-run", runId: "prop" });
        const bootstrap = Array.from({ length: input.mode === "disaggregated" ? input.prefill.replicas : 0 }, (_, i) => 41001 + i);
        const plan = planLocalRun(input, {}, { frontend: 41000, bootstrap });
        assert.ok(plan.processes.length > 0);
    }
}

/** Every problem names a field under the namespace and says what is wrong. */
function assertFieldNamed(error: unknown): void {
    if (!(error instanceof ConfigError)) throw error;
    assert.ok(error.violations.length > 0);
    for (const v of error.violations) {
        assert.ok(v.path.length > 0 && v.path !== "(root)", `a problem without a field: ${JSON.stringify(v)}`);
        assert.ok(v.message.length > 0);
    }
    assert.match(error.message, /^Invalid stack configuration/);
}

describe("random valid configs", () => {
    test("validate and render on their target", () => {
        fc.assert(
            fc.property(validConfig, (config) => {
                let spec: BenchmarkSpec;
                try {
                    spec = loadSpec(config, "prop");
                } catch (e) {
                    assert.fail(`a valid config was refused: ${(e as Error).message}\n${JSON.stringify(config)}`);
                }
                render(spec);
            }),
            { numRuns: runs(150) },
        );
    });
    test("survive Pulumi's text form: every top-level value as the engine hands it over", () => {
        fc.assert(
            fc.property(validConfig, (config) => {
                const all = Object.fromEntries(Object.entries(config).map(([k, v]) => [`dynamo-bench:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
                const raw = rawFromAllConfig(all, "dynamo-bench", () => false);
                assert.deepEqual(raw.violations, []);
                assert.deepEqual(loadSpec(raw.values, "prop"), loadSpec(config, "prop"));
            }),
            { numRuns: runs(100) },
        );
    });
});

/** A JSON-like value of any shape, prototype-like keys and NUL bytes included. */
const anyValue = fc.letrec((tie) => ({
    value: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom(null, true, false, 0, -1, 1.5, 65536, 1e308, "", "\0", "{node_host}", "__proto__", "1234"),
        fc.string({ maxLength: 10 }),
        fc.integer(),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "prototype")), tie("value"), { maxKeys: 3 }),
    ),
})).value;

/** A place to change: an existing path of the config (as a list of keys), or a new key below one. */
function paths(value: unknown, prefix: string[] = []): string[][] {
    if (typeof value !== "object" || value === null) return [prefix];
    const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
    return [prefix, ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k]))];
}

/** Whether `path` ends below an object, or at an index of a list (a list's own properties are no config). */
function applicable(config: Record<string, unknown>, path: string[]): boolean {
    let parent: unknown = config;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[key];
    if (typeof parent !== "object" || parent === null) return false;
    return !Array.isArray(parent) || path.length === 0 || /^(0|[1-9][0-9]*)$/.test(path[path.length - 1]!);
}

function mutate(config: Record<string, unknown>, path: string[], value: unknown, remove: boolean): Record<string, unknown> {
    const copy = structuredClone(config);
    if (path.length === 0)
        return remove ? {} : typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : copy;
    let node: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    if (remove) delete node[last];
    else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
    return copy;
}

const mutation = validConfig.chain((config) =>
    fc.record({
        config: fc.constant(config),
        path: fc.constantFrom(...paths(config)).chain((p) =>
            fc.oneof(
                fc.constant(p),
                fc.string({ maxLength: 8 }).map((k) => [...p, k]),
            ),
        ),
        value: anyValue,
        remove: fc.boolean(),
    }),
);

describe("random mutations of valid configs", () => {
    test("are accepted or rejected with field-named problems, never another exception", () => {
        fc.assert(
            fc.property(mutation, ({ config, path, value, remove }) => {
                fc.pre(applicable(config, path));
                const mutated = mutate(config, path, value, remove);
                try {
                    render(loadSpec(mutated, "prop"));
                } catch (e) {
                    assertFieldNamed(e);
                }
            }),
            { numRuns: runs(300) },
        );
    });
    test("in Pulumi's text form too (each top-level value as text)", () => {
        fc.assert(
            fc.property(mutation, ({ config, path, value, remove }) => {
                fc.pre(applicable(config, path));
                const mutated = mutate(config, path, value, remove);
                const all = Object.fromEntries(Object.entries(mutated).map(([k, v]) => [`dynamo-bench:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
                const raw = rawFromAllConfig(all, "dynamo-bench", () => false);
                if (raw.violations.length > 0) return assertFieldNamed(new ConfigError(raw.violations, "dynamo-bench"));
                try {
                    loadSpec(raw.values, "prop");
                } catch (e) {
                    assertFieldNamed(e);
                }
            }),
            { numRuns: runs(200) },
        );
    });
});

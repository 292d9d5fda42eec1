// Reading a CloudAI scenario: the scenario file, the test definitions it names
// (found by their `name` in the tests folder), and the system. readSources does
// the file I/O; testRuns is pure: each scenario entry's test with the entry's
// inline overrides merged in, keys in one spelling.
import * as fs from "node:fs";
import * as path from "node:path";
import { isPlainObject } from "../../deep-merge";
import { ImportError } from "./errors";
import { parseToml, type TomlTable } from "./toml";

export interface SourceFile {
    file: string;
    doc: TomlTable;
}

export interface CloudaiSources {
    scenario: SourceFile;
    /** Every test definition in the tests folder (files with a test_template_name). */
    tests: SourceFile[];
    system?: SourceFile;
}

/** One `[[Tests]]` entry of the scenario, resolved against its test definition. */
export interface TestRun {
    id: string;
    /** The test definition's `name`. */
    testName: string;
    /** CloudAI's test template: AIDynamo, DynamoMocker, ... */
    template: string;
    testFile: string;
    /** The test definition with the entry's overrides applied; keys normalised (normalizeKeys). */
    test: TomlTable;
    /** Fields of the scenario entry that belong to the run, not the test (num_nodes, time_limit, ...). */
    entry: TomlTable;
    /** Dotted paths of `test` whose value came from the scenario entry. */
    overridden: Set<string>;
}

/** Scenario entry fields that describe the run rather than override the test definition. */
export const RUN_FIELDS = new Set(["id", "test_name", "num_nodes", "nodes", "time_limit", "weight", "iterations", "dependencies", "sol", "ideal_gpu_time"]);

/** Maps whose keys are names (environment variables, config-file contents): kept exactly as written. */
const VERBATIM_KEYS = new Set(["extra_env_vars", "global_env_vars", "lmcache", "hicache", "env_params"]);

/** CloudAI accepts `num-nodes` and `num_nodes` alike: one spelling (underscores) so overrides meet their base. */
export function normalizeKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(normalizeKeys);
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
            const key = k.replace(/-/g, "_");
            return [key, VERBATIM_KEYS.has(key) ? v : normalizeKeys(v)];
        }),
    );
}

export function readSources(scenarioPath: string, testsDir: string, systemPath?: string): CloudaiSources {
    const read = (file: string): SourceFile => {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (e) {
            throw new ImportError(`cannot read ${file}: ${(e as Error).message}`);
        }
        return { file, doc: parseToml(text, file) };
    };
    if (!fs.existsSync(testsDir) || !fs.statSync(testsDir).isDirectory())
        throw new ImportError(`--tests ${testsDir}: expected a folder of CloudAI test TOML files`);
    const testFiles = fs
        .readdirSync(testsDir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".toml"))
        .sort()
        .map((f) => path.join(testsDir, f));
    return {
        scenario: read(scenarioPath),
        tests: testFiles.map(read).filter((t) => typeof t.doc.test_template_name === "string"),
        ...(systemPath ? { system: read(systemPath) } : {}),
    };
}

export function testRuns(sources: CloudaiSources): TestRun[] {
    const { scenario } = sources;
    const entries = scenario.doc.Tests;
    if (!Array.isArray(entries) || entries.length === 0) throw new ImportError(`${scenario.file}: expected [[Tests]] entries, got none`);
    const byName = new Map(sources.tests.map((t) => [String(t.doc.name), t]));
    return entries.map((raw, i) => {
        const entry = normalizeKeys(raw) as TomlTable;
        const id = typeof entry.id === "string" ? entry.id : `${i + 1}`;
        const testName = String(entry.test_name ?? "");
        const def = byName.get(testName);
        if (!def) {
            const known = [...byName.keys()].map((n) => JSON.stringify(n)).join(", ") || "none";
            throw new ImportError(
                `${scenario.file}: Tests[${i}] (id "${id}") names test_name "${testName}", which no test in the tests folder defines (tests found: ${known}); pass the folder holding it with --tests`,
            );
        }
        const overrides = Object.fromEntries(Object.entries(entry).filter(([k]) => !RUN_FIELDS.has(k)));
        const runFields = Object.fromEntries(Object.entries(entry).filter(([k]) => RUN_FIELDS.has(k)));
        return {
            id,
            testName,
            template: String(def.doc.test_template_name),
            testFile: def.file,
            test: mergeOverrides(normalizeKeys(def.doc) as TomlTable, overrides),
            entry: runFields,
            overridden: new Set(leafPaths(overrides)),
        };
    });
}

/** Tables merge key by key; any other value (lists included, as CloudAI's pydantic models do) replaces. */
function mergeOverrides(base: TomlTable, over: TomlTable): TomlTable {
    const out: TomlTable = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergeOverrides(out[k] as TomlTable, v) : v;
    return out;
}

/** Dotted paths of every non-table value; a list is one leaf. */
export function leafPaths(doc: TomlTable, prefix = ""): string[] {
    return Object.entries(doc).flatMap(([k, v]) => (isPlainObject(v) ? leafPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

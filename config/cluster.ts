// Cluster profiles: the settings every benchmark on one cluster shares live
// once in a cluster file that a stack names (`dynamo-bench:cluster:
// clusters/gb200-a.yaml`). The layers, lowest first:
//   project defaults (Pulumi.yaml `config:`) < the cluster file < the stack file.
// Objects merge key by key; a list, like a scalar, is replaced whole by the
// higher layer (lists here are argv, mounts and phases, whose order and pairs
// matter; concatenating would leave a stack no way to drop a cluster entry).
// The merged values are validated by the same schema and rules as any stack,
// and each problem names where its value was typed: the cluster file and its
// field, or the stack's `dynamo-bench:` key.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { deepMerge, isPlainObject } from "../lib/deep-merge";
import { checkClusterKeys } from "./cluster-settings";
import { ConfigError } from "./load";
import { prototypeKeyViolations } from "./prototype-keys";
import type { RuleViolation } from "./rules";

/** The stack key that names a cluster file. */
export const CLUSTER_KEY = "cluster";

export interface ClusterFile {
    /** The path as the stack gave it, which every message names. */
    file: string;
    values: Record<string, unknown>;
}

export interface LayeredConfig {
    /** Project defaults, then the cluster file, then the stack: what the schema parses. */
    values: Record<string, unknown>;
    cluster?: ClusterFile;
    /** The same problems, each naming the cluster file where the value came from there. */
    blame(violations: readonly RuleViolation[]): RuleViolation[];
}

/**
 * Reads the cluster file a stack names (relative to the project folder, or
 * absolute) as the user typed it, or throws one ConfigError naming the file
 * and each key that does not belong there.
 */
export function readClusterFile(ref: unknown, projectDir: string, namespace = "dynamo-bench"): ClusterFile {
    const fail = (violations: RuleViolation[]): never => {
        throw new ConfigError(violations, namespace);
    };
    if (typeof ref !== "string" || ref.trim() === "") {
        return fail([{ path: CLUSTER_KEY, message: `expected the path of a cluster file such as clusters/gb200-a.yaml, got ${JSON.stringify(ref)}` }]);
    }
    const full = path.resolve(projectDir, ref);
    let text: string;
    try {
        text = fs.readFileSync(full, "utf8");
    } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
        return fail([
            {
                path: CLUSTER_KEY,
                message: `cannot read the cluster file ${ref} (${full}): ${reason}; the path is relative to the project folder (${projectDir})`,
            },
        ]);
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
        return fail(doc.errors.map((e) => ({ file: ref, path: "", message: `is not valid YAML: ${yamlWhere(e.linePos?.[0])}${yamlReason(e.message)}` })));
    }
    const values: unknown = doc.toJS();
    if (!isPlainObject(values)) {
        return fail([
            { file: ref, path: "", message: `expected a mapping of cluster settings (gpusPerNode: 8, slurm: {partition: gpu}, ...), got ${describe(values)}` },
        ]);
    }
    const prototypeKeys = prototypeKeyViolations(values);
    if (prototypeKeys.length > 0) fail(prototypeKeys.map((v) => ({ ...v, file: ref })));
    const misplaced = checkClusterKeys(values);
    if (misplaced.length > 0) fail(misplaced.map((v) => ({ ...v, file: ref })));
    return { file: ref, values };
}

/**
 * Puts the layers together. `stack` is the stack's config as the program sees
 * it, which the engine has already merged over the project defaults of
 * Pulumi.yaml; `projectDefaults` (the values Pulumi.yaml sets) lets a top-level
 * key the stack left at its project default sink below the cluster file.
 * A stack value that repeats the project default exactly counts as that default.
 */
export function layerConfig(stack: Record<string, unknown>, cluster: ClusterFile | undefined, projectDefaults: Record<string, unknown> = {}): LayeredConfig {
    const { [CLUSTER_KEY]: _named, ...own } = stack;
    if (!cluster) return { values: own, blame: (violations) => [...violations] };
    const fromProject: Record<string, unknown> = {};
    const fromStack: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(own)) {
        const isDefault = key in projectDefaults && JSON.stringify(projectDefaults[key]) === JSON.stringify(value);
        (isDefault ? fromProject : fromStack)[key] = value;
    }
    const values = deepMerge(deepMerge(fromProject, cluster.values), fromStack);
    const blame = (violations: readonly RuleViolation[]) =>
        violations.map((v) => (v.file === undefined && fromCluster(v.path, fromStack, cluster.values) ? { ...v, file: cluster.file } : v));
    return { values, cluster, blame };
}

/**
 * Whether the field a problem names took its value from the cluster file. A
 * field nobody set (a required key missing) belongs to whoever set the nearest
 * object above it, so `modelCache.pvcName` missing under a cluster file's
 * `modelCache` names the file.
 */
function fromCluster(fieldPath: string, stack: Record<string, unknown>, cluster: Record<string, unknown>): boolean {
    for (let p = fieldPath; p !== ""; p = p.replace(/(\.[^.[]*|\[[0-9]+\])$/, "")) {
        if (setAt(stack, p)) return false;
        if (setAt(cluster, p)) return true;
        if (!/[.[]/.test(p)) return false;
    }
    return false;
}

/**
 * The project-level values of our namespace in a Pulumi.yaml: `config:` keys
 * `<project>:<key>` or a bare `<key>`, given as a value or as `{ value }` /
 * `{ default }`. Another project's keys are not ours.
 */
export function projectDefaultsFrom(pulumiYaml: string, project: string): Record<string, unknown> {
    const parsed: unknown = parseDocument(pulumiYaml).toJS();
    const config = isPlainObject(parsed) && isPlainObject(parsed.config) ? parsed.config : {};
    const out: Record<string, unknown> = {};
    for (const [fullKey, entry] of Object.entries(config)) {
        const [ns, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s) : [project, fullKey];
        if (ns !== project || !key) continue;
        const declared = isPlainObject(entry) && ("value" in entry || "default" in entry);
        out[key] = declared ? (entry.value ?? entry.default) : entry;
    }
    return out;
}

/**
 * Whether `values` sets the field a violation names ("slurm.login.host",
 * "network.cniNetworks[0].name"), or a list or scalar above it. Record keys may
 * hold dots (node selector labels), so each step takes the longest key that fits.
 */
export function setAt(values: Record<string, unknown>, fieldPath: string): boolean {
    let node: unknown = values;
    let rest = fieldPath;
    while (rest !== "") {
        if (!isPlainObject(node)) return node !== undefined;
        const key = Object.keys(node)
            .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
            .sort((a, b) => b.length - a.length)[0];
        if (key === undefined) return false;
        node = node[key];
        rest = rest.slice(key.length).replace(/^\./, "");
        if (rest.startsWith("[")) return node !== undefined;
    }
    return node !== undefined;
}

/** The first line of the yaml package's message, without its own " at line L, column C:" (yamlWhere puts it first). */
function yamlReason(message: string): string {
    return (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
}

function yamlWhere(pos: { line: number; col: number } | undefined): string {
    return pos ? `line ${pos.line}, column ${pos.col}: ` : "";
}

function describe(value: unknown): string {
    if (value === null || value === undefined) return "an empty file";
    return Array.isArray(value) ? "a list" : `${typeof value} ${JSON.stringify(value)}`;
}

/** The program's view: the stack's values with the cluster file they name, if any, and the project defaults of Pulumi.yaml. */
export function layerStack(stack: Record<string, unknown>, projectDir: string, project: string): LayeredConfig {
    if (stack[CLUSTER_KEY] === undefined) return layerConfig(stack, undefined);
    const cluster = readClusterFile(stack[CLUSTER_KEY], projectDir, project);
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(projectDir, f)).find((f) => fs.existsSync(f));
    const defaults = projectFile ? projectDefaultsFrom(fs.readFileSync(projectFile, "utf8"), project) : {};
    return layerConfig(stack, cluster, defaults);
}

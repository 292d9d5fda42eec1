// Validates generated custom resources against the real CRD OpenAPI schemas in
// the reference data (test/helpers/reference.ts; read in place, never copied
// into this repository). Tests that validate take `{ skip: NO_CRDS }`.
//
// Closer to the API server than plain JSON-schema validation:
// - unknown fields are errors (schemas are closed unless they preserve unknown
//   fields), as with `kubectl apply --validate=strict`;
// - x-kubernetes-int-or-string is honoured;
// - the CEL rules (x-kubernetes-validations) on the parts of an object we emit
//   are evaluated by hand-written equivalents; a rule with no equivalent is
//   reported, so a new rule cannot pass unnoticed;
// - metadata is checked (name, namespace versus the CRD's scope, string maps).
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { REPO_ROOT } from "../../lib/paths";
import { referencePath, referenceSkip } from "./reference";

export const repoRoot = REPO_ROOT;
export const referenceDir = referencePath("dynamo");
/** The `skip` option of a test that validates against the CRDs. */
export const NO_CRDS = referenceSkip("dynamo");

/** CRD file for each group/kind the project generates. */
export const CRD_FILES: Record<string, string> = {
    "nvidia.com/DynamoGraphDeployment": "crds/nvidia.com_dynamographdeployments.yaml",
    "scheduling.run.ai/Queue": "kai-scheduler/v0.13.0/crds/scheduling.run.ai_queues.yaml",
    // The Pulumi Kubernetes Operator's Stack of examples/gitops/operator (beside dynamo/ in the reference data).
    "pulumi.com/Stack": "../pulumi-operator/pulumi.com_stacks.yaml",
};

type Schema = Record<string, unknown>;

interface CrdVersion {
    name: string;
    served: boolean;
    schema: { openAPIV3Schema: Schema };
}

interface Crd {
    spec: { group: string; scope: "Namespaced" | "Cluster"; names: { kind: string }; versions: CrdVersion[] };
}

const crdCache = new Map<string, Crd>();
const validatorCache = new Map<string, { validate: ValidateFunction; schema: Schema }>();

export function loadCrd(groupKind: string): Crd {
    const file = CRD_FILES[groupKind];
    if (!file) throw new Error(`no CRD known for ${groupKind}; add it to CRD_FILES`);
    let crd = crdCache.get(groupKind);
    if (!crd) {
        const full = path.join(referenceDir, file);
        if (!fs.existsSync(full)) throw new Error(`CRD file missing: ${full} (see test/helpers/reference.ts)`);
        crd = parse(fs.readFileSync(full, "utf8")) as Crd;
        crdCache.set(groupKind, crd);
    }
    return crd;
}

/** Rewrites a structural schema into what the API server effectively enforces. */
export function toStrictSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(toStrictSchema);
    if (!node || typeof node !== "object") return node;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) out[key] = toStrictSchema(value);
    if (out["x-kubernetes-int-or-string"] === true && out.type === undefined && out.anyOf === undefined) {
        out.anyOf = [{ type: "integer" }, { type: "string" }];
    }
    const preserves = out["x-kubernetes-preserve-unknown-fields"] === true;
    if (out.properties && out.additionalProperties === undefined && !preserves) out.additionalProperties = false;
    return out;
}

function validatorFor(groupKind: string, version: string): { validate: ValidateFunction; schema: Schema } {
    const key = `${groupKind}@${version}`;
    let entry = validatorCache.get(key);
    if (!entry) {
        const crd = loadCrd(groupKind);
        const v = crd.spec.versions.find((x) => x.name === version);
        if (!v) throw new Error(`${groupKind} has no version ${version}`);
        const schema = toStrictSchema(v.schema.openAPIV3Schema) as Schema;
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
        addFormats(ajv);
        entry = { validate: ajv.compile(schema), schema };
        validatorCache.set(key, entry);
    }
    return entry;
}

/** Kubernetes quantity parsed to a number (enough to compare with zero). */
function quantityValue(q: unknown): number {
    if (typeof q === "number") return q;
    const m = /^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)([a-zA-Z]*)$/.exec(String(q));
    return m ? Number(m[1]) : NaN;
}

/** Hand-written equivalents of the CEL rules on the fields we generate, keyed by the exact rule text. */
export const CEL_EQUIVALENTS: Record<string, (self: Record<string, unknown>) => boolean> = {
    "size(self.metadata.name) <= 42": (s) => String((s.metadata as { name?: unknown } | undefined)?.name ?? "").length <= 42,
    "(has(self.disabled) && self.disabled) || (has(self.size) && quantity(self.size).isGreaterThan(quantity('0')))": (s) =>
        s.disabled === true || (s.size !== undefined && quantityValue(s.size) > 0),
    "!has(self.create) || self.create == false || (has(self.size) && has(self.storageClass) && has(self.volumeAccessMode))": (s) =>
        s.create === undefined || s.create === false || (s.size !== undefined && s.storageClass !== undefined && s.volumeAccessMode !== undefined),
};

function checkCel(schema: Schema | undefined, value: unknown, where: string, errors: string[]): void {
    if (!schema || value === undefined || value === null) return;
    const rules = schema["x-kubernetes-validations"] as Array<{ rule: string; message?: string }> | undefined;
    for (const r of rules ?? []) {
        const check = CEL_EQUIVALENTS[r.rule];
        if (!check) errors.push(`${where}: CEL rule without an equivalent in crd-validate.ts: ${r.rule}`);
        else if (!check(value as Record<string, unknown>)) errors.push(`${where}: ${r.message ?? r.rule}`);
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => checkCel(schema.items as Schema | undefined, item, `${where}[${i}]`, errors));
    } else if (typeof value === "object") {
        const props = (schema.properties ?? {}) as Record<string, Schema>;
        const extra = typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined;
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkCel(props[k] ?? extra, v, `${where}.${k}`, errors);
    }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkMetadata(obj: Record<string, unknown>, scope: string, errors: string[]): void {
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const name = meta.name;
    if (typeof name !== "string" || !DNS_SUBDOMAIN.test(name) || name.length > 253)
        errors.push(`metadata.name: expected a DNS-1123 subdomain, got ${JSON.stringify(name)}`);
    if (scope === "Cluster" && meta.namespace !== undefined) errors.push("metadata.namespace: a cluster-scoped resource has no namespace");
    if (meta.namespace !== undefined && (typeof meta.namespace !== "string" || !DNS_LABEL.test(meta.namespace))) {
        errors.push(`metadata.namespace: expected a DNS-1123 label, got ${JSON.stringify(meta.namespace)}`);
    }
    for (const field of ["labels", "annotations"]) {
        const map = meta[field];
        if (map === undefined) continue;
        if (typeof map !== "object" || map === null) errors.push(`metadata.${field}: expected a map`);
        else
            for (const [k, v] of Object.entries(map))
                if (typeof v !== "string") errors.push(`metadata.${field}.${k}: expected a string value, got ${JSON.stringify(v)}`);
    }
}

/** Validates one custom resource; returns the problems (empty when valid). */
export function validateCustomResource(obj: unknown): string[] {
    if (!obj || typeof obj !== "object") return ["not an object"];
    const o = obj as Record<string, unknown>;
    const apiVersion = String(o.apiVersion ?? "");
    const [group, version] = apiVersion.split("/");
    if (!group || !version) return [`apiVersion ${JSON.stringify(o.apiVersion)} is not group/version`];
    const groupKind = `${group}/${String(o.kind)}`;
    const crd = loadCrd(groupKind);
    const served = crd.spec.versions.find((v) => v.name === version);
    if (!served) return [`${groupKind} has no version ${version} (versions: ${crd.spec.versions.map((v) => v.name).join(", ")})`];
    if (!served.served) return [`${groupKind} version ${version} is not served`];

    const errors: string[] = [];
    const { validate, schema } = validatorFor(groupKind, version);
    if (!validate(obj)) {
        for (const e of validate.errors ?? []) {
            const extra = e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
            errors.push(`${e.instancePath || "/"}: ${e.message}${extra}`);
        }
    }
    checkCel(schema, obj, "", errors);
    checkMetadata(o, crd.spec.scope, errors);
    return errors;
}

/** Throws with every problem listed when the resource is invalid. */
export function assertValidCustomResource(obj: unknown): void {
    const errors = validateCustomResource(obj);
    if (errors.length > 0) {
        const o = obj as { kind?: string; metadata?: { name?: string } };
        throw new Error(`${o.kind ?? "resource"} ${o.metadata?.name ?? ""} is invalid against its CRD:\n  ${errors.join("\n  ")}`);
    }
}

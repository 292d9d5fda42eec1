// The settings a sweep may vary, in one table: the dotted config path, the
// short form a point id uses for it, and how a value becomes part of an id.
// Anything not listed here cannot be swept (config/load-sweep.ts refuses it,
// listing these). The order of the table is the order of the parts of an id.

/** How a value of the setting appears in a point id. */
export type IdStyle =
    /** abbreviation + number: prefill.replicas 2 -> "p2". */
    | "number"
    /** the value itself, shortened by VALUE_ABBREVIATIONS: frontend.routerMode kv -> "kv". */
    | "word"
    /** abbreviation + "-" + label, or abbreviation + position when unlabelled: "da-fp8", "da2". */
    | "set";

export interface SweepSetting {
    path: string;
    abbreviation: string;
    idStyle: IdStyle;
}

const worker = (role: "prefill" | "decode", a: "p" | "d"): SweepSetting[] => [
    { path: `${role}.replicas`, abbreviation: a, idStyle: "number" },
    { path: `${role}.tensorParallel`, abbreviation: `${a}tp`, idStyle: "number" },
    { path: `${role}.pipelineParallel`, abbreviation: `${a}pp`, idStyle: "number" },
    { path: `${role}.dataParallel`, abbreviation: `${a}dp`, idStyle: "number" },
    { path: `${role}.nodesPerWorker`, abbreviation: `${a}n`, idStyle: "number" },
    { path: `${role}.extraArgs`, abbreviation: `${a}a`, idStyle: "set" },
    { path: `${role}.env`, abbreviation: `${a}e`, idStyle: "set" },
];

export const SWEEPABLE_SETTINGS: readonly SweepSetting[] = [
    { path: "mode", abbreviation: "", idStyle: "word" },
    { path: "backend", abbreviation: "", idStyle: "word" },
    { path: "frontend.routerMode", abbreviation: "", idStyle: "word" },
    { path: "frontend.replicas", abbreviation: "f", idStyle: "number" },
    ...worker("prefill", "p"),
    ...worker("decode", "d"),
    { path: "env", abbreviation: "e", idStyle: "set" },
    // The local mocker's simulated KV transfer: a CloudAI DynamoMocker design-space dimension.
    { path: "local.mocker.kvTransferBandwidthGBps", abbreviation: "kvbw", idStyle: "number" },
];

/** Short forms of long enum values, so ids stay short: "disaggregated" -> "disagg". */
const VALUE_ABBREVIATIONS: Record<string, string> = {
    disaggregated: "disagg",
    aggregated: "agg",
    "round-robin": "rr",
    "power-of-two": "p2c",
    "least-loaded": "ll",
};

const BY_PATH = new Map(SWEEPABLE_SETTINGS.map((s) => [s.path, s]));

export function sweepSetting(path: string): SweepSetting | undefined {
    return BY_PATH.get(path);
}

export const SWEEPABLE_PATHS: readonly string[] = SWEEPABLE_SETTINGS.map((s) => s.path);

/** A value given as `{ label, value }`: the label names it in ids, the value is what the config gets. */
export interface LabelledValue {
    label: string;
    value: unknown;
}

/**
 * `{ label: "fp8", value: [...] }` (exactly these two keys, a string label). An
 * env map whose only variables are `label` and `value` would read the same;
 * such a map must be given labelled itself.
 */
export function isLabelled(value: unknown): value is LabelledValue {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const keys = Object.keys(value).sort();
    return keys.length === 2 && keys[0] === "label" && keys[1] === "value" && typeof (value as LabelledValue).label === "string";
}

/** What the configuration gets for a sweep value: a labelled value's `value`, anything else as typed. */
export function configValue(value: unknown): unknown {
    return isLabelled(value) ? value.value : value;
}

/**
 * The id part of one value. `position` is the 1-based place of the value among
 * the distinct values the sweep gives this setting (used for unlabelled sets).
 */
export function idPart(setting: SweepSetting, value: unknown, position: number): string {
    if (setting.idStyle === "set") return isLabelled(value) ? `${setting.abbreviation}-${value.label}` : `${setting.abbreviation}${position}`;
    const text = String(configValue(value));
    if (setting.idStyle === "word") return `${setting.abbreviation}${VALUE_ABBREVIATIONS[text] ?? text}`;
    return `${setting.abbreviation}${text}`;
}

/** Lowercase letters, digits and single dashes, as a DNS label needs. */
export function dnsSafe(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

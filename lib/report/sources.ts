// Reads the stack outputs of one benchmark stack or one sweep stack (the JSON of
// `pulumi stack output --json`) into one shape: a labelled source with a list
// of points, so several stacks or runs compare in one report. Pure; reading
// files and running Pulumi is in lib/report/inputs.ts.
import { definedOnly } from "../outputs";
import type { StackOutputs } from "../results";
import type { PointLoad, SweepPointFigures } from "../sweep/frontier";

/** One point of a source: the frontier's input, plus what the report shows beside it. */
export interface ReportPoint extends SweepPointFigures {
    resultsStatus?: string;
    timings?: Record<string, number>;
}

/** The points of one stack (or one outputs file), under a label that tells sources apart. */
export interface ReportSource {
    label: string;
    kind: "benchmark" | "sweep";
    target?: string;
    benchmark?: string;
    model?: string;
    dynamoVersion?: string;
    resultsStatus?: string;
    points: ReportPoint[];
    /** A sweep's points skipped before deployment by a rule or constraint: id -> reasons (`details.rejectedPoints`). */
    rejected?: Record<string, string[]>;
}

/** A problem with the outputs' shape, naming the source and the key. */
export class OutputsShapeError extends Error {}

type Json = Record<string, unknown>;

/**
 * A single benchmark's outputs (top-level `phases`) become one point whose id
 * is the benchmark name; a sweep's (`points`) one point per entry. The stored
 * `frontier` and `best` are ignored: the report recomputes them from the figures.
 */
export function normaliseOutputs(label: string, outputs: unknown): ReportSource {
    const at = (key: string) => `${label}: ${key}`;
    const top = object(outputs, at("the outputs"));
    const header = {
        label,
        target: optionalString(top.target, at("target")),
        benchmark: optionalString(top.benchmark, at("benchmark")),
        model: optionalString(top.model, at("model")),
        dynamoVersion: optionalString(top.dynamoVersion, at("dynamoVersion")),
        resultsStatus: optionalString(top.resultsStatus, at("resultsStatus")),
    };
    if (top.points !== undefined) {
        const entries = Object.entries(object(top.points, at("points")));
        const points = entries.map(([id, raw]) => readPoint(id, object(raw, at(`points.${id}`)), (key) => at(`points.${id}.${key}`)));
        return definedOnly({ ...header, kind: "sweep" as const, points, rejected: rejectedPoints(top.details, at("details.rejectedPoints")) });
    }
    if (top.phases === undefined) {
        throw new OutputsShapeError(
            `${label}: neither "phases" (a benchmark stack) nor "points" (a sweep stack); is this the JSON of \`pulumi stack output --json\`?`,
        );
    }
    const id = header.benchmark ?? label;
    const point = readPoint(id, { ...top, settings: {} }, at);
    return definedOnly({ ...header, kind: "benchmark" as const, points: [point] });
}

/** `at(key)` names a key of this point in messages: "<label>: points.<id>.<key>", or "<label>: <key>" for a benchmark stack. */
function readPoint(id: string, raw: Json, at: (key: string) => string): ReportPoint {
    const phases = object(raw.phases ?? {}, at("phases"));
    const workerGpus = raw.workerGpus;
    const loads = readLoads(raw.loads, at("loads"));
    if (typeof workerGpus !== "number" || !Number.isFinite(workerGpus)) {
        throw new OutputsShapeError(`${at("workerGpus")}: expected a number, got ${JSON.stringify(workerGpus)}`);
    }
    return definedOnly({
        id,
        settings: object(raw.settings ?? {}, at("settings")),
        workerGpus,
        loads,
        phases: Object.fromEntries(inLoadOrder(Object.keys(phases), loads).map((name) => [name, object(phases[name], at(`phases.${name}`)) as StackOutputs])),
        resultsStatus: optionalString(raw.resultsStatus, at("resultsStatus")),
        timings: raw.timings === undefined ? undefined : numbers(object(raw.timings, at("timings"))),
    });
}

/**
 * Phase names by the load they applied (concurrency, then request rate), else
 * in natural order (c1, c4, c16): `pulumi stack output --json` sorts keys as
 * text, which would put c16 before c4.
 */
export function inLoadOrder(names: readonly string[], loads: Record<string, PointLoad>): string[] {
    const level = (name: string) => loads[name]?.concurrency ?? loads[name]?.requestRate ?? Number.POSITIVE_INFINITY;
    return [...names].sort((a, b) => level(a) - level(b) || a.localeCompare(b, "en", { numeric: true }));
}

function readLoads(raw: unknown, where: string): Record<string, PointLoad> {
    if (raw === undefined) return {};
    return Object.fromEntries(
        Object.entries(object(raw, where)).map(([phase, load]) => {
            const l = object(load, `${where}.${phase}`);
            return [
                phase,
                definedOnly({
                    concurrency: optionalNumber(l.concurrency, `${where}.${phase}.concurrency`),
                    requestRate: optionalNumber(l.requestRate, `${where}.${phase}.requestRate`),
                }),
            ];
        }),
    );
}

function rejectedPoints(details: unknown, where: string): Record<string, string[]> | undefined {
    const raw = details !== null && typeof details === "object" ? (details as Json).rejectedPoints : undefined;
    if (raw === undefined) return undefined;
    return Object.fromEntries(
        Object.entries(object(raw, where)).map(([id, reasons]) => {
            if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === "string")) {
                throw new OutputsShapeError(`${where}.${id}: expected a list of reasons, got ${JSON.stringify(reasons)}`);
            }
            return [id, reasons];
        }),
    );
}

function object(value: unknown, where: string): Json {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new OutputsShapeError(`${where}: expected an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
    }
    return value as Json;
}

function optionalString(value: unknown, where: string): string | undefined {
    if (value === undefined || typeof value === "string") return value;
    throw new OutputsShapeError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function optionalNumber(value: unknown, where: string): number | undefined {
    if (value === undefined || (typeof value === "number" && Number.isFinite(value))) return value;
    throw new OutputsShapeError(`${where}: expected a number, got ${JSON.stringify(value)}`);
}

/** Timings keep only their numbers (a target may add others under details, not here). */
function numbers(raw: Json): Record<string, number> {
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
}

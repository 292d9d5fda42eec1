// From raw stack config to what the program deploys: one BenchmarkSpec, or,
// with a `sweep` section, one per point. Each point is the base config with the
// point's settings set before parsing, then parsed, ruled and resolved like a
// single benchmark (config/load.ts), so no check is written twice. Every
// problem is found before any resource is registered.
import { ConfigError, describeIssue, loadSpec } from "./load";
import { toDnsLabel } from "./names";
import { resolveSpec, type BenchmarkSpec } from "./resolve";
import { checkRules, type RuleViolation } from "./rules";
import { benchmarkSpecSchema } from "./schema";
import { sweepSchema, type SweepSpec } from "./sweep";
import { checkSweepConstraints, checkSweepTarget } from "../lib/sweep/constraints";
import { expandPoints, pointConfig, pointCount, unknownSettings, type ExpandedPoint } from "../lib/sweep/expand";
import { describeSettings, duplicateIds, pointIds, sweepField } from "../lib/sweep/ids";

/** Longest benchmark name a point may get (the dnsLabel rule of config/schema.ts). */
const MAX_NAME = 40;

export interface PlannedPoint {
    id: string;
    /** The point's settings as typed: dotted path -> value. */
    settings: Record<string, unknown>;
    spec: BenchmarkSpec;
}

export interface RejectedPoint {
    id: string;
    settings: Record<string, unknown>;
    /** Why it is skipped: the rules and constraints it fails. */
    reasons: RuleViolation[];
}

export interface SweepPlan {
    /** The sweep's own name (config `name`, default the stack name); point i's benchmark name is `<name>-<id>`. */
    name: string;
    points: PlannedPoint[];
    rejected: RejectedPoint[];
    sweep: SweepSpec;
}

/** A stack is one benchmark, or a sweep of them. */
export type StackPlan = { spec: BenchmarkSpec; sweep?: undefined } | { sweep: SweepPlan; spec?: undefined };

export function loadStack(raw: Record<string, unknown>, stack: string, namespace = "dynamo-bench", secretsPresent?: ReadonlySet<string>): StackPlan {
    if (raw.sweep === undefined) return { spec: loadSpec(raw, stack, namespace, secretsPresent) };
    return { sweep: loadSweep(raw, stack, namespace, secretsPresent) };
}

export function loadSweep(raw: Record<string, unknown>, stack: string, namespace = "dynamo-bench", secretsPresent?: ReadonlySet<string>): SweepPlan {
    const fail = (violations: RuleViolation[]) => {
        if (violations.length > 0) throw new ConfigError(violations, namespace);
    };
    const { sweep: rawSweep, ...base } = raw;
    const parsed = sweepSchema.safeParse(rawSweep, { reportInput: true });
    if (!parsed.success) fail(parsed.error.issues.flatMap(describeIssue).map((v) => ({ ...v, path: v.path === "(root)" ? "sweep" : `sweep.${v.path}` })));
    const sweep = parsed.data!;
    fail(unknownSettings(sweep));
    fail(countProblems(sweep));
    const expanded = expandPoints(sweep);
    const ids = pointIds(expanded);
    fail(duplicateIds(expanded, ids));
    const name = typeof base.name === "string" ? base.name : toDnsLabel(stack);
    fail(nameProblems(name, ids));

    const evaluated = expanded.map((point, i) => evaluatePoint(base, point, ids[i]!, name, stack, sweep, secretsPresent));
    fail(uniqueViolations(evaluated.flatMap((e) => e.fieldErrors)));
    // A rule every point fails is a problem of the base config: one line, not one per point.
    const shared = sharedViolations(evaluated.map((e) => e.reasons));
    fail(shared);
    const points: PlannedPoint[] = [];
    const rejected: RejectedPoint[] = [];
    evaluated.forEach((e, i) => {
        const { settings } = expanded[i]!;
        if (e.spec) points.push({ id: ids[i]!, settings, spec: e.spec });
        else rejected.push({ id: ids[i]!, settings, reasons: e.reasons });
    });
    if (points.length === 0) fail(allRejected(expanded, rejected));
    fail(checkSweepTarget(points[0]!.spec, sweep));
    return { name, points, rejected, sweep };
}

/** A rejected point as one line: its id and each reason with its field. */
export function describeRejection(point: RejectedPoint): string {
    return `${point.id}: ${point.reasons.map((r) => `${r.path} ${r.message}`).join("; ")}`;
}

interface Evaluated {
    spec?: BenchmarkSpec;
    /** Schema errors: a swept value of the wrong shape, or the base config's own. */
    fieldErrors: RuleViolation[];
    /** Rules and constraints the point fails: it is skipped. */
    reasons: RuleViolation[];
}

function evaluatePoint(
    base: Record<string, unknown>,
    point: ExpandedPoint,
    id: string,
    name: string,
    stack: string,
    sweep: SweepSpec,
    secretsPresent: ReadonlySet<string> | undefined,
): Evaluated {
    const raw = { ...pointConfig(base, point.settings), name: `${name}-${id}` };
    const parsed = benchmarkSpecSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        return { fieldErrors: parsed.error.issues.flatMap(describeIssue).map((v) => blameSetting(v, point, id)), reasons: [] };
    }
    const violations = checkRules(parsed.data, stack, secretsPresent);
    if (violations.length > 0) return { fieldErrors: [], reasons: violations };
    const spec = resolveSpec(parsed.data, stack);
    const reasons = checkSweepConstraints(spec, sweep.constraints);
    return reasons.length > 0 ? { fieldErrors: [], reasons } : { spec, fieldErrors: [], reasons: [] };
}

/** A schema error under a swept setting names the sweep field and the point; any other is the base config's. */
function blameSetting(violation: RuleViolation, point: ExpandedPoint, id: string): RuleViolation {
    const setting = Object.keys(point.settings).find((s) => violation.path === s || violation.path.startsWith(`${s}.`) || violation.path.startsWith(`${s}[`));
    if (!setting) return violation;
    return { path: point.origin[setting]!, message: `in point ${id}, ${violation.path} ${violation.message}` };
}

function countProblems(sweep: SweepSpec): RuleViolation[] {
    const count = pointCount(sweep);
    if (count === 0) return [{ path: "sweep", message: "expected sweep.grid or sweep.points to give at least one point, got none" }];
    if (count <= sweep.maxPoints) return [];
    const lists = Object.entries(sweep.grid).map(([key, values]) => `${values.length} ${key}`);
    const made = [...(lists.length > 0 ? [`grid ${lists.join(" x ")}`] : []), ...(sweep.points.length > 0 ? [`${sweep.points.length} explicit`] : [])];
    return [
        {
            path: "sweep.maxPoints",
            message: `expected at most ${sweep.maxPoints} points, the sweep makes ${count} (${made.join(" + ")}); raise sweep.maxPoints or shrink the sweep`,
        },
    ];
}

function nameProblems(name: string, ids: readonly string[]): RuleViolation[] {
    const longest = ids.reduce((a, b) => (b.length > a.length ? b : a), "");
    const full = `${name}-${longest}`;
    if (full.length <= MAX_NAME) return [];
    return [
        {
            path: "name",
            message: `expected "<name>-<point id>" to have at most ${MAX_NAME} characters (resource names derive from it), got "${full}" (${full.length}); set a shorter name, or labels that shorten the ids`,
        },
    ];
}

function uniqueViolations(violations: RuleViolation[]): RuleViolation[] {
    const seen = new Set<string>();
    return violations.filter((v) => {
        const key = `${v.path}\0${v.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

function sharedViolations(perPoint: RuleViolation[][]): RuleViolation[] {
    const [first, ...rest] = perPoint;
    if (!first) return [];
    const has = (list: RuleViolation[], v: RuleViolation) => list.some((o) => o.path === v.path && o.message === v.message);
    return uniqueViolations(first.filter((v) => rest.every((list) => has(list, v))));
}

function allRejected(expanded: readonly ExpandedPoint[], rejected: readonly RejectedPoint[]): RuleViolation[] {
    return [
        { path: "sweep", message: `expected at least one point to pass the checks, got none of ${rejected.length}; each point's reasons follow` },
        ...rejected.map((point, i) => ({ path: sweepField(expanded[i]!), message: `point ${describeRejection(point)} (${describeSettings(expanded[i]!)})` })),
    ];
}

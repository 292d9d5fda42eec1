// `dynamo-bench import cloudai`: a CloudAI scenario (its tests, its system)
// -> one dynamo-bench stack configuration per test run, with a report of what
// happened to every field, checked by the same loader `pulumi preview` uses.
// Pure: the caller reads the files (read.ts) and writes the results.
import { ConfigError } from "../../../config/load";
import { loadStack } from "../../../config/load-sweep";
import { toDnsLabel } from "../../../config/names";
import { SWEEPABLE_PATHS } from "../../sweep/settings";
import { assembleArgs } from "./assemble";
import { Draft } from "./draft";
import { ImportError } from "./errors";
import { COMMON_ROWS } from "./fields-common";
import { DYNAMO_ROWS } from "./fields-dynamo";
import { CONNECTOR_ROWS, finishConnectors } from "./connectors";
import { finishWideEp } from "./wide-ep";
import { MOCKER_ROWS } from "./fields-mocker";
import { testRuns, type CloudaiSources, type TestRun } from "./read";
import { summaryLine, type ImportReport, type ReportLine } from "./report";
import { walk, type FieldRow, type Scope, type Target } from "./table";
import { applyTopology, workerShape } from "./topology";

export { ImportError } from "./errors";
export { readSources } from "./read";
export { renderReport, summaryLine } from "./report";
export { renderStackFile } from "./stack-file";

/** The one field table: every CloudAI field this importer knows, in match order. */
export const FIELD_TABLE: readonly FieldRow[] = [...COMMON_ROWS, ...DYNAMO_ROWS, ...CONNECTOR_ROWS, ...MOCKER_ROWS];

export const TEMPLATES = ["AIDynamo", "DynamoMocker"] as const;

/** cmd_args.dynamo.model and cmd_args.model_path default to it in CloudAI. */
const CLOUDAI_DEFAULT_MODEL = "Qwen/Qwen3-0.6B";

const SCHEDULERS: Record<string, Target> = { slurm: "slurm", kubernetes: "kubernetes", standalone: "local" };

export interface ImportedStack {
    stack: string;
    /** The stack's configuration: keys without the project prefix. */
    config: Record<string, unknown>;
    /** Lines for the head of the stack file. */
    comments: string[];
    report: ImportReport;
}

export function importCloudai(sources: CloudaiSources): ImportedStack[] {
    const target = targetOf(sources);
    const used = new Set<string>();
    return testRuns(sources).map((run) => {
        let stack = toDnsLabel(run.id);
        for (let i = 2; used.has(stack); i++) stack = `${toDnsLabel(run.id).slice(0, 36)}-${i}`;
        used.add(stack);
        return importRun(sources, run, stack, target);
    });
}

function targetOf(sources: CloudaiSources): Target {
    if (!sources.system) return "local";
    const scheduler = String(sources.system.doc.scheduler ?? "");
    const target = SCHEDULERS[scheduler];
    if (!target) {
        throw new ImportError(
            `${sources.system.file}: scheduler "${scheduler}" is a system type dynamo-bench has no target for (supported: ${Object.keys(SCHEDULERS).join(", ")}); import without --system to rehearse on the local target`,
        );
    }
    return target;
}

function importRun(sources: CloudaiSources, run: TestRun, stack: string, target: Target): ImportedStack {
    if (!(TEMPLATES as readonly string[]).includes(run.template)) {
        throw new ImportError(`${run.testFile}: test_template_name "${run.template}" is not a CloudAI workload dynamo-bench imports (${TEMPLATES.join(", ")})`);
    }
    if (run.template === "DynamoMocker" && target !== "local") {
        throw new ImportError(
            `${run.testFile}: a DynamoMocker test runs on a standalone system only (in CloudAI too), got scheduler ${String(sources.system?.doc.scheduler)}`,
        );
    }
    const draft = new Draft();
    draft.set("target", target);
    const lines: ReportLine[] = [];
    const secrets: string[] = [];
    const ctx = { draft, target, run: run.entry, ...(sources.system ? { system: sources.system.doc } : {}) };
    const walkDoc = (scopes: Scope[], doc: Record<string, unknown>, source: string, extra: { overridden?: { paths: Set<string>; source: string } } = {}) =>
        walk({ rows: FIELD_TABLE, scopes, doc, source, ctx, lines, secrets, ...extra });

    const { Tests: _tests, ...scenarioFields } = sources.scenario.doc;
    walkDoc(["scenario"], { ...scenarioFields, Tests: _tests }, sources.scenario.file);
    walkDoc(["run"], run.entry, sources.scenario.file);
    if (sources.system) walkDoc(["system"], sources.system.doc, sources.system.file);
    walkDoc([run.template as Scope, "test"], run.test, run.testFile, { overridden: { paths: run.overridden, source: sources.scenario.file } });

    if (run.template === "AIDynamo") {
        const dynamo = ((run.test.cmd_args as Record<string, unknown>)?.dynamo ?? {}) as Record<string, Record<string, unknown>>;
        const gpus = typeof draft.get("gpusPerNode") === "number" ? (draft.get("gpusPerNode") as number) : 8;
        // CloudAI runs every Slurm step in the image (pyxis); the image defaults to platform.version's.
        if (target === "slurm") draft.set("slurm.container.runtime", "pyxis");
        for (const t of applyTopology(draft, target, gpus, workerShape(dynamo.prefill_worker), workerShape(dynamo.decode_worker), run.entry.num_nodes)) {
            lines.push({ field: "(topology)", source: run.testFile, outcome: t.to ? "mapped" : "not mapped", ...(t.to ? { to: t.to } : {}), note: t.note });
        }
        finishConnectors(draft, target, lines, run.testFile);
        finishWideEp(draft, target, gpus, dynamo, lines, run.testFile);
    } else {
        finishMocker(draft, lines, run.testFile);
    }
    finishDefaults(draft, target, lines, run.testFile);
    finishPhases(draft, lines, run.testFile);
    assembleArgs(draft);
    finishSweep(draft, run, lines);
    draft.set("name", draft.grid && Object.keys(draft.grid).length > 0 ? stack.slice(0, 20).replace(/-+$/, "") : stack);

    const config = orderKeys(draft.config);
    const validation = validate(config, stack);
    const report: ImportReport = {
        stack,
        scenario: sources.scenario.file,
        testRun: run.id,
        target,
        lines,
        secretCommands: secrets.map((s) => s.replace("{stack}", stack)),
        validation,
    };
    return { stack, config, comments: [...draft.comments, `Fields: ${summaryLine(lines)}; see ${stack}.import-report.md.`], report };
}

/** An accuracy run goes after the load phases; without named phases the base load becomes the phase "main". */
function finishPhases(draft: Draft, lines: ReportLine[], source: string): void {
    if (draft.trailingPhases.length === 0) return;
    if (Array.isArray(draft.get("benchmark.concurrency")) || Array.isArray(draft.get("benchmark.requestRate"))) {
        lines.push({
            field: "(phases)",
            source,
            outcome: "not mapped",
            note: "an accuracy phase cannot follow a load list (benchmark.concurrency as a list); write the load phases out",
        });
        return;
    }
    const phases = (draft.get("benchmark.phases") as Array<Record<string, unknown>> | undefined) ?? [{ name: "main" }];
    draft.set("benchmark.phases", [...phases, ...draft.trailingPhases]);
}

/** CloudAI's model default (both templates), and what it assumes of a Kubernetes cluster. */
function finishDefaults(draft: Draft, target: Target, lines: ReportLine[], source: string): void {
    if (draft.get("model.id") === undefined) {
        draft.set("model.id", CLOUDAI_DEFAULT_MODEL);
        lines.push({ field: "(model)", source, outcome: "adjusted", to: "model.id", note: `unset: CloudAI's default ${CLOUDAI_DEFAULT_MODEL}` });
    }
    if (target === "kubernetes") {
        draft.set("platform.install", false);
        lines.push({
            field: "(platform)",
            source,
            outcome: "adjusted",
            to: "platform.install",
            note: "false: CloudAI deploys into a cluster where the Dynamo platform is installed already; set true to install it with the stack",
        });
    }
}

/** CloudAI's mocker has no prefill-to-decode handoff; its defaults differ from the local stack's. */
function finishMocker(draft: Draft, lines: ReportLine[], source: string): void {
    if (draft.get("local.speedupRatio") === undefined) {
        draft.set("local.speedupRatio", 1);
        lines.push({
            field: "cmd_args.engine.speedup_ratio",
            source,
            outcome: "adjusted",
            to: "local.speedupRatio",
            note: "unset: CloudAI's default 1 (real timing), not the local stack's 10",
        });
    }
    if (draft.get("mode") === "disaggregated" || draft.get("mode") === undefined) {
        draft.set("mode", "disaggregated");
        draft.set("local.mocker.handoff", false);
        lines.push({
            field: "cmd_args.worker.disaggregation_mode",
            source,
            outcome: "adjusted",
            to: "local.mocker.handoff",
            note: "false: CloudAI starts its prefill mockers without --bootstrap-ports; with the handoff on, max_num_seqs below the concurrency fails requests (config/rules/local.ts)",
        });
    }
}

function finishSweep(draft: Draft, run: TestRun, lines: ReportLine[]): void {
    const grid = Object.entries(draft.grid);
    if (grid.length === 0) return;
    for (const [path, values] of grid) {
        if (SWEEPABLE_PATHS.includes(path)) continue;
        delete draft.grid[path];
        draft.set(path, values[0]);
        lines.push({
            field: "(sweep)",
            source: run.testFile,
            outcome: "not mapped",
            to: path,
            note: `a CloudAI design-space dimension over ${path} (${values.length} values) cannot be swept here (sweepable: ${SWEEPABLE_PATHS.join(", ")}); the first value, ${JSON.stringify(values[0])}, is used`,
        });
    }
    if (Object.keys(draft.grid).length === 0) return;
    const constraints = (run.test.constraints ?? {}) as Record<string, unknown>;
    // CloudAI checks prefill TP <= decode TP unless told not to.
    draft.set("sweep", { grid: draft.grid, constraints: { prefillTpAtMostDecodeTp: constraints.prefill_tp_le_decode_tp !== false } });
}

const KEY_ORDER = ["target", "name", "model", "backend", "mode", "gpusPerNode", "image", "platform", "frontend", "prefill", "decode", "env", "benchmark"];

function orderKeys(config: Record<string, unknown>): Record<string, unknown> {
    const keys = Object.keys(config).sort((a, b) => rank(a) - rank(b));
    return Object.fromEntries(keys.map((k) => [k, config[k]]));
}
const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);

function validate(config: Record<string, unknown>, stack: string): ImportReport["validation"] {
    try {
        const plan = loadStack(config, stack);
        const summary = plan.sweep
            ? `Validates: a sweep of ${plan.sweep.points.length} point(s)${plan.sweep.rejected.length ? `, ${plan.sweep.rejected.length} skipped by a rule` : ""}.`
            : `Validates: ${plan.spec.phases.length} load phase(s) (${plan.spec.phases.map((p) => p.name).join(", ")}), ${plan.spec.totalWorkerGpus} worker GPU(s).`;
        return { ok: true, summary };
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return { ok: false, problems: e.violations.map((v) => `dynamo-bench:${v.path}: ${v.message}`) };
    }
}

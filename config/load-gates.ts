// From the stack config's `gates` section to what the program judges with:
// the settings (already validated with every other field by config/schema.ts),
// the phase names the SLOs name checked against the phases the stack runs, and
// a baseline file read here, at the program's edge. Errors name the field.
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "./load";
import type { StackPlan } from "./load-sweep";
import { gatesSchema, type GatesSpec } from "./gates";
import type { RuleViolation } from "./rules";
import { baselineProblem, type Baseline, type GatedOutputs } from "../lib/gates/verdict";

export interface GatesPlan {
    settings: GatesSpec;
    /** The baseline read from gates.baseline.file; a baseline stack is read by the program (a StackReference). */
    baselineFile?: Baseline;
}

/** The phases the stack runs (every sweep point runs the same loads). */
export function plannedPhaseNames(plan: StackPlan): string[] {
    const spec = plan.spec ?? plan.sweep.points[0]!.spec;
    return spec.phases.map((p) => p.name);
}

export function loadGates(raw: Record<string, unknown>, plan: StackPlan, projectDir: string, namespace = "dynamo-bench"): GatesPlan {
    // Field errors were reported with every other field when the plan was loaded; this cannot fail on them.
    const settings = gatesSchema.parse(raw.gates ?? {});
    const violations: RuleViolation[] = [];
    const phases = plannedPhaseNames(plan);
    settings.slo.forEach((slo, i) => {
        if (slo.phase !== undefined && !phases.includes(slo.phase)) {
            violations.push({ path: `gates.slo[${i}]`, message: `names phase "${slo.phase}", which this stack does not run (phases: ${phases.join(", ")})` });
        }
    });
    let baselineFile: Baseline | undefined;
    const file = settings.baseline?.file;
    if (file !== undefined) {
        const read = readOutputsFile(path.resolve(projectDir, file));
        if ("error" in read) violations.push({ path: "gates.baseline.file", message: read.error });
        else {
            baselineFile = { label: `file ${file}`, outputs: read.outputs };
            const problem = baselineProblem(baselineFile);
            if (problem) violations.push({ path: "gates.baseline.file", message: problem });
        }
    }
    if (violations.length > 0) throw new ConfigError(violations, namespace);
    return { settings, ...(baselineFile ? { baselineFile } : {}) };
}

/** A file of `pulumi stack output --json`, or why it is not one. */
export function readOutputsFile(file: string): { outputs: GatedOutputs } | { error: string } {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        return { error: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    try {
        const value = JSON.parse(text) as unknown;
        if (value !== null && typeof value === "object" && !Array.isArray(value)) return { outputs: value as GatedOutputs };
        return { error: `expected ${file} to hold a JSON object (pulumi stack output --json), got ${Array.isArray(value) ? "an array" : typeof value}` };
    } catch (error) {
        return { error: `expected ${file} to hold JSON (pulumi stack output --json): ${(error as Error).message}` };
    }
}

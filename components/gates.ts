// The gates in the program: the verdict is judged from the figures (pure,
// lib/gates) and added to the stack outputs, and one small resource, created
// once the figures are known, fails `pulumi up` with the reasons when a gate
// fails. A resource rather than a thrown error because: the figures and the
// verdict stay recorded as stack outputs (the benchmark's own resources
// succeeded), the failure reads as one message under one named resource, and a
// failed create leaves nothing in the state, so the next `up` judges again
// (a new baseline, a changed tolerance) without running the benchmark again.
import * as pulumi from "@pulumi/pulumi";
import type { GatesPlan } from "../config/load-gates";
import type { StackPlan } from "../config/load-sweep";
import type { BenchmarkSpec } from "../config/resolve";
import { notJudgedReason, validityProblems, type AskedPlan } from "../lib/gates/judge-stack";
import { baselineProblem, judgeGates, type Baseline, type GatedOutputs, type GatesVerdict } from "../lib/gates/verdict";

/** What the gates add to every stack's outputs (lib/outputs.ts GATE_OUTPUT_KEYS). */
export interface GateOutputs {
    valid: pulumi.Output<boolean>;
    invalidReasons: pulumi.Output<string[]>;
    gates: pulumi.Output<GatesVerdict>;
}

interface VerdictInputs {
    status: string;
    failures: string[];
    recorded: string[];
}

/** Serialized into the state by Pulumi: uses nothing but its inputs. */
const verdictProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: VerdictInputs) {
        if (inputs.failures.length > 0) {
            const lines = inputs.failures.map((f) => `  - ${f}`).join("\n");
            throw new Error(
                `the benchmark's gates failed (${inputs.failures.length}); the figures are recorded in the stack outputs:\n${lines}\n` +
                    "See docs/gates.md; gates.onInvalid and gates.onRegression set to record keep such results without failing.",
            );
        }
        return { id: "verdict", outs: inputs };
    },
    async diff(_id: string, olds: VerdictInputs, news: VerdictInputs) {
        const changes = JSON.stringify(olds) !== JSON.stringify(news);
        // A new verdict is judged by create: replace.
        return { changes, replaces: changes ? ["failures"] : [] };
    },
};

class Verdict extends pulumi.dynamic.Resource {
    constructor(name: string, inputs: { [K in keyof VerdictInputs]: pulumi.Input<VerdictInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(verdictProvider, name, inputs, opts);
    }
}

/** The gates of one stack as a component: `dynamo-bench:gates:Gates <name>-gates`, holding the verdict resource. */
export class Gates extends pulumi.ComponentResource {
    public readonly outputs: GateOutputs;

    constructor(name: string, args: { figures: pulumi.Output<GatedOutputs>; plan: AskedPlan; gates: GatesPlan }, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:gates:Gates", name, {}, opts);
        const { settings } = args.gates;
        const baseline = baselineOf(args.gates, this);
        const invalidReasons = args.figures.apply((o) => {
            const notJudged = notJudgedReason(o);
            return notJudged ? [notJudged] : validityProblems(o, args.plan, settings);
        });
        const verdict = pulumi
            .all([args.figures, invalidReasons, baseline])
            .apply(([o, reasons, base]) => judgeGates(o, notJudgedReason(o) ? [] : reasons, settings, base));
        const inputs = { status: verdict.apply((v) => v.status), failures: verdict.apply((v) => v.failures), recorded: verdict.apply((v) => v.recorded) };
        new Verdict(`${name}-verdict`, inputs, { parent: this });
        this.outputs = { valid: invalidReasons.apply((r) => r.length === 0), invalidReasons, gates: verdict };
        this.registerOutputs({ ...this.outputs });
    }
}

/** The baseline: the file read at the program's edge, or another stack's outputs through a StackReference (read at run time). */
function baselineOf(gates: GatesPlan, parent: pulumi.Resource): pulumi.Output<Baseline | undefined> {
    if (gates.baselineFile) return pulumi.output(gates.baselineFile);
    const stack = gates.settings.baseline?.stack;
    if (stack === undefined) return pulumi.output(undefined);
    // Named after the setting, so the engine's own error for a stack that does not exist names it too.
    const ref = new pulumi.StackReference("gates.baseline.stack", { name: stack }, { parent });
    return ref.outputs.apply((outputs) => {
        const baseline = { label: `stack ${stack}`, outputs: outputs as GatedOutputs };
        // Known at preview already (a reference is read, not deployed): stop there, before the benchmark runs for nothing.
        const problem = baselineProblem(baseline);
        if (problem) throw new pulumi.RunError(`dynamo-bench:gates.baseline.stack: ${problem}; run that stack first, or name one that has run`);
        return baseline;
    });
}

/** Judges the stack's figures with its gates and returns its outputs with valid, invalidReasons and gates added. */
export function withGates<T extends object>(outputs: T, plan: StackPlan, gates: GatesPlan, name: string): T & GateOutputs {
    const o = outputs as { resultsStatus?: pulumi.Input<string>; phases?: pulumi.Input<object>; points?: pulumi.Input<object> };
    const figures = pulumi.output({ resultsStatus: o.resultsStatus, phases: o.phases, points: o.points }) as unknown as pulumi.Output<GatedOutputs>;
    const gated = new Gates(`${name}-gates`, { figures, plan: askedPlan(plan), gates });
    return { ...outputs, ...gated.outputs };
}

function askedPlan(plan: StackPlan): AskedPlan {
    const of = (spec: BenchmarkSpec) => ({ phases: spec.phases, benchmark: spec.benchmark });
    if (plan.spec) return { single: of(plan.spec) };
    return { points: Object.fromEntries(plan.sweep.points.map((p) => [p.id, of(p.spec)])) };
}

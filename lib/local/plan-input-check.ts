// The checks of a local run plan's input, all at once: the config validator
// refuses bad stacks before this; these guard direct callers (tests, the CLI).
import * as path from "node:path";
import { PlanError, type LocalPorts, type LocalRunPlanInput } from "./plan-types";

const PHASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `workers`: the worker processes the plan starts (one system port each with server metrics). */
export function checkPlanInput(input: LocalRunPlanInput, ports: LocalPorts, workers: number): void {
    const problems: string[] = [];
    if (!input.runId.trim()) problems.push("runId is empty");
    if (!path.isAbsolute(input.runDir)) problems.push(`runDir must be an absolute path, got "${input.runDir}"`);
    if (!input.venv) problems.push("venv is empty");
    if (!input.model.path) problems.push("model.path is empty");
    if (!input.model.servedName) problems.push("model.servedName is empty");
    if (!(input.speedupRatio >= 0)) problems.push(`speedupRatio must be >= 0, got ${input.speedupRatio}`);
    if (!Number.isInteger(input.decode.replicas) || input.decode.replicas < 1)
        problems.push(`decode.replicas must be at least 1, got ${input.decode.replicas}`);
    if (input.mode === "disaggregated") {
        if (!Number.isInteger(input.prefill.replicas) || input.prefill.replicas < 1) {
            problems.push(`prefill.replicas must be at least 1 in disaggregated mode, got ${input.prefill.replicas}`);
        } else if (ports.bootstrap.length !== input.prefill.replicas) {
            problems.push(`expected ${input.prefill.replicas} bootstrap ports (one per prefill replica), got ${ports.bootstrap.length}`);
        }
    }
    if (input.benchmark.serverMetrics && ports.system?.length !== workers) {
        problems.push(`expected ${workers} system ports with server metrics (one per worker process), got ${ports.system?.length ?? 0}`);
    }
    if (input.benchmark.phases.length === 0) problems.push("benchmark.phases is empty");
    const names = new Set<string>();
    for (const [i, phase] of input.benchmark.phases.entries()) {
        if (!PHASE_NAME.test(phase.name)) problems.push(`benchmark.phases[${i}].name "${phase.name}" must be folder-safe (letters, digits, '.', '_', '-')`);
        if (names.has(phase.name)) problems.push(`benchmark.phases[${i}].name "${phase.name}" is used twice`);
        names.add(phase.name);
        for (const key of ["concurrency", "requestCount", "inputTokens", "outputTokens"] as const) {
            const value = phase[key];
            if (key === "concurrency" && value === undefined && phase.requestRate !== undefined) continue;
            if (value === undefined || !Number.isInteger(value) || value < 1)
                problems.push(`benchmark.phases[${i}].${key} must be a positive integer, got ${value}`);
        }
        if (phase.requestRate !== undefined && !(phase.requestRate > 0))
            problems.push(`benchmark.phases[${i}].requestRate must be > 0, got ${phase.requestRate}`);
        if (!Number.isInteger(phase.warmupRequests) || phase.warmupRequests < 0)
            problems.push(`benchmark.phases[${i}].warmupRequests must be >= 0, got ${phase.warmupRequests}`);
    }
    for (const key of ["readySeconds", "benchmarkSeconds", "teardownGraceSeconds"] as const) {
        if (!(input.timeouts[key] > 0)) problems.push(`timeouts.${key} must be > 0, got ${input.timeouts[key]}`);
    }
    if (problems.length > 0) throw new PlanError(`invalid local run plan input:\n  ${problems.join("\n  ")}`);
}

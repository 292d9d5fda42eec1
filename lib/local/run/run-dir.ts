// The run folder before anything starts: logs/, phases/, the discovery folder
// and plan.json, a record of what was planned that holds no secret.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalRunPlan, PlannedProcess } from "../plan";

export function prepareRunDir(plan: LocalRunPlan): void {
    for (const dir of ["logs", "phases"]) fs.mkdirSync(path.join(plan.runDir, dir), { recursive: true });
    fs.mkdirSync(plan.discoveryDir, { recursive: true });
    fs.writeFileSync(path.join(plan.runDir, "plan.json"), JSON.stringify(redactPlan(plan), null, 2) + "\n");
}

/** plan.json: argv and the names of planned and secretEnv variables, never environment values (they may hold tokens). */
function redactPlan(plan: LocalRunPlan): unknown {
    const proc = (p: PlannedProcess) => ({
        name: p.name,
        role: p.role,
        argv: p.argv,
        env: p.plannedEnvKeys,
        ...(p.secretEnvKeys.length > 0 ? { secretEnv: p.secretEnvKeys } : {}),
        logFile: p.logFile,
    });
    return {
        ...plan,
        processes: plan.processes.map(proc),
        benchmarkPhases: plan.benchmarkPhases.map((p) => ({ name: p.name, argv: p.argv, artifactDir: p.artifactDir, logFile: p.logFile })),
    };
}

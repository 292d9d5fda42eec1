// A real AIPerf export from the local mocker target, for the Kubernetes e2e
// tests to serve as a benchmark Job's log (through the kubelet-logs stand-in):
// the files the Job would print, made by a real AIPerf run against the mocker.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultVenv } from "../../lib/paths";
import { planLocalRun, portRequests, portsFromAllocation } from "../../lib/local/plan";
import { allocatePorts } from "../../lib/local/ports";
import { runLocalPlan } from "../../lib/local/runner";
import { localPlanInput } from "../helpers/local-input";
import { REPO_ROOT } from "./helpers";
import { TEST_PHASE } from "./k8s-cluster";

const VENV = defaultVenv(process.env);
export const venvSkip =
    fs.existsSync(path.join(VENV, "bin", "python")) && fs.existsSync(path.join(VENV, "bin", "aiperf"))
        ? false
        : `Python venv ${VENV} is missing (bash scripts/setup-python.sh): no mocker export to serve as the Job's log`;

/**
 * A real AIPerf export from the local mocker target (1 prefill + 1 decode,
 * the tiny offline model), phase "c1" like the stack's: the files the
 * benchmark Job would print, read back from the run folder.
 */
export async function mockerExport(work: string): Promise<Record<string, string>> {
    const modelDir = path.join(work, "tiny-model");
    const r = spawnSync(path.join(VENV, "bin", "python"), [path.join(REPO_ROOT, "scripts", "make-tiny-model.py"), modelDir], { encoding: "utf8" });
    assert.equal(r.status, 0, `make-tiny-model.py failed: ${r.stderr}`);
    const base = localPlanInput({ runId: `k8s-e2e-${process.pid}`, runDir: path.join(work, "run"), venv: VENV, modelPath: modelDir });
    const phase = { ...base.benchmark.phases[0]!, ...TEST_PHASE, warmupRequests: 0 };
    const input = {
        ...base,
        benchmark: { ...base.benchmark, phases: [phase] },
        timeouts: { readySeconds: 90, benchmarkSeconds: 120, teardownGraceSeconds: 10 },
    };
    const plan = planLocalRun(input, process.env, portsFromAllocation(await allocatePorts(portRequests(input))));
    const result = await runLocalPlan(plan, { handleSignals: false });
    const dir = result.phases[0]!.artifactDir;
    return Object.fromEntries(["profile_export_aiperf.json", "profile_export_aiperf.csv"].map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

// Rules of the slurm section: the node plan must be possible, the time limit
// sensible, and the login node reachable.
import type { ParsedSpec } from "../schema";
import { SECRET_KEYS } from "../secrets";
import { checkPlan } from "../../lib/facts/slurm-topology";
import { timeLimitSeconds } from "../../lib/facts/slurm-time";
import { gpusPerWorker } from "./common";
import type { RuleContext, RuleViolation } from "./violation";

const MAX_TIME_LIMIT_SECONDS = 365 * 86400;

export function checkSlurmRules(spec: ParsedSpec, context: Partial<RuleContext> = {}): RuleViolation[] {
    const s = spec.slurm;
    const out: RuleViolation[] = [];
    if (!s.outputDir) {
        out.push({
            path: "slurm.outputDir",
            message: "is required for target slurm: a directory the login node and every compute node see (e.g. /lustre/$USER/dynamo-bench)",
        });
    }
    if (s.engine === "mocker" && spec.backend === "trtllm") {
        out.push({ path: "slurm.engine", message: "expected backend vllm or sglang with the mocker (it has no TensorRT-LLM scheduler model), got trtllm" });
    }
    const worker = (w: ParsedSpec["decode"]) => ({
        replicas: w.replicas,
        nodesPerWorker: w.nodesPerWorker,
        gpusPerNodeOfWorker: gpusPerWorker(w) / w.nodesPerWorker,
    });
    for (const role of ["prefill", "decode"] as const) {
        if (role === "prefill" && spec.mode === "aggregated") continue;
        if (s.engine === "mocker" && spec[role].nodesPerWorker > 1) {
            out.push({
                path: `${role}.nodesPerWorker`,
                message: `expected 1 with the mocker engine (a mocker worker is one process), got ${spec[role].nodesPerWorker}`,
            });
        }
    }
    out.push(
        ...checkPlan({
            gpusPerNode: spec.gpusPerNode,
            decode: worker(spec.decode),
            prefill: spec.mode === "aggregated" ? undefined : worker(spec.prefill),
            topology: s.topology,
        }),
    );
    if (s.container.runtime === "pyxis" && spec.model.id.startsWith("/") && /[,:\s]/.test(spec.model.id)) {
        out.push({
            path: "model.id",
            message: `expected a model folder without commas, colons or spaces with pyxis (it is mounted with --container-mounts), got ${JSON.stringify(spec.model.id)}`,
        });
    }
    const limit = s.timeLimit === undefined ? undefined : timeLimitSeconds(s.timeLimit);
    if (limit !== undefined && limit > MAX_TIME_LIMIT_SECONDS) {
        // The wait for the job is bounded by its limit, and a limit of years only hides a typo.
        out.push({ path: "slurm.timeLimit", message: `expected at most 365 days (365-00:00:00), got ${JSON.stringify(s.timeLimit)} (${limit} seconds)` });
    }
    if (limit !== undefined && s.timeLimitWarningSeconds >= limit) {
        out.push({ path: "slurm.timeLimitWarningSeconds", message: `expected less than the time limit (${limit}s), got ${s.timeLimitWarningSeconds}` });
    }
    const login = s.login;
    if (login.mode === "ssh" && context.secretsPresent && !context.secretsPresent.has(SECRET_KEYS.sshPrivateKey)) {
        // Checked here so a missing key stops preview with this line, not a stack trace from the component.
        out.push({
            path: SECRET_KEYS.sshPrivateKey,
            message: `is required when slurm.login.mode is ssh (the private key that logs in to ${login.user}@${login.host}), got none; run \`pulumi config set --secret ${SECRET_KEYS.sshPrivateKey} < ~/.ssh/id_ed25519\`, or set slurm.login.mode to local on the login node itself`,
        });
    }
    return out;
}

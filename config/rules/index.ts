// All cross-field rules of the stack config: the common ones, then those of
// the chosen target. Config rules import no target code (see lib/facts).
import type { ParsedSpec } from "../schema";
import { toDnsLabel } from "../names";
import { checkCommonRules } from "./common";
import { checkKubernetesRules } from "./kubernetes";
import { checkKvCacheRules } from "./kv-cache";
import { checkWideEpRules } from "./wide-ep";
import { checkLoadRules } from "./loads";
import { checkLocalRules } from "./local";
import { checkPortRules } from "./ports";
import { checkValueRules } from "./values";
import { checkSecretEnvRules } from "./secret-env";
import { checkSlurmRules } from "./slurm";
import { checkTimeoutRules } from "./timeouts";
import type { RuleViolation } from "./violation";

export { gpusPerWorker } from "./common";
export { checkKubernetesRules } from "./kubernetes";
export { checkSlurmRules } from "./slurm";
export type { RuleContext, RuleViolation } from "./violation";

/**
 * `stack` gives the benchmark name when `name` is unset. `secretsPresent` lists
 * the secret config keys that are set; without it, rules about secrets are skipped.
 */
export function checkRules(spec: ParsedSpec, stack = "bench", secretsPresent?: ReadonlySet<string>): RuleViolation[] {
    const context = { benchmarkName: spec.name ?? toDnsLabel(stack), secretsPresent };
    const violations = [
        ...checkCommonRules(spec),
        ...checkLoadRules(spec.benchmark),
        ...checkLocalRules(spec),
        ...checkPortRules(spec),
        ...checkValueRules(spec),
        ...checkSecretEnvRules(spec, context),
        ...checkTimeoutRules(spec.timeouts),
        ...checkKvCacheRules(spec),
        ...checkWideEpRules(spec),
    ];
    if (spec.target === "kubernetes") violations.push(...checkKubernetesRules(spec, context));
    if (spec.target === "slurm") violations.push(...checkSlurmRules(spec, context));
    return violations;
}

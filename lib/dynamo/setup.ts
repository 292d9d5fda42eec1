// The start-up commands (config/setup.ts) as one argv, the same on every
// target: one login shell runs them in order and stops at the first failure.
import type { SetupSpec } from "../../config/setup";

/** Undefined when there is nothing to run. */
export function setupArgv(setup: Pick<SetupSpec, "commands"> | undefined): string[] | undefined {
    if (!setup || setup.commands.length === 0) return undefined;
    return ["bash", "-lc", ["set -e", ...setup.commands].join("\n")];
}

/** The same, bounded by `timeout` (coreutils) where the target has no bound of its own (a Kubernetes init container). */
export function boundedSetupArgv(setup: SetupSpec | undefined): string[] | undefined {
    const argv = setupArgv(setup);
    return argv && setup ? ["timeout", "--kill-after=10", String(setup.timeoutSeconds), ...argv] : undefined;
}

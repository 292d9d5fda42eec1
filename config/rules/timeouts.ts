// Rules between the timeouts: the stall watchdog must be able to fire before
// the benchmark bound does, or it would never report a hung phase.
import type { ParsedSpec } from "../schema";
import type { RuleViolation } from "./violation";

export function checkTimeoutRules(timeouts: ParsedSpec["timeouts"]): RuleViolation[] {
    const { stallSeconds, benchmarkSeconds } = timeouts;
    if (stallSeconds === undefined || stallSeconds < benchmarkSeconds) return [];
    return [
        {
            path: "timeouts.stallSeconds",
            message: `expected less than timeouts.benchmarkSeconds (${benchmarkSeconds}), got ${stallSeconds}; the benchmark bound would end a hung phase first. Lower timeouts.stallSeconds, raise timeouts.benchmarkSeconds, or leave stallSeconds unset to derive it from the load`,
        },
    ];
}

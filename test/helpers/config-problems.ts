// A config's rule violations as "<path>: <message>" lines, or none when it
// loads: what the config-rule tests compare against.
import { ConfigError, loadSpec } from "../../config/load";

export function configProblems(config: Record<string, unknown>): string[] {
    try {
        loadSpec(config, "unit");
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.violations.map((v) => `${v.path}: ${v.message}`);
    }
}

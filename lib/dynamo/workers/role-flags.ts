// How a worker is told its disaggregation role: `--disaggregation-mode` in every
// supported release. The deprecated switches count as aliases, so a user's own
// role flag replaces the generated one instead of contradicting it.
import { flag, type Flag } from "../../argv";
import type { WorkerRole } from "../types";

const ROLE_FLAG_ALIASES = ["--disaggregation-mode", "--is-prefill-worker", "--is-decode-worker"];

/** `aggregatedMode`: the value an aggregated worker states (the mocker's "agg"); undefined leaves the flag out. */
export function roleFlags(role: WorkerRole, aggregatedMode?: string): Flag[] {
    if (role === "aggregated") return aggregatedMode ? [flag(ROLE_FLAG_ALIASES, aggregatedMode)] : [];
    return [flag(ROLE_FLAG_ALIASES, role)];
}

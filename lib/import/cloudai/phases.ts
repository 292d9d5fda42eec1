// CloudAI's aiperf_phases (one AIPerf run each, the base `aiperf` arguments
// merged under each phase's) as benchmark.phases. Phase names become DNS
// labels (round_1 -> round-1): they name folders and stack output keys.
import { isPlainObject } from "../../deep-merge";
import { toDnsLabel } from "../../../config/names";
import { phaseArgs } from "./benchmark-args";
import type { MapContext } from "./table";
import { splitWords } from "./words";

/** Why a client's setup_cmd is not carried. */
export const CLIENT_SETUP =
    "a set-up command of the benchmark client (CloudAI's files install AIPerf 0.8.0 with it); dynamo-bench runs its own pinned AIPerf, and its start-up commands (setup.commands) run before the Dynamo processes, not before each client";

const PHASE_FIELDS_NOT_MAPPED: Record<string, string> = {
    cmd: "the phase's client command; dynamo-bench runs aiperf profile",
    setup_cmd: CLIENT_SETUP,
    between_phase_cmd: "commands between load phases are not available in dynamo-bench yet (issue 14 lists it)",
    report_name: "the exports are parsed into the stack outputs",
    artifact_dir_name: "each phase's exports stay in its own folder of the run",
};

export function applyPhases(value: unknown, ctx: MapContext): void | false {
    if (!Array.isArray(value)) {
        ctx.note("not mapped", "expected a list of phase tables");
        return false;
    }
    const aiperf = ((ctx.doc.cmd_args as Record<string, unknown>)?.aiperf ?? {}) as Record<string, unknown>;
    const base = (aiperf.args ?? {}) as Record<string, unknown>;
    const phases = value.filter(isPlainObject).map((p) => {
        const name = String(p.name ?? "");
        const label = toDnsLabel(name);
        if (label !== name)
            ctx.note("adjusted", `phase ${name} is named ${label} (phase names are DNS labels: they name folders and output keys)`, "benchmark.phases[].name");
        const { phase, extra } = phaseArgs(name, (p.args ?? {}) as Record<string, unknown>, base, ctx);
        if (typeof p.extra_args === "string") extra.push(...splitWords(p.extra_args));
        for (const key of Object.keys(p)) {
            const why = PHASE_FIELDS_NOT_MAPPED[key];
            if (why) ctx.note("not mapped", `phase ${name}: ${key}: ${why}`);
            else if (!["name", "args", "extra_args"].includes(key))
                ctx.note("unknown", `phase ${name}: ${key} is not a field of CloudAI's AIPerf phase dynamo-bench knows`);
        }
        return { name: label, ...phase, ...(extra.length ? { extraArgs: extra } : {}) };
    });
    ctx.draft.set("benchmark.phases", phases);
}

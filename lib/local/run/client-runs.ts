// Which AIPerf processes a run starts for its benchmark phases (pure).
//
// AIPerf 0.13 spends about 6.5 s per process on its own start-up (Python
// import, tokenizer, services, synthetic dataset) and export; its multi-value
// `--concurrency 1,4` restarts all of it per value. Its YAML config, though,
// takes an ordered list of named phases that one process runs back to back
// on one system, exporting each profiling phase under
// `<artifact-dir>/phases/<name>/`. Consecutive phases that differ only in
// their load (concurrency, request count, warmup count) therefore run as one
// AIPerf process; anything else (a request rate, a phase's own arguments,
// other token lengths) keeps a process of its own, exactly as before.
import * as path from "node:path";
import type { PlannedPhase } from "../plan";

/** One AIPerf process: a single planned phase as planned, or several phases from one config file. */
export interface ClientRun {
    name: string;
    phases: PlannedPhase[];
    argv: string[];
    env: Record<string, string>;
    artifactDir: string;
    logFile: string;
    /** For a combined run: the config file AIPerf reads (`--config`) and its text (JSON, which YAML reads). */
    config?: { file: string; text: string };
}

/** The flags that only set a phase's load; they move into the config's phase list. */
const LOAD_FLAGS = ["--concurrency", "--request-count", "--warmup-request-count"] as const;
/** AIPerf's phase names: letters, digits, `_`, `-`, starting with a letter or `_`. */
const AIPERF_PHASE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Suffix of the warmup phase planned before each combined phase. */
export const WARMUP_SUFFIX = "_warmup";

interface Load {
    concurrency: number;
    requests: number;
    warmup: number;
}

/** The value after `flag` in argv, if present. */
function valueOf(argv: string[], flag: string): string | undefined {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
}

/** The argv with a flag's value replaced (or the flag removed when value is undefined). */
function withFlag(argv: string[], flag: string, value: string | undefined): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === flag) {
            i++;
            if (value !== undefined) out.push(flag, value);
        } else out.push(argv[i]!);
    }
    return out;
}

/**
 * What a phase shares with the phases it may run with (argv without its load
 * flags and artifact folder, and its environment), and its load; undefined
 * when the phase must run alone.
 */
export function combinable(phase: PlannedPhase): { key: string; load: Load } | undefined {
    if (!AIPERF_PHASE_NAME.test(phase.name) || phase.name.endsWith(WARMUP_SUFFIX)) return undefined;
    if (phase.argv[1] !== "profile" || phase.argv.includes("--config") || phase.argv.includes("-f")) return undefined;
    // Every load flag must appear once at most, with a plain integer (a list would be AIPerf's own multi-run).
    const load: Partial<Load> = {};
    for (const flag of LOAD_FLAGS) {
        if (phase.argv.filter((a) => a === flag).length > 1) return undefined;
        const raw = valueOf(phase.argv, flag);
        if (raw !== undefined && !/^\d+$/.test(raw)) return undefined;
        const n = raw === undefined ? undefined : Number(raw);
        if (flag === "--concurrency") load.concurrency = n;
        else if (flag === "--request-count") load.requests = n;
        else load.warmup = n ?? 0;
    }
    if (load.concurrency === undefined || load.requests === undefined) return undefined;
    let shared = withFlag(phase.argv, "--artifact-dir", undefined);
    for (const flag of LOAD_FLAGS) shared = withFlag(shared, flag, undefined);
    return { key: JSON.stringify([shared, phase.env]), load: load as Load };
}

/**
 * The AIPerf processes for the planned phases, in order. With `combine`,
 * consecutive combinable phases with the same key share one process, whose
 * artifacts go to `<runDir>/client/<name>`; a phase alone runs as planned.
 */
export function planClientRuns(phases: PlannedPhase[], runDir: string, combine: boolean): ClientRun[] {
    const groups: PlannedPhase[][] = [];
    let lastKey: string | undefined;
    for (const phase of phases) {
        const c = combine ? combinable(phase) : undefined;
        if (c && c.key === lastKey) groups[groups.length - 1]!.push(phase);
        else groups.push([phase]);
        lastKey = c?.key;
    }
    return groups.map((group) => (group.length === 1 ? single(group[0]!) : combined(group, runDir)));
}

function single(phase: PlannedPhase): ClientRun {
    return { name: phase.name, phases: [phase], argv: phase.argv, env: phase.env, artifactDir: phase.artifactDir, logFile: phase.logFile };
}

function combined(phases: PlannedPhase[], runDir: string): ClientRun {
    const first = phases[0]!;
    const name = `${first.name}-to-${phases[phases.length - 1]!.name}`;
    const artifactDir = path.join(runDir, "client", name);
    const file = path.join(runDir, "client", `${name}.aiperf.json`);
    const phaseList = phases.flatMap((p) => {
        const { load } = combinable(p)!;
        const profiling = { name: p.name, kind: "profiling", type: "concurrency", concurrency: load.concurrency, requests: load.requests };
        if (load.warmup === 0) return [profiling];
        // Each phase keeps its own warmup at its own concurrency, as in a run of its own.
        return [{ name: p.name + WARMUP_SUFFIX, kind: "warmup", type: "concurrency", concurrency: load.concurrency, requests: load.warmup }, profiling];
    });
    // The config file must name the model, endpoint and dataset; the command line's
    // flags (the phases' own, minus their load) override them, so both say the same.
    const config = {
        schemaVersion: "2.0",
        benchmark: {
            model: valueOf(first.argv, "--model"),
            endpoint: { url: valueOf(first.argv, "--url") },
            dataset: { type: "synthetic" },
            phases: phaseList,
        },
    };
    let argv = withFlag(first.argv, "--artifact-dir", artifactDir);
    for (const flag of LOAD_FLAGS) argv = withFlag(argv, flag, undefined);
    argv = [argv[0]!, argv[1]!, "--config", file, ...argv.slice(2)];
    return {
        name,
        phases,
        argv,
        env: first.env,
        artifactDir,
        logFile: path.join(path.dirname(first.logFile), `aiperf-${name}.log`),
        config: { file, text: JSON.stringify(config, null, 2) + "\n" },
    };
}

/** The planned phase a record of a combined run belongs to, from AIPerf's `phase_name` (its warmup goes with it). */
export function phaseOfRecord(phaseName: string, phases: readonly string[]): string | undefined {
    const name = phaseName.endsWith(WARMUP_SUFFIX) ? phaseName.slice(0, -WARMUP_SUFFIX.length) : phaseName;
    return phases.includes(name) ? name : undefined;
}

/**
 * Whether a client run may start before the deployment is ready, behind a
 * gate: only when every request the gate can hold is a warmup, that is when
 * its first phase warms up with at least as many requests as it keeps in
 * flight, so held time never reaches the measured figures.
 */
export function mayStartEarly(run: ClientRun): boolean {
    const c = combinable(run.phases[0]!);
    return c !== undefined && c.load.warmup >= c.load.concurrency;
}

/** The run aimed at another URL (a gate's), in its argv and its config. */
export function withUrl(run: ClientRun, url: string): ClientRun {
    const argv = withFlag(run.argv, "--url", url);
    if (!run.config) return { ...run, argv };
    const config = JSON.parse(run.config.text) as { benchmark: { endpoint: { url?: string } } };
    config.benchmark.endpoint.url = url;
    return { ...run, argv, config: { file: run.config.file, text: JSON.stringify(config, null, 2) + "\n" } };
}

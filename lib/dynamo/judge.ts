// Judges generated command lines with the real argument parsers of the pinned
// releases (scripts/judge/judge_commands.py), each in the venv that holds its
// package: the project venv for the frontend, the mocker, AIPerf and Dynamo's
// TensorRT-LLM parser; the engine venvs of scripts/setup-engines.sh for vLLM,
// SGLang and genai-perf. One Python process per venv, bounded by a timeout.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { cacheDir, defaultVenv, repoPath } from "../paths";
import { readPinnedVersions } from "../pinned-versions";
import * as path from "node:path";

const JUDGE_SCRIPT = repoPath("scripts", "judge", "judge_commands.py");
/** Written by scripts/setup-engines.sh once the venv's parser loads. */
const ENGINE_MARKER = ".dynamo-bench-ready";

export const JUDGE_NAMES = ["dynamo.frontend", "dynamo.mocker", "dynamo.vllm", "dynamo.sglang", "dynamo.trtllm", "aiperf", "genai-perf"] as const;
export type JudgeName = (typeof JUDGE_NAMES)[number];

/** One command line to judge: the argv after the program (after `python -m dynamo.vllm`, after `aiperf`). */
export interface CommandCase {
    id: string;
    judge: JudgeName;
    args: string[];
    /** Environment the process would get (some flags default from it). */
    env?: Record<string, string>;
}

export interface Verdict {
    id: string;
    judge: JudgeName;
    ok: boolean;
    /** What was actually checked, e.g. "dynamo.vllm.args.parse_args: ...". */
    judged: string;
    /** The parser's own message when ok is false, else "". */
    error: string;
}

/** Where a judge runs: the venv's python and whether scripts/setup-*.sh finished it. */
export interface JudgeVenv {
    python: string;
    ready: boolean;
    /** How to make it when it is not ready. */
    setup: string;
}

type Env = Record<string, string | undefined>;

/** The venv each judge runs in; DYNAMO_BENCH_VENV and DYNAMO_BENCH_CACHE as in the set-up scripts. */
export function judgeVenvs(env: Env = process.env): Record<JudgeName, JudgeVenv> {
    const pins = readPinnedVersions();
    const pin = (key: string): string => {
        const value = pins[key];
        if (!value) throw new Error(`${key} is not set in scripts/versions.env`);
        return value;
    };
    const engines = path.join(cacheDir(env), "engines");
    const dynamo = pin("AI_DYNAMO_VERSION");

    const projectDir = defaultVenv(env);
    const project: JudgeVenv = {
        python: path.join(projectDir, "bin", "python"),
        ready: fs.existsSync(path.join(projectDir, "bin", "python")),
        setup: "bash scripts/setup-python.sh",
    };
    const engine = (dir: string, name: string): JudgeVenv => ({
        python: path.join(engines, dir, "bin", "python"),
        ready: fs.existsSync(path.join(engines, dir, ENGINE_MARKER)),
        setup: `bash scripts/setup-engines.sh ${name}`,
    });
    return {
        "dynamo.frontend": project,
        "dynamo.mocker": project,
        "dynamo.trtllm": project,
        aiperf: project,
        "dynamo.vllm": engine(`vllm-${pin("ENGINE_VLLM_VERSION")}-dynamo-${dynamo}`, "vllm"),
        "dynamo.sglang": engine(`sglang-${pin("ENGINE_SGLANG_VERSION")}-dynamo-${dynamo}`, "sglang"),
        "genai-perf": engine(`genai-perf-${pin("GENAI_PERF_VERSION")}`, "genai-perf"),
    };
}

/** Why a judge cannot run here, or undefined when its venv is ready. */
export function unavailableReason(judge: JudgeName, env: Env = process.env): string | undefined {
    const venv = judgeVenvs(env)[judge];
    return venv.ready ? undefined : `the ${judge} judge needs ${path.dirname(path.dirname(venv.python))}; make it with: ${venv.setup}`;
}

export class JudgeError extends Error {}

export interface JudgeOptions {
    env?: Env;
    /** Bound on one venv's whole run (imports included); default 10 minutes. */
    timeoutMs?: number;
}

/**
 * Judges every case with its real parser and returns one verdict per case, in
 * input order. Throws JudgeError when a venv is missing, a parser cannot be
 * loaded, the run times out or a verdict is missing; a refused command line is
 * a verdict with ok=false, not an error.
 */
export async function judgeCommands(cases: readonly CommandCase[], options: JudgeOptions = {}): Promise<Verdict[]> {
    const env = options.env ?? process.env;
    const venvs = judgeVenvs(env);
    const groups = new Map<string, { venv: JudgeVenv; judges: Set<JudgeName>; cases: CommandCase[] }>();
    for (const c of cases) {
        const venv = venvs[c.judge];
        if (!venv) throw new JudgeError(`case ${c.id}: unknown judge ${JSON.stringify(c.judge)}`);
        if (!venv.ready) throw new JudgeError(`case ${c.id}: ${unavailableReason(c.judge, env)}`);
        const group = groups.get(venv.python) ?? { venv, judges: new Set<JudgeName>(), cases: [] };
        group.judges.add(c.judge);
        group.cases.push(c);
        groups.set(venv.python, group);
    }
    const runs = [...groups.values()].map((g) => runJudge(g.venv.python, [...g.judges], g.cases, options.timeoutMs ?? 600_000));
    const byId = new Map<string, Verdict>();
    for (const verdicts of await Promise.all(runs)) for (const v of verdicts) byId.set(v.id, v);
    return cases.map((c) => {
        const v = byId.get(c.id);
        if (!v) throw new JudgeError(`no verdict for case ${c.id} (${c.judge})`);
        return v;
    });
}

const tail = (text: string, lines = 40): string => text.trimEnd().split("\n").slice(-lines).join("\n");

function runJudge(python: string, judges: JudgeName[], cases: CommandCase[], timeoutMs: number): Promise<Verdict[]> {
    const args = [JUDGE_SCRIPT, ...judges.flatMap((j) => ["--judge", j])];
    const what = `${judges.join(", ")} judge (${python})`;
    return new Promise((resolve, reject) => {
        // Own process group, so a timeout ends the interpreter and anything it started.
        const child = spawn(python, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                /* already gone */
            }
        }, timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new JudgeError(`could not start the ${what}: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (timedOut) return reject(new JudgeError(`the ${what} did not finish within ${timeoutMs / 1000} s; stderr tail:\n${tail(stderr)}`));
            if (code !== 0) return reject(new JudgeError(`the ${what} failed (${signal ?? `exit ${code}`}); stderr tail:\n${tail(stderr)}`));
            try {
                const verdicts = JSON.parse(stdout) as Verdict[];
                if (!Array.isArray(verdicts)) throw new Error("not a JSON array");
                resolve(verdicts);
            } catch (err) {
                reject(new JudgeError(`the ${what} wrote no verdicts (${(err as Error).message}); stderr tail:\n${tail(stderr)}`));
            }
        });
        child.stdin.on("error", () => undefined); // an early exit is reported by "close" with its stderr
        child.stdin.end(JSON.stringify(cases.map((c) => ({ id: c.id, judge: c.judge, args: c.args, env: c.env ?? {} }))));
    });
}

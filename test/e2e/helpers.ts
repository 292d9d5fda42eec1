// Helpers for end-to-end tests that drive the real Pulumi engine (CLI, Node.js
// language host, resource plugins) installed by scripts/setup-pulumi.sh.
//
// Every stack lives in its own temporary file backend, so tests never touch
// ~/.pulumi credentials, the repository's .pulumi-state, or the network.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../../lib/paths";
import { readPinnedVersions } from "../../lib/pinned-versions";

export { REPO_ROOT };

/** How to get the engine when it is missing. */
export const SETUP_HINT =
    "run `bash scripts/setup-pulumi.sh && source scripts/pulumi-env.sh` from the repository root " +
    "(builds the Pulumi CLI and plugins from Go modules when get.pulumi.com is unreachable; needs Go >= 1.25.11)";

/** Passphrase for the throwaway stacks' secrets; the same local-only default as scripts/pulumi-env.sh. */
export const LOCAL_PASSPHRASE = "dynamo-bench-local-only";

export { readPinnedVersions as readVersionsEnv };

const V = readPinnedVersions();
/** The pinned engine versions (scripts/versions.env). */
export const pinned = {
    cli: V.PULUMI_CLI_VERSION,
    kubernetes: V.PULUMI_KUBERNETES_VERSION,
    command: V.PULUMI_COMMAND_VERSION,
};

export function pulumiHome(): string {
    return process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
}

/** Directory holding pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs. */
export function pulumiBinDir(): string {
    return path.join(pulumiHome(), "versions", pinned.cli, "bin");
}

/** Path of the pinned pulumi binary (falls back to `pulumi` on PATH if the versioned one is absent). */
export function pulumiBinary(): string {
    const p = path.join(pulumiBinDir(), "pulumi");
    return fs.existsSync(p) ? p : "pulumi";
}

/** True if `$PULUMI_HOME/plugins/resource-<name>-v<version>/` holds a complete install. */
export function pluginInstalled(name: string, version: string, kind = "resource"): boolean {
    const dir = path.join(pulumiHome(), "plugins", `${kind}-${name}-v${version}`);
    return fs.existsSync(path.join(dir, `pulumi-${kind}-${name}`)) && !fs.existsSync(`${dir}.partial`);
}

export type Availability = { ok: true; binary: string; version: string; plugins: { kubernetes: boolean; command: boolean } } | { ok: false; reason: string };

/**
 * Checks that the pinned CLI, the Node.js language host and the kubernetes
 * plugin are installed. The command plugin is reported, not required (it may
 * be unbuildable where the Go module proxy does not serve it).
 */
export function pulumiAvailable(): Availability {
    const binary = pulumiBinary();
    const r = spawnSync(binary, ["version"], { encoding: "utf8", timeout: 30_000, env: pulumiEnv(os.tmpdir()) });
    if (r.error || r.status !== 0) {
        return { ok: false, reason: `pulumi CLI ${pinned.cli} not found (${r.error?.message ?? r.stderr.trim()}); ${SETUP_HINT}` };
    }
    const version = r.stdout.trim();
    if (version !== `v${pinned.cli}`) {
        return { ok: false, reason: `${binary} reports ${version}, expected v${pinned.cli}; ${SETUP_HINT}` };
    }
    const host = path.join(path.dirname(binary === "pulumi" ? (which("pulumi") ?? "") : binary), "pulumi-language-nodejs");
    if (!fs.existsSync(host) && !which("pulumi-language-nodejs")) {
        return { ok: false, reason: `pulumi-language-nodejs is not installed beside ${binary}; ${SETUP_HINT}` };
    }
    const plugins = {
        kubernetes: pluginInstalled("kubernetes", pinned.kubernetes),
        command: pluginInstalled("command", pinned.command),
    };
    if (!plugins.kubernetes) {
        return { ok: false, reason: `resource plugin kubernetes ${pinned.kubernetes} is not installed in ${pulumiHome()}; ${SETUP_HINT}` };
    }
    return { ok: true, binary, version, plugins };
}

function which(cmd: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const p = path.join(dir, cmd);
        if (dir && fs.existsSync(p)) return p;
    }
    return undefined;
}

/**
 * Environment for the engine with an isolated file backend in `stateDir`.
 * The passphrase comes from PULUMI_CONFIG_PASSPHRASE(_FILE) if set, else the
 * local-only default. TypeScript programs are transpiled without type checking
 * (the project type-checks with tsc separately); override with
 * PULUMI_NODEJS_TRANSPILE_ONLY=false in `extra`.
 */
export function pulumiEnv(stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ["PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_STACK"]) delete env[k];
    env.PULUMI_HOME = pulumiHome();
    env.PATH = [pulumiBinDir(), process.env.PATH ?? ""].join(path.delimiter);
    env.PULUMI_BACKEND_URL = `file://${path.resolve(stateDir)}`;
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    env.PULUMI_SKIP_UPDATE_CHECK = "true";
    env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
    env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
    env.NO_COLOR = "1";
    return { ...env, ...extra };
}

export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Kill the whole process group after this long (default 5 minutes). */
    timeoutMs?: number;
    /** Written to stdin (e.g. a secret config value). */
    input?: string;
    /** Resolve instead of throwing on a non-zero exit. */
    allowFailure?: boolean;
}

export interface RunResult {
    stdout: string;
    stderr: string;
    code: number | null;
    signal: NodeJS.Signals | null;
    durationMs: number;
}

function tail(text: string, lines = 40): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Runs the pinned pulumi CLI with `--non-interactive`, bounded by `timeoutMs`
 * (the CLI, language host and plugins are killed together on timeout). Throws
 * with the tail of stdout/stderr on a non-zero exit unless `allowFailure`.
 */
export function runPulumi(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? 300_000;
    const fullArgs = args.includes("--non-interactive") ? args : [...args, "--non-interactive"];
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(pulumiBinary(), fullArgs, {
            cwd: opts.cwd,
            env: opts.env ?? process.env,
            stdio: ["pipe", "pipe", "pipe"],
            detached: true, // own process group, so a timeout kills plugins and node too
        });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                child.kill("SIGKILL");
            }
        }, timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new Error(`cannot run ${pulumiBinary()}: ${err.message}; ${SETUP_HINT}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const res: RunResult = { stdout, stderr, code, signal, durationMs: Date.now() - started };
            if (!timedOut && (code === 0 || opts.allowFailure)) return resolve(res);
            const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
            reject(
                new Error(
                    `pulumi ${fullArgs.join(" ")} ${why} (cwd ${opts.cwd ?? process.cwd()})\n` +
                        `--- stdout (tail) ---\n${tail(stdout)}\n--- stderr (tail) ---\n${tail(stderr)}`,
                ),
            );
        });
        child.stdin.end(opts.input ?? "");
    });
}

/**
 * Creates a throwaway Pulumi project in a new temp dir: writes `files`
 * (relative path -> content) and symlinks the repository's node_modules, so
 * the program uses exactly the pinned npm packages. Returns the directory.
 */
export function createProgramDir(files: Record<string, string>, prefix = "dynamo-bench-e2e-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const [rel, content] of Object.entries(files)) {
        const p = path.join(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, content);
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

export type ConfigValue = string | { value: string; secret?: boolean; path?: boolean };

export interface StackContext {
    stackName: string;
    projectDir: string;
    stateDir: string;
    env: NodeJS.ProcessEnv;
    /** Runs `pulumi <args> --stack <stack>` in the project directory. */
    run(args: string[], opts?: Omit<RunOptions, "cwd" | "env">): Promise<RunResult>;
    preview(extraArgs?: string[]): Promise<RunResult>;
    up(extraArgs?: string[]): Promise<RunResult>;
    /** `pulumi stack output --json --show-secrets`, parsed. */
    outputs(): Promise<Record<string, unknown>>;
    destroy(): Promise<RunResult>;
}

export interface WithStackOptions {
    /** Per pulumi command (default 5 minutes). */
    timeoutMs?: number;
    /** Extra environment for every command (e.g. KUBECONFIG). */
    env?: NodeJS.ProcessEnv;
    /** Use this backend directory instead of a fresh temp dir (it is not deleted). */
    stateDir?: string;
}

/**
 * Creates `stackName` for the project in `projectDir` in a temporary file
 * backend, sets `config` (secrets are passed on stdin, never on the command
 * line), runs `fn`, and always destroys and removes the stack and the backend
 * afterwards. An error from `fn` wins over a cleanup error.
 */
export async function withStack<T>(
    projectDir: string,
    stackName: string,
    config: Record<string, ConfigValue>,
    fn: (stack: StackContext) => Promise<T>,
    opts: WithStackOptions = {},
): Promise<T> {
    const ownState = !opts.stateDir;
    const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-state-"));
    const env = pulumiEnv(stateDir, opts.env);
    const timeoutMs = opts.timeoutMs ?? 300_000;
    const run = (args: string[], o: Omit<RunOptions, "cwd" | "env"> = {}) =>
        runPulumi([...args, "--stack", stackName], { cwd: projectDir, env, timeoutMs, ...o });
    const ctx: StackContext = {
        stackName,
        projectDir,
        stateDir,
        env,
        run,
        preview: (extra = []) => run(["preview", "--diff", ...extra]),
        up: (extra = []) => run(["up", "--yes", "--skip-preview", ...extra]),
        outputs: async () => JSON.parse((await run(["stack", "output", "--json", "--show-secrets"])).stdout),
        destroy: () => run(["destroy", "--yes", "--skip-preview"]),
    };

    // `config set` writes Pulumi.<stack>.yaml and `stack rm` deletes it: keep a
    // pre-existing (e.g. committed) stack config file exactly as it was.
    const configFile = stackConfigFile(projectDir, stackName);
    const savedConfig = fs.existsSync(configFile) ? fs.readFileSync(configFile) : undefined;
    const restoreConfig = () => {
        if (savedConfig) fs.writeFileSync(configFile, savedConfig);
        else fs.rmSync(configFile, { force: true });
    };

    let created = false;
    try {
        await runPulumi(["stack", "init", stackName], { cwd: projectDir, env, timeoutMs });
        created = true;
        for (const [key, raw] of Object.entries(config)) {
            const v = typeof raw === "string" ? { value: raw } : raw;
            const flags = [...(v.secret ? ["--secret"] : ["--plaintext"]), ...(v.path ? ["--path"] : [])];
            if (v.secret) await run(["config", "set", key, ...flags], { input: v.value });
            else await run(["config", "set", key, v.value, ...flags]);
        }
    } catch (err) {
        if (created) await run(["stack", "rm", "--yes", "--force"], { allowFailure: true }).catch(() => undefined);
        restoreConfig();
        if (ownState) fs.rmSync(stateDir, { recursive: true, force: true });
        throw err;
    }

    let result: T;
    try {
        result = await fn(ctx);
    } catch (err) {
        await cleanup().catch(() => undefined);
        throw err;
    }
    await cleanup();
    return result;

    async function cleanup(): Promise<void> {
        try {
            if (created) {
                await ctx.destroy();
                await run(["stack", "rm", "--yes"]);
            }
        } finally {
            restoreConfig();
            if (ownState) fs.rmSync(stateDir, { recursive: true, force: true });
        }
    }
}

/** Path of Pulumi.<stack>.yaml, honouring `stackConfigDir` in the project's Pulumi.yaml. */
export function stackConfigFile(projectDir: string, stackName: string): string {
    let dir = projectDir;
    for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
        const p = path.join(projectDir, name);
        if (!fs.existsSync(p)) continue;
        const project = parseYaml(fs.readFileSync(p, "utf8")) as { stackConfigDir?: string } | null;
        if (project?.stackConfigDir) dir = path.resolve(projectDir, project.stackConfigDir);
        break;
    }
    return path.join(dir, `Pulumi.${stackName}.yaml`);
}

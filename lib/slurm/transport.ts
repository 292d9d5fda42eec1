// How dynamo-bench reaches the Slurm login node: commands run here (local) or
// through the OpenSSH client (ssh). Every call is bounded; nothing throws for
// a failed command: the exit code and output come back.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shJoin } from "../shell-quote";

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
    /** The login node could not be reached at all (ssh exit 255): nothing ran. */
    unreachable?: boolean;
}

export interface Transport {
    /** Runs argv on the login node (with the login environment); never throws. */
    exec(argv: string[], timeoutMs?: number): Promise<ExecResult>;
    /** Reads a file on the login node; undefined when it does not exist. */
    readFile(file: string): Promise<string | undefined>;
    /** Makes `dir` (on the login node) readable here; returns the local path. */
    fetchDir(dir: string, into: string): Promise<string>;
    /** Where it runs, for messages. */
    describe: string;
    close(): Promise<void>;
}

export interface SshTarget {
    host: string;
    port: number;
    user: string;
    /** Private key text (OpenSSH or PEM). */
    privateKey: string;
    /** "ssh-ed25519 AAAA...": checked when given. */
    hostKey?: string;
    /** The ssh binary (default: ssh on PATH). */
    sshBinary?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function run(argv: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number; stdin?: string }): Promise<ExecResult> {
    return new Promise((resolve) => {
        let stdout = "";
        let stderr = "";
        let settled = false;
        const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        const timer = setTimeout(() => {
            stderr += `\n(timed out after ${options.timeoutMs} ms: ${argv[0]})`;
            child.kill("SIGKILL");
        }, options.timeoutMs);
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", (e) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ code: 127, stdout, stderr: `${stderr}${e.message}` });
        });
        child.on("close", (code, signal) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(options.stdin ?? "");
    });
}

/** Slurm commands run on this machine, with the login environment (e.g. SLURM_CONF) added. */
export function localTransport(loginEnv: Record<string, string> = {}): Transport {
    const env = { ...process.env, ...loginEnv };
    return {
        describe: "this machine",
        exec: (argv, timeoutMs = DEFAULT_TIMEOUT_MS) => run(argv, { env, timeoutMs }),
        readFile: async (file) => {
            try {
                return await fs.promises.readFile(file, "utf8");
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
                throw e;
            }
        },
        fetchDir: async (dir) => dir,
        close: async () => undefined,
    };
}

/**
 * Commands run on the login node over OpenSSH. The key is written to a 0600
 * file in a private temporary folder for the life of the transport and
 * removed by close(); one multiplexed connection serves every call.
 */
export function sshTransport(target: SshTarget, loginEnv: Record<string, string> = {}): Transport {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-ssh-"));
    fs.chmodSync(dir, 0o700);
    const keyFile = path.join(dir, "key");
    fs.writeFileSync(keyFile, target.privateKey.endsWith("\n") ? target.privateKey : `${target.privateKey}\n`, { mode: 0o600 });
    const knownHosts = path.join(dir, "known_hosts");
    const hostPattern = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
    if (target.hostKey) fs.writeFileSync(knownHosts, `${hostPattern} ${target.hostKey}\n`, { mode: 0o600 });
    const ssh = target.sshBinary ?? "ssh";
    const base = [
        ssh,
        "-i",
        keyFile,
        "-p",
        String(target.port),
        "-l",
        target.user,
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "ConnectTimeout=20",
        "-o",
        "ServerAliveInterval=15",
        "-o",
        "ServerAliveCountMax=4",
        "-o",
        "LogLevel=ERROR",
        "-o",
        `StrictHostKeyChecking=${target.hostKey ? "yes" : "no"}`,
        "-o",
        `UserKnownHostsFile=${target.hostKey ? knownHosts : "/dev/null"}`,
        "-o",
        "ControlMaster=auto",
        "-o",
        `ControlPath=${path.join(dir, "cm")}`,
        "-o",
        "ControlPersist=120",
    ];
    const remote = (argv: string[]) => {
        const pairs = Object.entries(loginEnv).map(([k, v]) => `${k}=${v}`);
        return shJoin(pairs.length > 0 ? ["env", ...pairs, ...argv] : argv);
    };
    const exec = async (argv: string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ExecResult> => {
        const r = await run([...base, target.host, "--", remote(argv)], { timeoutMs });
        return r.code === 255 ? { ...r, unreachable: true } : r;
    };
    return {
        describe: `${target.user}@${target.host}:${target.port}`,
        exec,
        readFile: async (file) => {
            const r = await exec(["sh", "-c", 'if [ -e "$1" ]; then cat -- "$1"; else exit 3; fi', "sh", file]);
            if (r.code === 3) return undefined;
            if (r.unreachable) throw new Error(`cannot reach the login node ${target.user}@${target.host}:${target.port}: ${r.stderr.trim()}`);
            if (r.code !== 0) throw new Error(`cannot read ${file} on ${target.host}: ${r.stderr.trim() || `exit ${r.code}`}`);
            return r.stdout;
        },
        fetchDir: async (remoteDir, into) => {
            fs.mkdirSync(into, { recursive: true });
            const archive = path.join(dir, "fetch.tar");
            const r = await new Promise<ExecResult>((resolve) => {
                const out = fs.createWriteStream(archive, { mode: 0o600 });
                const child = spawn(base[0], [...base.slice(1), target.host, "--", remote(["tar", "-C", remoteDir, "-cf", "-", "."])], {
                    stdio: ["ignore", "pipe", "pipe"],
                });
                let stderr = "";
                const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
                child.stdout.pipe(out);
                child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
                child.on("close", (code) => {
                    clearTimeout(timer);
                    out.end(() => resolve({ code: code ?? 1, stdout: "", stderr }));
                });
                child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: e.message }));
            });
            if (r.code !== 0) throw new Error(`cannot copy ${remoteDir} from ${target.host}: ${r.stderr.trim() || `exit ${r.code}`}`);
            const x = await run(["tar", "-C", into, "-xf", archive], { timeoutMs: 10 * 60_000 });
            fs.rmSync(archive, { force: true });
            if (x.code !== 0) throw new Error(`cannot unpack ${remoteDir} fetched from ${target.host}: ${x.stderr.trim()}`);
            return into;
        },
        close: async () => {
            await run([...base, "-O", "exit", target.host], { timeoutMs: 10_000 });
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

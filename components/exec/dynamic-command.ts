// A command resource implemented as a Pulumi dynamic provider: the same
// create/delete/stdin/environment/stdout contract as @pulumi/command, run by the
// Node.js language host itself. For machines where the command provider plugin
// cannot be installed (air-gapped sites without a plugin mirror); it needs only
// the Pulumi CLI and its Node.js host. Remote commands go through the OpenSSH
// client with the key in a private, short-lived file.
//
// The provider object below is serialized into the stack state by Pulumi, so
// its functions only use what they require themselves, and shq, which Pulumi
// captures by value with the functions.
import * as pulumi from "@pulumi/pulumi";
import { shq } from "../../lib/shell-quote";

export interface SshConnection {
    host: string;
    port?: number;
    user?: string;
    /** Private key (PEM/OpenSSH); a Pulumi secret. */
    privateKey: string;
    /** The server's public host key line ("ssh-ed25519 AAAA..."); when unset the first key seen is accepted. */
    hostKey?: string;
}

export interface DynamicCommandInputs {
    create: pulumi.Input<string>;
    /** Runs on destroy (and before a replacement), with PULUMI_COMMAND_STDOUT set to create's stdout. */
    delete?: pulumi.Input<string>;
    dir?: pulumi.Input<string>;
    stdin?: pulumi.Input<string>;
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Any change replaces the resource, which runs create again. */
    triggers?: pulumi.Input<unknown[]>;
    /** Bound on each run of create or delete. */
    timeoutSeconds: pulumi.Input<number>;
    connection?: pulumi.Input<SshConnection>;
    /**
     * Pass the command's stderr on while it runs: the engine shows a dynamic
     * provider's stderr in the `up` output (progress lines of long commands).
     * Not part of the diff: turning it on runs nothing again.
     */
    streamStderr?: pulumi.Input<boolean>;
}

interface PlainInputs {
    create: string;
    delete?: string;
    dir?: string;
    stdin?: string;
    environment?: Record<string, string>;
    triggers?: unknown[];
    timeoutSeconds: number;
    connection?: SshConnection;
    streamStderr?: boolean;
}

/** Lines of output quoted in an error. */
const ERROR_TAIL_LINES = 60;

async function execute(inputs: PlainInputs, script: string, extraEnv: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const path = require("node:path") as typeof import("node:path");

    if (!inputs.connection) {
        const env = { ...(process.env as Record<string, string>), ...(inputs.environment ?? {}), ...extraEnv };
        return spawnCollect(["/bin/sh", "-c", script], {
            env,
            cwd: inputs.dir,
            stdin: inputs.stdin,
            timeoutSeconds: inputs.timeoutSeconds,
            label: script,
            streamStderr: inputs.streamStderr,
        });
    }
    // The key and known-hosts files live in a 0700 folder, removed when the command ends, however it ends.
    const c = inputs.connection;
    const env = process.env as Record<string, string>;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-ssh-"));
    try {
        const keyFile = path.join(tmp, "key");
        fs.writeFileSync(keyFile, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
        const knownHosts = path.join(tmp, "known_hosts");
        fs.writeFileSync(knownHosts, c.hostKey ? `[${c.host}]:${c.port ?? 22} ${c.hostKey}\n` : "", { mode: 0o600 });
        const ssh = (remoteCommand: string) => [
            "ssh",
            "-i",
            keyFile,
            "-p",
            String(c.port ?? 22),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            `UserKnownHostsFile=${knownHosts}`,
            "-o",
            `StrictHostKeyChecking=${c.hostKey ? "yes" : "accept-new"}`,
            "-o",
            "ConnectTimeout=15",
            "-o",
            "ServerAliveInterval=15",
            `${c.user ?? "root"}@${c.host}`,
            remoteCommand,
        ];
        // Environment values never go on a command line (they may be secrets): they travel on
        // stdin into a 0600 file on the remote side, which the command sources and removes.
        const envEntries = Object.entries({ ...(inputs.environment ?? {}), ...extraEnv });
        let prelude = "";
        if (envEntries.length > 0) {
            const exportsText = envEntries.map(([k, v]) => `export ${k}=${shq(v)}`).join("\n") + "\n";
            const stage = await spawnCollect(ssh(`umask 077; f=$(mktemp) && cat > "$f" && echo "$f"`), {
                env,
                stdin: exportsText,
                timeoutSeconds: 60,
                label: "staging the environment",
            });
            const file = shq(stage.stdout.trim());
            prelude = `. ${file}; rm -f ${file}; `;
        }
        const cd = inputs.dir ? `cd ${shq(inputs.dir)} || exit 1; ` : "";
        return await spawnCollect(ssh(`bash -c ${shq(prelude + cd + script)}`), {
            env,
            stdin: inputs.stdin,
            timeoutSeconds: inputs.timeoutSeconds,
            label: script,
        });
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Runs argv to its end within a bound; a failure carries the tail of both streams. */
async function spawnCollect(
    argv: string[],
    o: { env: Record<string, string>; cwd?: string; stdin?: string; timeoutSeconds: number; label: string; streamStderr?: boolean },
): Promise<{ stdout: string; stderr: string }> {
    const { spawn } = require("node:child_process") as typeof import("node:child_process");
    return await new Promise((resolve, reject) => {
        // Its own process group, so a timeout stops everything the command started, not just the shell.
        const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
        const signalGroup = (signal: NodeJS.Signals) => {
            try {
                if (child.pid) process.kill(-child.pid, signal);
            } catch {
                // The group is already gone.
            }
        };
        // The command leads a group of its own, which Pulumi's signals do not reach. A first Ctrl-C lets
        // the command finish (Pulumi waits for what is in flight); a second Ctrl-C or SIGTERM makes
        // Pulumi stop this provider with SIGINT, then SIGKILL: the command is told to stop here, or it
        // would run on orphaned (a local benchmark for up to its whole bound).
        const stop = () => signalGroup("SIGTERM");
        const stopOnExit = () => signalGroup("SIGTERM");
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        process.on("exit", stopOnExit);
        const unwatch = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            process.off("exit", stopOnExit);
        };
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            if (o.streamStderr) process.stderr.write(d);
        });
        const timer = setTimeout(() => {
            timedOut = true;
            signalGroup("SIGTERM");
            setTimeout(() => signalGroup("SIGKILL"), 10_000).unref();
        }, o.timeoutSeconds * 1000);
        child.on("error", (err) => {
            clearTimeout(timer);
            unwatch();
            reject(new Error(`cannot start ${argv[0]}: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            unwatch();
            const tail = (text: string) => text.split("\n").slice(-ERROR_TAIL_LINES).join("\n");
            if (code === 0) return resolve({ stdout: stdout.replace(/\n$/, ""), stderr });
            const why = timedOut ? `timed out after ${o.timeoutSeconds}s` : signal ? `killed by ${signal}` : `exited with ${code}`;
            reject(
                new Error(
                    `command ${why}: ${o.label}\n--- stderr (last ${ERROR_TAIL_LINES} lines) ---\n${tail(stderr)}\n--- stdout (last ${ERROR_TAIL_LINES} lines) ---\n${tail(stdout)}`,
                ),
            );
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(o.stdin ?? "");
    });
}

export const dynamicCommandProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: PlainInputs) {
        const { stdout, stderr } = await execute(inputs, inputs.create, {});
        const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
        return { id: randomUUID(), outs: { ...inputs, stdout, stderr } };
    },
    async diff(_id: string, olds: PlainInputs, news: PlainInputs) {
        const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
        const replaces = (["create", "stdin", "environment", "triggers", "dir", "connection"] as const).filter((k) => !same(olds[k], news[k]));
        const changes = replaces.length > 0 || !same(olds.delete, news.delete) || !same(olds.timeoutSeconds, news.timeoutSeconds);
        return { changes, replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, olds: PlainInputs & { stdout: string; stderr: string }, news: PlainInputs) {
        // Only delete or the timeout changed: nothing runs again.
        return { outs: { ...news, stdout: olds.stdout, stderr: olds.stderr } };
    },
    async delete(_id: string, props: PlainInputs & { stdout?: string }) {
        if (!props.delete) return;
        await execute(props, props.delete, { PULUMI_COMMAND_STDOUT: props.stdout ?? "" });
    },
};

export class DynamicCommand extends pulumi.dynamic.Resource {
    // `declare`: the base constructor sets these; a class field would reset them.
    declare public readonly stdout: pulumi.Output<string>;
    declare public readonly stderr: pulumi.Output<string>;

    constructor(name: string, args: DynamicCommandInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            dynamicCommandProvider,
            name,
            { ...args, stdout: undefined, stderr: undefined },
            {
                ...opts,
                // The connection carries the private key; the environment may carry a token.
                additionalSecretOutputs: ["connection", "environment"],
            },
        );
    }
}

// One way for every target to run a command as a resource, whichever runner
// the machine supports: @pulumi/command (the default, with its provider
// plugin), or the dynamic-provider runner that needs no plugin at all.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { shq } from "../../lib/shell-quote";
import { DynamicCommand, type DynamicCommandInputs, type SshConnection } from "./dynamic-command";

export type { SshConnection } from "./dynamic-command";

export const commandRunners = ["pulumi-command", "dynamic"] as const;
export type CommandRunner = (typeof commandRunners)[number];

export interface ShellCommandArgs extends Omit<DynamicCommandInputs, "timeoutSeconds" | "connection" | "streamStderr"> {
    /** Bound on create (and on delete). */
    timeoutSeconds: number;
    /** Stream the command's stderr into the Pulumi output (local commands; over SSH with the pulumi-command runner only). */
    streamStderr?: boolean;
    /** Run over SSH instead of on this machine. */
    connection?: pulumi.Input<SshConnection>;
}

export interface ShellCommand {
    resource: pulumi.CustomResource;
    stdout: pulumi.Output<string>;
}

export function shellCommand(runner: CommandRunner, name: string, args: ShellCommandArgs, opts: pulumi.CustomResourceOptions): ShellCommand {
    const timeout = `${args.timeoutSeconds}s`;
    if (runner === "dynamic") {
        const resource = new DynamicCommand(name, args, opts);
        return { resource, stdout: resource.stdout };
    }
    const common = {
        create: args.create,
        delete: args.delete,
        stdin: args.stdin,
        environment: args.environment,
        triggers: args.triggers,
        ...(args.streamStderr ? { logging: "stderr" as const } : {}),
    };
    const withTimeouts = { ...opts, customTimeouts: { create: timeout, update: timeout, delete: timeout } };
    if (args.connection) {
        const connection = pulumi.output(args.connection).apply((c) => ({
            host: c.host,
            port: c.port ?? 22,
            user: c.user ?? "root",
            privateKey: c.privateKey,
            ...(c.hostKey ? { hostKey: c.hostKey } : {}),
        }));
        // @pulumi/command runs remote commands in the login shell's home; cd first when a dir is given.
        const create = pulumi.all([args.create, args.dir]).apply(([c, d]) => (d ? `cd ${shq(d)} && ${c}` : c));
        const resource = new command.remote.Command(name, { ...common, create, connection: pulumi.secret(connection) }, withTimeouts);
        return { resource, stdout: resource.stdout };
    }
    const resource = new command.local.Command(name, { ...common, dir: args.dir }, withTimeouts);
    return { resource, stdout: resource.stdout };
}

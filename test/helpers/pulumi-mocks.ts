// Shared Pulumi mocks for unit tests: installs `pulumi.runtime.setMocks` and
// records every registered resource with what the engine would see: type,
// name, URN, parent, dependencies, provider, custom timeouts and inputs, with
// secrets kept marked so tests can check where a secret travels.
//
// Usage (the module under test must be imported after setupMocks):
//   const mocks = await setupMocks();
//   const { MyComponent } = await import("../../components/...");
//   new MyComponent("x", args);
//   await mocks.settle();
//   mocks.one("kubernetes:core/v1:Secret").inputs
import * as pulumi from "@pulumi/pulumi";
import { formatRevisionLine } from "../../lib/kubernetes/release-wait";

/** The marker Pulumi puts on a secret value in serialized properties. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    /** URN of the parent ("" for the stack's direct children). */
    parent: string;
    /** URNs this resource depends on (dependsOn and input dependencies). */
    dependencies: string[];
    /** Provider reference (`<urn>::<id>`), "" when the default provider is used. */
    provider: string;
    customTimeouts: { create?: string; update?: string; delete?: string };
    /** Inputs with secrets unwrapped to their values. */
    inputs: Record<string, any>;
    /** Inputs as serialized: secrets stay wrapped as { [SIG_KEY]: SECRET_SIG, value }. */
    rawInputs: Record<string, any>;
    /** Property paths whose values are secrets, e.g. "stringData" or "spec.env[0].value". */
    secretPaths: string[];
    /** Inputs with every secret replaced by "[secret]": what may be shown in plain text. */
    publicInputs: Record<string, any>;
}

export interface MockOptions {
    project?: string;
    stack?: string;
    preview?: boolean;
    /** stdout a command.local.Command (or dynamic command) reports, by resource name (a platform release's baseline step reports no revision). */
    commandStdout?: (name: string, inputs: Record<string, any>) => string;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Unwraps secrets and lists the paths where they were. */
export function unwrapSecrets(value: unknown, at = "", paths: string[] = []): { value: any; paths: string[] } {
    if (isSecretValue(value)) {
        paths.push(at);
        return { value: unwrapSecrets(value.value, at, []).value, paths };
    }
    if (Array.isArray(value)) return { value: value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, paths).value), paths };
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, at ? `${at}.${k}` : k, paths).value;
        return { value: out, paths };
    }
    return { value, paths };
}

/** Replaces every secret with "[secret]". */
export function redactSecrets(value: unknown): any {
    if (isSecretValue(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
    return value;
}

export class MockRecorder {
    readonly resources: RecordedResource[] = [];

    constructor(private readonly rpcSettled: () => Promise<void>) {}

    /** Waits until every registration has reached the mocks. */
    async settle(): Promise<void> {
        // Registrations chain (outputs feed inputs), so drain until nothing new arrives.
        for (let last = -1; last !== this.resources.length;) {
            last = this.resources.length;
            await this.rpcSettled();
            await new Promise((r) => setImmediate(r));
        }
    }

    reset(): void {
        this.resources.length = 0;
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The single resource of a type (optionally with a name); throws when there is not exactly one. */
    one(type: string, name?: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${this.resources.map((r) => `${r.type}::${r.name}`).join(", ")}`,
            );
        }
        return found[0];
    }

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    parentOf(r: RecordedResource): RecordedResource | undefined {
        return this.byUrn(r.parent);
    }

    /**
     * True when `r` waits for `on`: through its own dependencies or an
     * ancestor's (a child registers only after its parent, and a component
     * registers only after its dependencies), followed transitively.
     */
    dependsOn(r: RecordedResource, on: RecordedResource, seen = new Set<string>()): boolean {
        const deps = [...r.dependencies];
        for (let p = this.parentOf(r); p; p = this.parentOf(p)) deps.push(...p.dependencies);
        for (const dep of deps) {
            if (dep === on.urn) return true;
            if (seen.has(dep)) continue;
            seen.add(dep);
            const next = this.byUrn(dep);
            if (next && this.dependsOn(next, on, seen)) return true;
        }
        return false;
    }
}

/** Installs the mocks and returns the recorder. Call before importing code that creates resources. */
export async function setupMocks(options: MockOptions = {}): Promise<MockRecorder> {
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const state: Record<string, any> = { ...args.inputs };
                // A dynamic command (components/exec) reports stdout the same way.
                if (args.type === "command:local:Command" || args.type === "pulumi-nodejs:dynamic:Resource") {
                    const { value } = unwrapSecrets(args.inputs);
                    // A platform release's baseline step reads a cluster where the release has no revision yet.
                    state.stdout = args.name.endsWith("-release-baseline") ? formatRevisionLine(0) : (options.commandStdout?.(args.name, value) ?? "");
                    state.stderr = "";
                }
                if (args.type.startsWith("kubernetes:") && state.metadata && typeof state.metadata === "object") {
                    state.metadata = { ...state.metadata, uid: `uid-${args.name}` };
                }
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected invoke ${args.token} in a unit test`);
            },
        },
        options.project ?? "dynamo-bench",
        options.stack ?? "test",
        options.preview ?? false,
    );
    const settled = (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;
    const recorder = new MockRecorder(() => settled());
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: any, cb: (err: any, resp: any) => void) => void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const raw = pulumi.runtime.deserializeProperties(req.getObject());
        const { value, paths } = unwrapSecrets(raw);
        const timeouts = req.getCustomtimeouts?.();
        const record: RecordedResource = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            custom: req.getCustom(),
            parent: req.getParent() ?? "",
            dependencies: req.getDependenciesList() ?? [],
            provider: req.getProvider() ?? "",
            customTimeouts: timeouts
                ? Object.fromEntries(
                      Object.entries({ create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }).filter(([, v]) => v),
                  )
                : {},
            inputs: value,
            rawInputs: raw,
            secretPaths: paths,
            publicInputs: redactSecrets(raw),
        };
        register(req, (err, resp) => {
            if (!err && resp) {
                record.urn = resp.getUrn();
                recorder.resources.push(record);
            }
            callback(err, resp);
        });
    };
    return recorder;
}

/** Resolves an Output's value (the test must not run in preview, where values may be unknown). */
export function promiseOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

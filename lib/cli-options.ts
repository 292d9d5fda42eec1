// The one command-line parser of every `dynamo-bench` command: Node's own
// util.parseArgs (no dependency), driven by one option table per command from
// which the usage text is generated too, so the flags, their help and their
// errors cannot drift apart. Every command behaves the same: --help/-h prints
// the usage on stdout (exit 0); a wrong argument prints one line naming it and
// what to do, then the usage, on stderr (exit 2).
import { parseArgs } from "node:util";

/** A wrong command line; the message names the argument and what to do. */
export class UsageError extends Error {
    override name = "UsageError";
}

export interface OptionDef {
    /** "string" takes a value (`--key VALUE` or `--key=VALUE`); "boolean" is a switch. */
    type: "string" | "boolean";
    /** One-letter alias, without the dash. */
    short?: string;
    /** May be given several times; the values arrive as a list. */
    multiple?: boolean;
    required?: boolean;
    /** Used when the option is absent; shown in the usage. */
    default?: string;
    /** Placeholder of the value in the usage, e.g. "DIR" (default: VALUE). */
    value?: string;
    /** Its line(s) in the usage. */
    description: string;
}

export type OptionTable = Readonly<Record<string, OptionDef>>;

export interface CommandDef<T extends OptionTable> {
    /** The subcommand, e.g. "results"; messages and usage say `dynamo-bench <name>`. */
    name: string;
    /** The usage line after `usage: dynamo-bench <name> `; default: the required options, then [options], then positionals. */
    synopsis?: string;
    /** What the command does: the paragraph(s) after the usage line. */
    about: string;
    options: T;
    /** Positional arguments; none unless given. `name` is how the usage shows them, e.g. "<file>...". */
    positionals?: { name: string; min?: number; max?: number };
    /** Text after the options: output format, exit status. */
    footer?: string;
}

type ValueOf<D extends OptionDef> = D["type"] extends "boolean"
    ? D extends { multiple: true }
        ? boolean[]
        : boolean
    : D extends { multiple: true }
      ? string[]
      : D extends { required: true }
        ? string
        : D extends { default: string }
          ? string
          : string | undefined;

/** The parsed values, typed from the table: switches are booleans, repeatable options lists, required or defaulted options strings. */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

export interface ParsedCommandLine<T extends OptionTable> {
    values: OptionValues<T>;
    positionals: string[];
}

export type CommandLine<T extends OptionTable> = ({ help: false } & ParsedCommandLine<T>) | { help: true };

/** Keeps the literal types of a table so OptionValues can type the values; checks nothing at run time. */
export function defineCommand<const T extends OptionTable>(def: CommandDef<T>): CommandDef<T> {
    return def;
}

const HELP: OptionDef = { type: "boolean", short: "h", description: "this help" };

const flagOf = (key: string, def: OptionDef) => `${def.short ? `-${def.short}, ` : ""}--${key}${def.type === "string" ? ` ${def.value ?? "VALUE"}` : ""}`;
const exampleOf = (key: string, def: OptionDef) => `--${key}${def.type === "string" ? ` ${def.value ?? "VALUE"}` : ""}`;

/** The usage text, generated from the table. */
export function formatUsage<T extends OptionTable>(def: CommandDef<T>): string {
    const entries: Array<[string, OptionDef]> = [...Object.entries(def.options), ["help", HELP]];
    const synopsis =
        def.synopsis ??
        [
            ...Object.entries(def.options)
                .filter(([, o]) => o.required)
                .map(([k, o]) => exampleOf(k, o)),
            "[options]",
            ...(def.positionals ? [def.positionals.name] : []),
        ].join(" ");
    const width = Math.max(...entries.map(([k, o]) => flagOf(k, o).length)) + 3;
    const lines = entries.map(([k, o]) => {
        const notes = [o.required ? "required" : "", o.multiple ? "repeatable" : "", o.default !== undefined ? `default ${o.default}` : ""].filter(Boolean);
        const text = `${o.description}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
        const [first, ...rest] = text.split("\n");
        return [`  ${flagOf(k, o).padEnd(width)}${first}`, ...rest.map((l) => `  ${" ".repeat(width)}${l}`)].join("\n");
    });
    return [`usage: dynamo-bench ${def.name} ${synopsis}`, "", def.about, "", "options:", ...lines, ...(def.footer ? ["", def.footer] : [])].join("\n");
}

/**
 * Reads `argv` against the table. Returns { help: true } when --help/-h is
 * anywhere; throws UsageError on an unknown option, a missing or empty value,
 * a value given to a switch, a missing required option or a wrong number of
 * positional arguments.
 */
export function parseCommandLine<T extends OptionTable>(def: CommandDef<T>, argv: readonly string[]): CommandLine<T> {
    const table: Record<string, OptionDef> = { ...def.options, help: HELP };
    // Not strict: util.parseArgs' own errors are long and vary by Node release; the tokens are checked here instead.
    const { tokens } = parseArgs({
        args: [...argv],
        options: Object.fromEntries(Object.entries(table).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    if (tokens.some((t) => t.kind === "option" && t.name === "help" && t.inlineValue === undefined)) return { help: true };
    const values: Record<string, unknown> = {};
    const positionals: string[] = [];
    for (const t of tokens) {
        if (t.kind === "positional") positionals.push(t.value);
        if (t.kind !== "option") continue;
        const o = Object.hasOwn(table, t.name) ? table[t.name] : undefined;
        if (o === undefined || t.name === "help") throw new UsageError(`unknown option ${t.rawName}: see the options below`);
        const example = exampleOf(t.name, o);
        let value: string | boolean = true;
        if (o.type === "boolean") {
            if (t.inlineValue) throw new UsageError(`${t.rawName} takes no value: write ${t.rawName} alone`);
        } else {
            if (t.value === undefined) throw new UsageError(`${t.rawName} needs a value: ${example}`);
            // `--gpus --json` means a forgotten value, not the value "--json".
            if (!t.inlineValue && /^-./.test(t.value)) {
                throw new UsageError(
                    `${t.rawName} needs a value, got the option ${t.value}: ${example} (write --${t.name}=VALUE for a value starting with "-")`,
                );
            }
            if (t.value === "") throw new UsageError(`${t.rawName} needs a non-empty value: ${example}`);
            value = t.value;
        }
        values[t.name] = o.multiple ? [...((values[t.name] as unknown[] | undefined) ?? []), value] : value;
    }
    // A stray word is the likelier mistake than the missing option it displaced, so it is named first.
    const { name = "", min = 0, max = 0 } = def.positionals ?? {};
    if (positionals.length > max) {
        const what = max === 0 ? "this command takes options only" : `it takes at most ${max} ${name}`;
        throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}: ${what}`);
    }
    for (const [key, o] of Object.entries(def.options)) {
        if (values[key] !== undefined) continue;
        if (o.required) throw new UsageError(`--${key} is required: add ${exampleOf(key, o)}`);
        values[key] = o.multiple ? [] : o.type === "boolean" ? false : o.default;
    }
    if (positionals.length < min) throw new UsageError(`missing ${name}: give ${min === 1 ? "at least one" : `at least ${min}`}`);
    return { help: false, values: values as OptionValues<T>, positionals };
}

/** parseCommandLine for callers that never get --help (builders' round trips, tests): help is a UsageError there. */
export function parseOptionsOnly<T extends OptionTable>(def: CommandDef<T>, argv: readonly string[]): ParsedCommandLine<T> {
    const line = parseCommandLine(def, argv);
    if (line.help) throw new UsageError("--help is not an option here");
    return line;
}

export interface CommandIo {
    stdout(text: string): void;
    stderr(text: string): void;
}

/** The process' own streams as a CommandIo. */
export const processIo = (streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): CommandIo => ({
    stdout: (t) => streams.stdout.write(t),
    stderr: (t) => streams.stderr.write(t),
});

/**
 * A command's front door: parses `argv`, then `build` turns the values into the
 * command's options (and may throw UsageError for a value it rejects). On
 * --help it prints the usage (exit 0); on a usage error the message and the
 * usage go to stderr (exit 2). Other errors propagate.
 */
export function readCommandLine<T extends OptionTable, R>(
    def: CommandDef<T>,
    argv: readonly string[],
    io: CommandIo,
    build: (line: ParsedCommandLine<T>) => R,
): { options: R } | { exitCode: number } {
    try {
        const line = parseCommandLine(def, argv);
        if (line.help) {
            io.stdout(`${formatUsage(def)}\n`);
            return { exitCode: 0 };
        }
        return { options: build(line) };
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.stderr(`dynamo-bench ${def.name}: ${e.message}\n\n${formatUsage(def)}\n`);
        return { exitCode: 2 };
    }
}

/** A positive number (or whole number) from an option's text; UsageError naming the option otherwise. */
export function positiveNumber(option: string, raw: string, opts: { integer?: boolean; unit?: string } = {}): number {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n <= 0 || (opts.integer && !Number.isInteger(n))) {
        const what = opts.unit ? `a positive number of ${opts.unit}` : `a positive ${opts.integer ? "integer" : "number"}`;
        throw new UsageError(`--${option} expects ${what}, got ${JSON.stringify(raw)}`);
    }
    return n;
}

/** A positive whole number of seconds. */
export const positiveSeconds = (option: string, raw: string): number => positiveNumber(option, raw, { integer: true, unit: "seconds" });

/** One of the listed words; UsageError naming the option and the choices otherwise. */
export function oneOf<C extends string>(option: string, raw: string, choices: readonly C[]): C {
    if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${option} expects ${choices.join(" or ")}, got ${JSON.stringify(raw)}`);
    return raw as C;
}

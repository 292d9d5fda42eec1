// How a top-level stack config value's text becomes the value the schema sees.
//
// Pulumi hands the program every key as text (pulumi.runtime.allConfig()): a
// scalar exactly as typed (`pulumi config set name 1234` gives "1234"), a
// structured value (a YAML mapping or list, or anything set with --path) as
// JSON text. The Node SDK exposes no type of a value (the engine's typed config
// map is not surfaced), and the stack file is not the only source (project
// defaults, the Automation API, ESC environments), so the text alone cannot say
// whether "1234" was typed as a name or as a number. The schema can: each
// top-level field says what it holds. So the text is decoded by the field it is
// for: a string field keeps the text verbatim (a name `1234`, `true` or `{x}`
// stays that string), a structured field parses JSON, a number or boolean field
// reads the plain number or true/false the CLI can only store as text. Inside a
// structured value, JSON keeps its own types (YAML quoting, `--type string`).
import type { z } from "zod";

export type FieldKind = "text" | "number" | "boolean" | "structured" | "any";

/** What a top-level field holds, through optional/default/nullable wrappers. */
export function fieldKind(schema: z.ZodType | undefined): FieldKind {
    let def = (schema as unknown as { _zod?: { def: ZodDef } } | undefined)?._zod?.def;
    while (def && def.innerType) def = def.innerType._zod.def;
    switch (def?.type) {
        case "string":
        case "enum":
        case "literal":
            return "text";
        case "number":
            return "number";
        case "boolean":
            return "boolean";
        case "object":
        case "array":
        case "record":
            return "structured";
        default:
            return "any";
    }
}

interface ZodDef {
    type: string;
    innerType?: { _zod: { def: ZodDef } };
}

const PLAIN_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

/** The value of one top-level key whose field is `kind`; text that does not fit stays text, so the schema names the field and the value. */
export function decodeConfigText(text: string, kind: FieldKind): unknown {
    switch (kind) {
        case "text":
            return text;
        case "number":
            return PLAIN_NUMBER.test(text) ? Number(text) : text;
        case "boolean":
            return text === "true" ? true : text === "false" ? false : text;
        case "structured":
            return parseStructured(text) ?? text;
        case "any":
            // An unknown key is reported by name; a union field takes what JSON says.
            return parseStructured(text) ?? parseScalar(text);
    }
}

function parseStructured(text: string): object | undefined {
    if (!/^\s*[[{]/.test(text)) return undefined;
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === "object" && value !== null ? value : undefined;
    } catch {
        return undefined;
    }
}

function parseScalar(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

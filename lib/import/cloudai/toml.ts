// TOML through smol-toml (a maintained TOML 1.0 parser); a syntax error
// becomes one line naming the file, line and column.
import { parse, TomlError } from "smol-toml";
import { ImportError } from "./errors";

export type TomlTable = Record<string, unknown>;

export function parseToml(text: string, file: string): TomlTable {
    try {
        return parse(text) as TomlTable;
    } catch (e) {
        if (!(e instanceof TomlError)) throw e;
        // smol-toml's message is "Invalid TOML document: <reason>" followed by a code excerpt.
        const reason = e.message.split("\n", 1)[0]!.replace(/^Invalid TOML document: /, "");
        throw new ImportError(`${file}:${e.line}:${e.column}: invalid TOML: ${reason}`);
    }
}

/**
 * Typed errors for the results parsers.
 *
 * Every problem with an input file becomes a ResultsError that names the file
 * and, where one applies, the 1-based line. Callers can switch on `code`.
 */

export type ResultsErrorCode =
    /** The file has no content (0 bytes, or only a BOM / whitespace). */
    | "EMPTY"
    /** The file ends in the middle of a record: a truncated row, an unclosed quote, cut-off JSON. */
    | "PARTIAL"
    /** Syntax is broken in the middle of the file, or a cell that must be a number is not one. */
    | "MALFORMED"
    /** The file parses but is not a genai-perf / AIPerf export this library understands. */
    | "FOREIGN"
    /** The file or directory cannot be read (missing, permission, is a directory, ...). */
    | "UNREADABLE"
    /** A directory holds no export files. */
    | "NOT_FOUND"
    /** A directory holds more than one run where exactly one was expected. */
    | "AMBIGUOUS"
    /** The context passed in (gpus, concurrency, ...) is invalid. */
    | "BAD_CONTEXT";

export class ResultsError extends Error {
    readonly code: ResultsErrorCode;
    /** File (path or name as given by the caller) the problem is in. */
    readonly file: string;
    /** 1-based line number, when the problem is at a specific line. */
    readonly line?: number;
    /** The bare reason, without the "file:line:" prefix. */
    readonly reason: string;

    constructor(code: ResultsErrorCode, file: string, reason: string, line?: number) {
        super(`${file}${line !== undefined ? `:${line}` : ""}: ${reason} [${code}]`);
        this.name = "ResultsError";
        this.code = code;
        this.file = file;
        this.line = line;
        this.reason = reason;
    }
}

export function isResultsError(e: unknown): e is ResultsError {
    return e instanceof ResultsError;
}

/** 1-based line number of a character offset in a text. */
export function lineAt(text: string, offset: number): number {
    let line = 1;
    const end = Math.min(offset, text.length);
    for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
}

/** Number of lines of a text (a final line break does not start a new line). */
export function lineCount(text: string): number {
    if (text.length === 0) return 0;
    let n = lineAt(text, text.length);
    if (text.endsWith("\n")) n--;
    return n;
}

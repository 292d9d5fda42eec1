// Assertion shared by the results tests: a call must fail with a ResultsError
// of the given code (and line, and message text, when given).
import assert from "node:assert/strict";
import { ResultsError } from "../../lib/results";

export function throwsResults(fn: () => unknown, code: string, line?: number, text?: RegExp): ResultsError {
    let caught: unknown;
    try {
        fn();
    } catch (e) {
        caught = e;
    }
    assert.ok(caught instanceof ResultsError, `expected a ResultsError ${code}, got ${String(caught)}`);
    assert.equal(caught.code, code, caught.message);
    if (line !== undefined) assert.equal(caught.line, line, caught.message);
    if (text !== undefined) assert.match(caught.message, text);
    return caught;
}

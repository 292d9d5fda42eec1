// Where the tests find the reference data (the real CRDs in dynamo/, AIPerf and
// genai-perf exports in metrics/). It lives outside the repository, so one
// setting points at it: DYNAMO_BENCH_REFERENCE, default ../shared/reference
// next to the checkout. Where it is absent (a plain clone), the tests that read
// it are skipped with the reason printed, never failed and never passed.
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";

export const REFERENCE_SETTING = "DYNAMO_BENCH_REFERENCE";

/** $DYNAMO_BENCH_REFERENCE (relative to the repository root, or absolute), else ../shared/reference. */
export const REFERENCE_ROOT = path.resolve(REPO_ROOT, process.env[REFERENCE_SETTING] || path.join("..", "shared", "reference"));

/** A file or folder of the reference data. */
export function referencePath(...parts: string[]): string {
    return path.join(REFERENCE_ROOT, ...parts);
}

/**
 * The value for node:test's `skip` option of a test that reads `parts`: false
 * when they are there, else the reason the test report prints.
 */
export function referenceSkip(...parts: string[]): string | false {
    const p = referencePath(...parts);
    return fs.existsSync(p) ? false : `reference data not found at ${p}: set ${REFERENCE_SETTING}`;
}

/** A reference file's text, or "" when it is missing (the tests that use it are skipped by referenceSkip). */
export function readReference(...parts: string[]): string {
    const p = referencePath(...parts);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
}

// AIPerf's accuracy scores (accuracy mode writes accuracy_results.csv into the
// phase's artifact folder: task, correct, total, unparsed, accuracy; one row
// per task and an OVERALL row), read by column name as numbers.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "csv-parse/sync";

export const ACCURACY_FILE = "accuracy_results.csv";

export interface AccuracyScore {
    correct: number;
    total: number;
    /** Answers the grader could not read (a model that does not answer in the benchmark's format). */
    unparsed?: number;
    /** correct / total, 0..1. */
    accuracy: number;
}

export interface AccuracyOutput {
    overall?: AccuracyScore;
    tasks: Record<string, AccuracyScore>;
}

export function parseAccuracyCsv(text: string, file = ACCURACY_FILE): AccuracyOutput {
    let rows: Array<Record<string, string>>;
    try {
        rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
    } catch (e) {
        // csv-parse names neither the file nor what to do: a cut-off or corrupted file.
        throw new Error(`${file}: not a readable CSV (cut off or corrupted?): ${(e as Error).message}`);
    }
    const out: AccuracyOutput = { tasks: {} };
    for (const [i, row] of rows.entries()) {
        const task = row.task ?? row.Task;
        const score = {
            correct: Number(row.correct),
            total: Number(row.total),
            ...(row.unparsed !== undefined && row.unparsed !== "" ? { unparsed: Number(row.unparsed) } : {}),
            accuracy: Number(row.accuracy),
        };
        if (!task || ![score.correct, score.total, score.accuracy, score.unparsed ?? 0].every(Number.isFinite)) {
            throw new Error(`${file}: row ${i + 2} is not task,correct,total,unparsed,accuracy with numbers: ${JSON.stringify(row)}`);
        }
        if (task.toUpperCase() === "OVERALL") out.overall = score;
        else out.tasks[task] = score;
    }
    return out;
}

/** The scores of an accuracy phase's artifact folder, or undefined when it has none (a load phase). */
export function readAccuracy(artifactDir: string): AccuracyOutput | undefined {
    const file = path.join(artifactDir, ACCURACY_FILE);
    return fs.existsSync(file) ? parseAccuracyCsv(fs.readFileSync(file, "utf8"), file) : undefined;
}

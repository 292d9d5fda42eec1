// Property tests (issue 13, item 5), seeded (test/helpers/property.ts): random
// truncations and byte flips of REAL result files (the AIPerf and genai-perf
// exports of ../shared/reference/metrics and test/fixtures/results, the
// success marker batch.sh wrote on the test cluster, a Kubernetes benchmark
// log framing real exports, a DYNAMO_BENCH_RESULT line of a real summary) go
// through the parsers the targets use. Each either returns a result (the
// parts it could not read are reported: ResultsError PARTIAL, `problems`,
// warnings) or throws ONE clear error naming the file or the command: a
// ResultsError from lib/results, an Error whose message names the file or the
// marker from the others. A TypeError, RangeError or a bare SyntaxError
// escaping is a failure, and so is a parse that takes more than 5 s.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fc, runs } from "../helpers/property";
import { referencePath, referenceSkip } from "../helpers/reference";
import { REPO_ROOT } from "../../lib/paths";
import {
    formatResultLine,
    isResultsError,
    parseExport,
    parseExportFile,
    parseResultLine,
    summarizeExports,
    summarizeRun,
    toStackOutputs,
} from "../../lib/results";
import { parseAccuracyCsv } from "../../lib/results/accuracy";
import { parseSuccessMarker } from "../../lib/slurm/results";
import { checkCompleteness, parseBenchmarkLog } from "../../lib/kubernetes/collect";

const METRICS = "metrics";
const skipRef = referenceSkip(METRICS);
const realExports = (): Array<{ name: string; bytes: Buffer }> => {
    const out: Array<{ name: string; bytes: Buffer }> = [];
    if (!skipRef) {
        for (const f of fs.readdirSync(referencePath(METRICS)).sort()) {
            if (!/\.(csv|json|jsonl)$/.test(f)) continue;
            // The reference names are `<source>__<export name>`; the export name picks the parser, as on disk.
            out.push({ name: f.includes("__") ? f.split("__")[1]! : f, bytes: fs.readFileSync(referencePath(METRICS, f)) });
        }
    }
    const fixtures = path.join(REPO_ROOT, "test", "fixtures", "results");
    for (const d of fs.readdirSync(fixtures)) {
        const dir = path.join(fixtures, d);
        if (!fs.statSync(dir).isDirectory()) continue;
        for (const f of fs.readdirSync(dir)) if (f.startsWith("profile_export")) out.push({ name: f, bytes: fs.readFileSync(path.join(dir, f)) });
    }
    return out;
};
const EXPORTS = realExports();

/** What a corruption does to the bytes: cut at a point, and/or flip (xor) bytes at positions. */
interface Corruption {
    cut?: number;
    flips: Array<{ at: number; xor: number }>;
}
const corruption = fc.record({
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
});

function corrupt(bytes: Buffer, c: Corruption): Buffer {
    const out = Buffer.from(bytes.subarray(0, c.cut === undefined ? bytes.length : Math.floor(bytes.length * c.cut)));
    for (const f of c.flips) if (out.length > 0) out[Math.floor(f.at * out.length)]! ^= f.xor;
    return out;
}

/** Runs `parse`; a thrown error must pass `clear`; no parse may take 5 s. */
async function judged<T>(what: string, parse: () => T | Promise<T>, clear: (e: Error) => boolean): Promise<T | undefined> {
    const t0 = Date.now();
    try {
        return await parse();
    } catch (e) {
        assert.ok(e instanceof Error && clear(e), `${what}: an unclear error escaped: ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`);
        return undefined;
    } finally {
        assert.ok(Date.now() - t0 < 5000, `${what}: parsing took ${Date.now() - t0} ms`);
    }
}

const namesFile = (file: string) => (e: Error) => e.message.includes(file);

describe("corrupted real export files through lib/results", { skip: skipRef }, () => {
    test(`every real export (${EXPORTS.length} files), truncated and byte-flipped in memory: a result or a ResultsError`, async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: EXPORTS.length - 1 }), corruption, async (i, c) => {
                const f = EXPORTS[i]!;
                const text = corrupt(f.bytes, c).toString("utf8");
                const parsed = await judged(f.name, () => parseExport(f.name, text), isResultsError);
                // What parsed also summarizes into plain outputs (or a ResultsError).
                if (parsed) await judged(`${f.name} summary`, () => toStackOutputs(summarizeExports([{ name: f.name, content: text }])), isResultsError);
            }),
            { numRuns: runs(400) },
        );
    });

    test("the per-request records, corrupted on disk, through the streaming reader: a result or a ResultsError", async () => {
        const records = EXPORTS.filter((f) => f.name.endsWith(".jsonl"));
        assert.ok(records.length > 0, "a real profile_export.jsonl is among the samples");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "results-corrupt-"));
        try {
            await fc.assert(
                fc.asyncProperty(fc.integer({ min: 0, max: records.length - 1 }), corruption, async (i, c) => {
                    const file = path.join(dir, records[i]!.name);
                    fs.writeFileSync(file, corrupt(records[i]!.bytes, c));
                    await judged(file, () => parseExportFile(file), isResultsError);
                    await judged(`${file} summary`, async () => toStackOutputs(await summarizeRun(file)), isResultsError);
                }),
                { numRuns: runs(60) },
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("AIPerf's accuracy_results.csv, corrupted: scores or an error naming the file", async () => {
        const file = path.join(REPO_ROOT, "test", "fixtures", "results", "aiperf-accuracy", "accuracy_results.csv");
        const bytes = fs.readFileSync(file);
        await fc.assert(
            fc.asyncProperty(corruption, async (c) => {
                await judged("accuracy", () => parseAccuracyCsv(corrupt(bytes, c).toString("utf8"), "accuracy_results.csv"), namesFile("accuracy_results.csv"));
            }),
            { numRuns: runs(300) },
        );
    });
});

describe("corrupted markers of the targets", () => {
    test("Slurm: the success marker batch.sh wrote, corrupted: the marker or an error naming SUCCESS.json", async () => {
        const bytes = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "slurm", "SUCCESS.json"));
        assert.equal(parseSuccessMarker(bytes.toString("utf8")).phases.length, 2);
        await fc.assert(
            fc.asyncProperty(corruption, async (c) => {
                await judged("SUCCESS.json", () => parseSuccessMarker(corrupt(bytes, c).toString("utf8")), namesFile("SUCCESS.json"));
            }),
            { numRuns: runs(300) },
        );
    });

    test("Kubernetes: a benchmark log framing real exports, corrupted: files and problems, never an exception", { skip: skipRef }, async () => {
        const json = EXPORTS.find((f) => f.name === "profile_export_aiperf.json")!;
        const csv = EXPORTS.find((f) => f.name === "profile_export_aiperf.csv")!;
        const frame = (name: string, b: Buffer) => [
            `===DYNAMO-BENCH-FILE phase=c1 name=${name} base64 BEGIN===`,
            ...b.toString("base64").match(/.{1,76}/g)!,
            `===DYNAMO-BENCH-FILE phase=c1 name=${name} END===`,
        ];
        const log = Buffer.from(
            [
                "[dynamo-bench] waiting for the model",
                ...frame(json.name, json.bytes),
                ...frame(csv.name, csv.bytes),
                "===DYNAMO-BENCH-DONE phases=1===",
                "",
            ].join("\n"),
        );
        const clean = parseBenchmarkLog(log.toString("utf8"));
        assert.deepEqual([clean.files.length, clean.problems, checkCompleteness(clean, ["c1"])], [2, [], []]);
        await fc.assert(
            fc.asyncProperty(corruption, async (c) => {
                const parsed = await judged(
                    "benchmark log",
                    () => parseBenchmarkLog(corrupt(log, c).toString("utf8")),
                    () => false,
                );
                assert.ok(parsed);
                await judged(
                    "completeness",
                    () => checkCompleteness(parsed, ["c1"]),
                    () => false,
                );
                if (parsed.files.length > 0) await judged("exports from the log", () => summarizeExports(parsed.files), isResultsError);
            }),
            { numRuns: runs(200) },
        );
    });

    test("a DYNAMO_BENCH_RESULT line of a real summary, corrupted: the result or an error naming the command", { skip: skipRef }, async () => {
        const json = EXPORTS.find((f) => f.name === "profile_export_aiperf.json")!;
        const outputs = toStackOutputs(summarizeExports([{ name: json.name, content: json.bytes.toString("utf8") }]));
        const stdout = Buffer.from(
            `some progress\n${formatResultLine({ ok: true, phases: [{ name: "c1", outputs, artifactDir: "/runs/x/c1" }], timings: { totalMs: 1 } })}`,
        );
        assert.deepEqual(parseResultLine(stdout.toString("utf8"), "local-run").phases?.[0]?.outputs, outputs);
        await fc.assert(
            fc.asyncProperty(corruption, async (c) => {
                await judged("result line", () => parseResultLine(corrupt(stdout, c).toString("utf8"), "local-run"), namesFile("local-run"));
            }),
            { numRuns: runs(300) },
        );
    });
});

describe("the crashes these properties found, as examples", () => {
    test("a SUCCESS.json whose first byte flipped, or that is null or lists a phase without a folder, names the file", () => {
        const text = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "slurm", "SUCCESS.json"), "utf8");
        assert.throws(
            () => parseSuccessMarker(`z${text.slice(1)}`),
            /^Error: SUCCESS.json is not valid JSON \([^]*\); the job's marker is cut off or corrupted/,
        );
        assert.throws(() => parseSuccessMarker("null"), /SUCCESS.json has an unexpected layout/);
        assert.throws(() => parseSuccessMarker(text.replace('"dir":', '"dyr":')), /SUCCESS.json has a phases\[0\] without name and dir/);
        assert.throws(() => parseSuccessMarker(text.replace(/"readyNs": (\d+)/, '"readyNs": "$1"')), /SUCCESS.json has no timestamps.readyNs/);
        assert.throws(
            () => parseSuccessMarker(text.replace(/"launchedNs": (\d+)/, '"launchedNs": "$1"')),
            /SUCCESS.json has a timestamps.launchedNs that is not a number/,
        );
    });

    test("a cut-off or reshaped DYNAMO_BENCH_RESULT line names the command", () => {
        assert.throws(
            () => parseResultLine('DYNAMO_BENCH_RESULT {"ok":true,"pha', "slurm-wait"),
            /^Error: slurm-wait printed a DYNAMO_BENCH_RESULT line that is not valid JSON/,
        );
        assert.throws(() => parseResultLine('DYNAMO_BENCH_RESULT {"ok":true,"phases":{"c1":1}}', "local-run"), /local-run .* phases field that is not a list/);
        assert.throws(() => parseResultLine("DYNAMO_BENCH_RESULT [1]", "k8s-collect"), /k8s-collect .* has no ok field/);
    });

    test("an accuracy_results.csv with a broken row names the file", () => {
        assert.throws(
            () => parseAccuracyCsv("task,correct,total,unparsed,accuracy\nOVERALL,1\n", "x/accuracy_results.csv"),
            /^Error: x\/accuracy_results.csv: not a readable CSV/,
        );
    });
});

/**
 * Benchmark (not a test) of the streaming AIPerf records parser.
 *
 *   npx tsx bench/results-jsonl.ts [--records N]        (npm run bench:results)
 *
 * 1. Writes a profile_export.jsonl of N (default 1,000,000) records shaped like
 *    AIPerf's own (../shared/reference/metrics/aiperf-examples-run1-*__profile_export.jsonl):
 *    0.1.x metadata, ~11% cancelled requests, ~240-value inter_chunk_latency arrays.
 * 2. Parses it in a fresh child process (so peak RSS is the parser's, not the
 *    generator's) with parseRecordsFile, checks the counts and averages against
 *    what was written, and reports MB/s and peak RSS (process.resourceUsage().maxRSS).
 * 3. Deletes the temporary file.
 * Targets: ≥ 100 MB/s and peak RSS < 200 MB. Exit 1 only if the parsed numbers are wrong.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseRecordsFile } from "../lib/results/records";

interface Expected {
    records: number;
    errors: number;
    ttftSum: number;
    oslSum: number;
    iclCount: number;
}

interface ChildReport {
    seconds: number;
    bytes: number;
    baselineRssMB: number;
    peakRssMB: number;
    ok: boolean;
    problems: string[];
    ttftP99: number;
    iclApproximate: boolean;
}

/** Deterministic PRNG (mulberry32), so runs are comparable. */
function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function hex(r: () => number, n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += ((r() * 16) | 0).toString(16);
    return s;
}

function uuid(r: () => number): string {
    return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

export function generate(file: string, n: number): Expected {
    const r = rng(42);
    // Pre-rendered inter-chunk arrays (the bulk of each line), reused across records:
    // JSON.parse still parses every line in full, but generation stays fast.
    const pool: Array<{ text: string; len: number }> = [];
    for (let k = 0; k < 256; k++) {
        const len = 192 + Math.floor(r() * 56);
        const vals: number[] = [];
        for (let j = 0; j < len; j++) vals.push(j < 15 ? 130 + r() * 15 : 19 + r() * 8 + (r() < 0.01 ? 130 : 0));
        pool.push({ text: JSON.stringify(vals), len });
    }
    const workers = Array.from({ length: 16 }, () => `worker_${hex(r, 8)}`);
    const processors = Array.from({ length: 4 }, () => `record_processor_${hex(r, 8)}`);
    const t0 = 1759522419154568960;
    const exp: Expected = { records: n, errors: 0, ttftSum: 0, oslSum: 0, iclCount: 0 };
    const fd = fs.openSync(file, "w");
    let batch = "";
    try {
        for (let i = 0; i < n; i++) {
            const start = t0 + i * 9_317_789;
            const metadata =
                `{"x_request_id":"${uuid(r)}","x_correlation_id":"${uuid(r)}","conversation_id":"${uuid(r)}","turn_index":0,` +
                `"timestamp_ns":${start},"worker_id":"${workers[i % 16]}","record_processor_id":"${processors[i % 4]}","credit_phase":"profiling"}`;
            if (r() < 0.11) {
                exp.errors++;
                batch += `{"metadata":${metadata},"metrics":{"error_request_count":{"value":1,"unit":"requests"}},"error":{"code":499,"type":"RequestCancellationError","message":"Request was cancelled after 0.000 seconds"}}\n`;
            } else {
                const icl = pool[(r() * pool.length) | 0];
                const osl = icl.len + 1;
                const ttft = 400 + r() * 3500;
                const itl = 22 + r() * 13;
                const latency = ttft + itl * osl;
                const ttst = 21 + r() * 122;
                exp.ttftSum += ttft;
                exp.oslSum += osl;
                exp.iclCount += icl.len;
                const otc = r() < 0.34 ? `"output_token_count":{"value":${1 + ((r() * 137) | 0)},"unit":"tokens"},` : "";
                batch +=
                    `{"metadata":${metadata},"metrics":{"input_sequence_length":{"value":550,"unit":"tokens"},` +
                    `"ttft":{"value":${ttft},"unit":"ms"},"request_count":{"value":1,"unit":"requests"},` +
                    `"request_latency":{"value":${latency},"unit":"ms"},"min_request_timestamp":{"value":${start},"unit":"ns"},` +
                    otc +
                    `"reasoning_token_count":{"value":${103 + ((r() * 144) | 0)},"unit":"tokens"},"ttst":{"value":${ttst},"unit":"ms"},` +
                    `"inter_chunk_latency":{"value":${icl.text},"unit":"ms"},"output_sequence_length":{"value":${osl},"unit":"tokens"},` +
                    `"max_response_timestamp":{"value":${start + Math.round(latency * 1e6)},"unit":"ns"},` +
                    `"inter_token_latency":{"value":${itl},"unit":"ms"},"output_token_throughput_per_user":{"value":${1000 / itl},"unit":"tokens/sec/user"}},"error":null}\n`;
            }
            if (batch.length > 4_000_000) {
                fs.writeSync(fd, batch);
                batch = "";
            }
        }
        if (batch.length > 0) fs.writeSync(fd, batch);
    } finally {
        fs.closeSync(fd);
    }
    return exp;
}

async function child(file: string, exp: Expected): Promise<void> {
    const baseline = process.resourceUsage().maxRSS / 1024;
    const t0 = process.hrtime.bigint();
    const p = await parseRecordsFile(file);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const problems: string[] = [];
    const ok = (what: string, got: number | undefined, want: number, rel = 1e-9) => {
        if (got === undefined || Math.abs(got - want) > Math.abs(want) * rel) problems.push(`${what}: got ${got}, want ${want}`);
    };
    ok("records", p.records, exp.records, 0);
    ok("requestCount", p.metrics.requestCount?.stats.avg, exp.records - exp.errors, 0);
    ok("errorCount", p.metrics.errorCount?.stats.avg, exp.errors, 0);
    ok("ttft count", p.metrics.ttft?.count, exp.records - exp.errors, 0);
    ok("ttft avg", p.metrics.ttft?.stats.avg, exp.ttftSum / (exp.records - exp.errors));
    ok("osl sum", p.metrics.outputSequenceLength?.stats.sum, exp.oslSum, 0);
    ok("icl count", p.metrics.interChunkLatency?.count, exp.iclCount, 0);
    const report: ChildReport = {
        seconds,
        bytes: p.bytes,
        baselineRssMB: baseline,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
        ok: problems.length === 0,
        problems,
        ttftP99: p.metrics.ttft?.stats.p99 ?? NaN,
        iclApproximate: (p.metrics.interChunkLatency?.approximate?.length ?? 0) > 0,
    };
    process.stdout.write(JSON.stringify(report) + "\n");
}

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    if (args[0] === "--child") {
        await child(args[1], JSON.parse(args[2]) as Expected);
        return 0;
    }
    const i = args.indexOf("--records");
    const n = i >= 0 ? Number(args[i + 1]) : 1_000_000;
    if (!Number.isInteger(n) || n <= 0) {
        process.stderr.write("usage: npx tsx bench/results-jsonl.ts [--records N]\n");
        return 2;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-bench-jsonl-"));
    const file = path.join(dir, "profile_export.jsonl");
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    process.once("SIGINT", () => {
        cleanup();
        process.exit(130);
    });
    try {
        process.stdout.write(`generating ${n.toLocaleString("en-US")} records in ${file} ...\n`);
        const g0 = Date.now();
        const exp = generate(file, n);
        const size = fs.statSync(file).size;
        process.stdout.write(`  ${(size / 1e6).toFixed(0)} MB in ${((Date.now() - g0) / 1000).toFixed(1)} s\n`);
        process.stdout.write("parsing in a fresh process (parseRecordsFile) ...\n");
        // Same node flags as this process (tsx's loader), so the child runs TypeScript too.
        const r = spawnSync(process.execPath, [...process.execArgv, __filename, "--child", file, JSON.stringify(exp)], {
            encoding: "utf8",
            maxBuffer: 1 << 20,
            stdio: ["ignore", "pipe", "inherit"],
        });
        if (r.status !== 0) {
            process.stderr.write(`parser process failed (status ${r.status}, signal ${r.signal})\n`);
            return 1;
        }
        const rep = JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildReport;
        const mbps = rep.bytes / 1e6 / rep.seconds;
        const lines = [
            `records          ${n.toLocaleString("en-US")} (${exp.errors.toLocaleString("en-US")} errors)`,
            `file size        ${(rep.bytes / 1e6).toFixed(1)} MB`,
            `parse time       ${rep.seconds.toFixed(2)} s`,
            `throughput       ${mbps.toFixed(1)} MB/s, ${(n / rep.seconds / 1000).toFixed(1)}k records/s   (target ≥ 100 MB/s: ${mbps >= 100 ? "met" : "MISSED"})`,
            `peak RSS         ${rep.peakRssMB.toFixed(1)} MB (process baseline before parsing ${rep.baselineRssMB.toFixed(1)} MB)   (target < 200 MB: ${rep.peakRssMB < 200 ? "met" : "MISSED"})`,
            `ttft p99         ${rep.ttftP99.toFixed(3)} ms (exact)${rep.iclApproximate ? "; inter_chunk_latency percentiles estimated (sketch)" : ""}`,
            `correctness      ${rep.ok ? "ok (counts, sums and averages match what was written)" : "FAILED: " + rep.problems.join("; ")}`,
        ];
        process.stdout.write(lines.join("\n") + "\n");
        return rep.ok ? 0 : 1;
    } finally {
        cleanup();
    }
}

if (require.main === module) {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (e) => {
            process.stderr.write(`${(e as Error).stack ?? e}\n`);
            process.exitCode = 1;
        },
    );
}

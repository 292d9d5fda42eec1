import { test } from "node:test";
import assert from "node:assert/strict";
import { renderPhaseTable } from "../../lib/report/phase-table";

test("one row per phase, figures rounded, missing figures shown as '-'", () => {
    const table = renderPhaseTable({
        c1: { ttftMs: { avg: 10.26, p50: 9, p99: 30 }, itlMs: { avg: 1.234 }, requestCount: 40, errorCount: 0, outputTokenThroughputPerGpuTokPerS: 281.987 },
        c64: { ttftMs: { avg: 1146.31, p99: 3457.97 } },
    }).split("\n");
    assert.equal(table.length, 3);
    assert.match(table[0]!, /^phase\s+TTFT avg ms\s+TTFT p50\s+TTFT p99\s+ITL avg ms/);
    assert.match(table[1]!, /^c1\s+10\.3\s+9\.0\s+30\.0\s+1\.23\s+-/);
    assert.match(table[1]!, /282\.0/);
    assert.match(table[2]!, /^c64\s+1146\.3\s+-\s+3458\.0/);
    // Columns line up: every row is as wide as the header.
    assert.equal(new Set(table.map((l) => l.length)).size, 1);
});

test("no phases says so", () => assert.equal(renderPhaseTable({}), "(no phases with results)"));

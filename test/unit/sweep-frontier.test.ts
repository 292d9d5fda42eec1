import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { computeFrontier, type FrontierEntry, type SweepPointFigures } from "../../lib/sweep/frontier";
import type { StackOutputs } from "../../lib/results";

/** A phase's figures with the two throughputs and optional p99 latencies. */
function figures(gpu: number | undefined, user: number | undefined, p99: { ttft?: number; itl?: number; latency?: number } = {}): StackOutputs {
    return {
        ...(gpu === undefined ? {} : { outputTokenThroughputPerGpuTokPerS: gpu }),
        ...(user === undefined ? {} : { outputTokenThroughputPerUserTokPerS: user }),
        ...(p99.ttft === undefined ? {} : { ttftMs: { p99: p99.ttft } }),
        ...(p99.itl === undefined ? {} : { itlMs: { p99: p99.itl } }),
        ...(p99.latency === undefined ? {} : { requestLatencyMs: { p99: p99.latency } }),
    };
}

function point(id: string, phases: Record<string, StackOutputs>, loads: SweepPointFigures["loads"] = {}): SweepPointFigures {
    return { id, settings: {}, workerGpus: 2, loads, phases };
}

const names = (entries: readonly FrontierEntry[]) => entries.map((e) => `${e.point}/${e.load}`);

type Figures = Pick<FrontierEntry, "outputTokenThroughputPerGpuTokPerS" | "outputTokenThroughputPerUserTokPerS">;
/** Dominance written out again here, so the property tests do not trust the implementation's own. */
function dominates(a: Figures, b: Figures): boolean {
    const [ag, au, bg, bu] = [
        a.outputTokenThroughputPerGpuTokPerS,
        a.outputTokenThroughputPerUserTokPerS,
        b.outputTokenThroughputPerGpuTokPerS,
        b.outputTokenThroughputPerUserTokPerS,
    ];
    return ag >= bg && au >= bu && (ag > bg || au > bu);
}

test("the frontier keeps the non-dominated (point, load) pairs, by per-user throughput ascending, with the load applied", () => {
    const { frontier, unranked } = computeFrontier([
        point("p1d1", { c1: figures(300, 1700), c4: figures(1200, 2400), c16: figures(1500, 900) }, { c1: { concurrency: 1 }, c4: { concurrency: 4 } }),
        point("p1d2", { c1: figures(200, 1800), c4: figures(1000, 2000) }, { c1: { concurrency: 1 }, c4: { concurrency: 4 } }),
        point("rate", { r10: figures(1300, 500) }, { r10: { requestRate: 10 } }),
    ]);
    // p1d2/c4 (1000, 2000) is beaten by p1d1/c4 (1200, 2400); rate/r10 (1300, 500) by p1d1/c16 (1500, 900); p1d1/c1 and p1d2/c1 by p1d1/c4.
    assert.deepEqual(names(frontier), ["p1d1/c16", "p1d1/c4"]);
    assert.deepEqual(frontier[1], {
        point: "p1d1",
        load: "c4",
        concurrency: 4,
        outputTokenThroughputPerGpuTokPerS: 1200,
        outputTokenThroughputPerUserTokPerS: 2400,
    });
    // c16 has figures but no declared load: still a candidate, without a concurrency.
    assert.equal(frontier[0]!.concurrency, undefined);
    assert.deepEqual(unranked, []);
});

test("ties: equal candidates both stay on the frontier; equal in one figure and lower in the other is dominated", () => {
    const { frontier } = computeFrontier([
        point("a", { c1: figures(100, 50) }),
        point("b", { c1: figures(100, 50) }),
        point("c", { c1: figures(100, 40) }),
        point("d", { c1: figures(90, 50) }),
    ]);
    assert.deepEqual(names(frontier), ["a/c1", "b/c1"]);
});

test("missing or non-finite throughput figures are listed as unranked with the reason, never ranked", () => {
    const { frontier, best, unranked } = computeFrontier([
        point("a", { c1: figures(undefined, 50), c2: figures(100, undefined), c3: figures(Number.NaN, 10) }, { c4: { concurrency: 4 } }),
        point("b", { c1: figures(10, 10) }),
    ]);
    assert.deepEqual(names(frontier), ["b/c1"]);
    assert.equal(best.outputTokenThroughputPerGpu?.point, "b");
    assert.deepEqual(unranked, [
        { point: "a", load: "c1", reason: "no outputTokenThroughputPerGpuTokPerS" },
        { point: "a", load: "c2", reason: "no outputTokenThroughputPerUserTokPerS" },
        { point: "a", load: "c3", reason: "no outputTokenThroughputPerGpuTokPerS" },
        { point: "a", load: "c4", reason: "no results for this load" },
    ]);
});

test("best per objective honours every limit; a candidate lacking a limited figure does not meet it", () => {
    const points = [
        point("fast", { c64: figures(2000, 100, { ttft: 900, itl: 9 }), c1: figures(300, 1800, { ttft: 40, itl: 0.5 }) }),
        point("slow", { c8: figures(1500, 600, { ttft: 200, itl: 2 }), c2: figures(600, 1900) }),
    ];
    const open = computeFrontier(points).best;
    assert.deepEqual([open.outputTokenThroughputPerGpu?.load, open.outputTokenThroughputPerUser?.load], ["c64", "c2"]);

    const limited = computeFrontier(points, { ttftP99Ms: 250 }).best;
    // c64 breaks the TTFT limit; slow/c2 has no TTFT figure, so it cannot be shown to meet it.
    assert.deepEqual([limited.outputTokenThroughputPerGpu?.load, limited.outputTokenThroughputPerUser?.load], ["c8", "c1"]);
    assert.equal(limited.outputTokenThroughputPerGpu?.ttftP99Ms, 200);

    const tight = computeFrontier(points, { ttftP99Ms: 250, itlP99Ms: 1 }).best;
    assert.deepEqual([tight.outputTokenThroughputPerGpu?.load, tight.outputTokenThroughputPerUser?.load], ["c1", "c1"]);

    const none = computeFrontier(points, { requestLatencyP99Ms: 1e9 }).best;
    assert.deepEqual(none, { outputTokenThroughputPerGpu: undefined, outputTokenThroughputPerUser: undefined });
});

test("best breaks a tie on its objective by the other figure", () => {
    const { best } = computeFrontier([point("a", { c1: figures(100, 10) }), point("b", { c1: figures(100, 20) }), point("c", { c1: figures(50, 20) })]);
    assert.equal(best.outputTokenThroughputPerGpu?.point, "b");
    assert.equal(best.outputTokenThroughputPerUser?.point, "b");
});

test("no points, or points without phases: an empty frontier and no best", () => {
    assert.deepEqual(computeFrontier([]), {
        frontier: [],
        best: { outputTokenThroughputPerGpu: undefined, outputTokenThroughputPerUser: undefined },
        unranked: [],
    });
    assert.deepEqual(computeFrontier([point("a", {})]).frontier, []);
});

// Small integer figures make ties and equal coordinates common; undefined makes unranked candidates.
const figure = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });
const pointsArb = fc.array(
    fc.dictionary(
        fc.constantFrom("c1", "c2", "c4", "c8"),
        fc.record({ gpu: figure, user: figure, ttft: figure, itl: figure }).map((f) => figures(f.gpu, f.user, { ttft: f.ttft, itl: f.itl })),
    ),
    { maxLength: 8 },
);
const limitsArb = fc.record({ ttftP99Ms: fc.integer({ min: 0, max: 6 }), itlP99Ms: fc.integer({ min: 0, max: 6 }) }, { requiredKeys: [] });

test("property: no frontier entry is dominated, and every other ranked candidate is dominated by a frontier entry", () => {
    fc.assert(
        fc.property(pointsArb, (phaseSets) => {
            const points = phaseSets.map((phases, i) => point(`p${i}`, phases));
            const { frontier, unranked } = computeFrontier(points);
            const all = computeFrontier(points, {}).best; // same input, same answer
            const ranked = points.flatMap((p) =>
                Object.entries(p.phases)
                    .filter(([, f]) => f.outputTokenThroughputPerGpuTokPerS !== undefined && f.outputTokenThroughputPerUserTokPerS !== undefined)
                    .map(([load, f]) => ({
                        point: p.id,
                        load,
                        outputTokenThroughputPerGpuTokPerS: f.outputTokenThroughputPerGpuTokPerS!,
                        outputTokenThroughputPerUserTokPerS: f.outputTokenThroughputPerUserTokPerS!,
                    })),
            );
            const onFrontier = new Set(names(frontier));
            assert.equal(
                ranked.length + unranked.length,
                points.reduce((n, p) => n + Object.keys(p.phases).length, 0),
            );
            for (const entry of frontier) assert.ok(!ranked.some((c) => dominates(c, entry)), `${entry.point}/${entry.load} is dominated`);
            for (const c of ranked.filter((c) => !onFrontier.has(`${c.point}/${c.load}`))) {
                assert.ok(
                    frontier.some((f) => dominates(f, c)),
                    `${c.point}/${c.load} is off the frontier yet not dominated by it`,
                );
            }
            for (let i = 1; i < frontier.length; i++) {
                assert.ok(frontier[i - 1]!.outputTokenThroughputPerUserTokPerS <= frontier[i]!.outputTokenThroughputPerUserTokPerS);
            }
            // With no limits, best per GPU has the highest per-GPU figure of all ranked candidates.
            const maxGpu = Math.max(...ranked.map((c) => c.outputTokenThroughputPerGpuTokPerS));
            assert.equal(all.outputTokenThroughputPerGpu?.outputTokenThroughputPerGpuTokPerS, ranked.length ? maxGpu : undefined);
        }),
        { numRuns: 500 },
    );
});

test("property: best meets every limit, and no candidate meeting them beats it", () => {
    fc.assert(
        fc.property(pointsArb, limitsArb, (phaseSets, limits) => {
            const points = phaseSets.map((phases, i) => point(`p${i}`, phases));
            const { best } = computeFrontier(points, limits);
            const eligible = points.flatMap((p) =>
                Object.values(p.phases).filter(
                    (f) =>
                        f.outputTokenThroughputPerGpuTokPerS !== undefined &&
                        f.outputTokenThroughputPerUserTokPerS !== undefined &&
                        (limits.ttftP99Ms === undefined || (f.ttftMs?.p99 !== undefined && f.ttftMs.p99 <= limits.ttftP99Ms)) &&
                        (limits.itlP99Ms === undefined || (f.itlMs?.p99 !== undefined && f.itlMs.p99 <= limits.itlP99Ms)),
                ),
            );
            for (const [objective, key] of [
                ["outputTokenThroughputPerGpu", "outputTokenThroughputPerGpuTokPerS"],
                ["outputTokenThroughputPerUser", "outputTokenThroughputPerUserTokPerS"],
            ] as const) {
                const chosen = best[objective];
                if (eligible.length === 0) {
                    assert.equal(chosen, undefined);
                    continue;
                }
                assert.equal(chosen?.[key], Math.max(...eligible.map((f) => f[key]!)));
                if (limits.ttftP99Ms !== undefined) assert.ok(chosen!.ttftP99Ms! <= limits.ttftP99Ms);
                if (limits.itlP99Ms !== undefined) assert.ok(chosen!.itlP99Ms! <= limits.itlP99Ms);
            }
        }),
        { numRuns: 500 },
    );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { crosses, niceMax, placeLabels, type LabelRequest, type Segment } from "../../lib/report/label-layout";

const METRICS = { charWidth: 6, lineHeight: 12, markRadius: 4 };
const AREA = { width: 300, height: 200 };

function boxOf(place: { x: number; y: number }, text: string) {
    return { left: place.x, right: place.x + text.length * METRICS.charWidth, top: place.y - METRICS.lineHeight / 2, bottom: place.y + METRICS.lineHeight / 2 };
}
const overlap = (a: ReturnType<typeof boxOf>, b: ReturnType<typeof boxOf>) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

test("a lone mark's text goes to its right, vertically centred, clear of the mark", () => {
    const [place] = placeLabels([{ x: 100, y: 100, text: "c4", priority: 0 }], AREA, METRICS);
    assert.deepEqual(place, { x: 106, y: 100 });
});

test("at the right edge the text goes left of the mark; a larger (ringed) mark keeps it further away", () => {
    assert.deepEqual(placeLabels([{ x: 295, y: 100, text: "c4", priority: 0 }], AREA, METRICS)[0], { x: 295 - 6 - 12, y: 100 });
    assert.deepEqual(placeLabels([{ x: 100, y: 100, text: "c4", priority: 0, radius: 10 }], AREA, METRICS)[0], { x: 112, y: 100 });
});

test("a text that fits nowhere is left out, the more important one placed first", () => {
    // Two marks on one spot in a box just big enough for one text.
    const area = { width: 40, height: 14 };
    const requests: LabelRequest[] = [
        { x: 6, y: 7, text: "low", priority: 0 },
        { x: 6, y: 7, text: "top", priority: 1 },
    ];
    const places = placeLabels(requests, area, { ...METRICS, markRadius: 1 });
    assert.equal(places[0], undefined);
    assert.deepEqual(places[1], { x: 9, y: 7 });
});

test("texts keep off lines: a line through the right-hand spot moves the text", () => {
    const line: Segment = [100, 100, 200, 100];
    const [place] = placeLabels([{ x: 100, y: 100, text: "c4", priority: 0 }], AREA, METRICS, [line]);
    assert.ok(place && !crosses(line, boxOf(place, "c4")), JSON.stringify(place));
    assert.notDeepEqual(place, { x: 106, y: 100 });
});

test("segment and box: through, beside, ending inside, and along an edge line outside", () => {
    const box = { left: 10, right: 20, top: 10, bottom: 20 };
    assert.equal(crosses([0, 15, 30, 15], box), true);
    assert.equal(crosses([0, 25, 30, 25], box), false);
    assert.equal(crosses([0, 0, 15, 15], box), true);
    assert.equal(crosses([0, 0, 9, 30], box), false);
    assert.equal(crosses([25, 0, 25, 30], box), false);
});

test("axis upper ends are round and above the largest value", () => {
    assert.deepEqual(
        [2104, 871.1, 349, 2.34, 1, 0].map((v) => niceMax(v)),
        [2500, 1000, 400, 2.5, 1.25, 1],
    );
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (v) => niceMax(v) > v));
});

test("property: placed texts stay inside, overlap no other text and no other mark", () => {
    const request = fc.record({
        x: fc.integer({ min: 0, max: AREA.width }),
        y: fc.integer({ min: 0, max: AREA.height }),
        text: fc.constantFrom("c1", "c16", "decode.replicas=2 c4", ""),
        priority: fc.integer({ min: 0, max: 1 }),
    });
    fc.assert(
        fc.property(fc.array(request, { maxLength: 30 }), (requests) => {
            const places = placeLabels(requests, AREA, METRICS);
            const boxes = places.map((p, i) => (p === undefined ? undefined : boxOf(p, requests[i]!.text)));
            boxes.forEach((box, i) => {
                if (box === undefined) return;
                assert.notEqual(requests[i]!.text, "");
                assert.ok(box.left >= 0 && box.right <= AREA.width && box.top >= 0 && box.bottom <= AREA.height);
                boxes.forEach((other, j) => assert.ok(j === i || other === undefined || !overlap(box, other)));
                requests.forEach((m, j) => {
                    const r = METRICS.markRadius;
                    assert.ok(j === i || !overlap(box, { left: m.x - r, right: m.x + r, top: m.y - r, bottom: m.y + r }), `text ${i} covers mark ${j}`);
                });
            });
        }),
        { numRuns: 300 },
    );
});

// Where each mark's text goes, so labels neither overlap each other nor cover
// marks: a greedy placement in pixels, most important labels first, trying a
// few spots around the mark; a label that fits nowhere is left out (the
// tables have every figure). Vega's own label transform needs a canvas
// package in Node, which this project does not install. Pure.

export interface LabelRequest {
    /** The mark's centre, in pixels from the plot's top left. */
    x: number;
    y: number;
    text: string;
    /** Placed first when higher (frontier points before the rest). */
    priority: number;
    /** Half the size of this mark, px, when it is drawn larger than LabelMetrics.markRadius (a ringed mark). */
    radius?: number;
}

/** A line drawn between marks, px: labels keep off it. */
export type Segment = readonly [x1: number, y1: number, x2: number, y2: number];

/** Where the text starts: its left edge and vertical middle, in pixels; undefined when it fits nowhere. */
export interface LabelPlace {
    x: number;
    y: number;
}

export interface LabelMetrics {
    /** Estimated width of one character, px. */
    charWidth: number;
    /** Height of a line, px. */
    lineHeight: number;
    /** Half the size of a mark, px: labels keep clear of it. */
    markRadius: number;
}

interface Box {
    left: number;
    right: number;
    top: number;
    bottom: number;
}

/** Spots around the mark, in order of preference: right, above right, below right, left, above, below, above left, below left. */
const SPOTS: ReadonlyArray<readonly [number, number]> = [
    [1, 0],
    [1, -1],
    [1, 1],
    [-1, 0],
    [0, -1],
    [0, 1],
    [-1, -1],
    [-1, 1],
];

export function placeLabels(
    requests: readonly LabelRequest[],
    area: { width: number; height: number },
    metrics: LabelMetrics,
    segments: readonly Segment[] = [],
): Array<LabelPlace | undefined> {
    const gapOf = (r: LabelRequest) => (r.radius ?? metrics.markRadius) + 2;
    const marks: Box[] = requests.map((r) => ({ left: r.x - gapOf(r), right: r.x + gapOf(r), top: r.y - gapOf(r), bottom: r.y + gapOf(r) }));
    const placed: Box[] = [];
    const result: Array<LabelPlace | undefined> = requests.map(() => undefined);
    const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.priority - requests[a]!.priority || a - b);
    for (const i of order) {
        const r = requests[i]!;
        if (r.text === "") continue;
        const gap = gapOf(r);
        const w = r.text.length * metrics.charWidth;
        const h = metrics.lineHeight;
        for (const [sx, sy] of SPOTS) {
            // The text box touches the mark's clearance box on the chosen side(s), centred on the other axis.
            const left = sx > 0 ? r.x + gap : sx < 0 ? r.x - gap - w : r.x - w / 2;
            const top = sy > 0 ? r.y + gap : sy < 0 ? r.y - gap - h : r.y - h / 2;
            const box = { left, right: left + w, top, bottom: top + h };
            const inside = box.left >= 0 && box.right <= area.width && box.top >= 0 && box.bottom <= area.height;
            const own = marks[i]!;
            const free = !placed.some((p) => overlaps(p, box)) && !marks.some((m) => m !== own && overlaps(m, box)) && !segments.some((g) => crosses(g, box));
            if (inside && free) {
                placed.push(box);
                result[i] = { x: box.left, y: box.top + h / 2 };
                break;
            }
        }
    }
    return result;
}

function overlaps(a: Box, b: Box): boolean {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Whether a segment passes through a box (Liang-Barsky clipping of the segment to the box). */
export function crosses([x1, y1, x2, y2]: Segment, box: Box): boolean {
    const dx = x2 - x1;
    const dy = y2 - y1;
    let t0 = 0;
    let t1 = 1;
    for (const [p, q] of [
        [-dx, x1 - box.left],
        [dx, box.right - x1],
        [-dy, y1 - box.top],
        [dy, box.bottom - y1],
    ] as const) {
        if (p === 0) {
            if (q < 0) return false;
            continue;
        }
        const t = q / p;
        if (p < 0) t0 = Math.max(t0, t);
        else t1 = Math.min(t1, t);
        if (t0 > t1) return false;
    }
    return true;
}

/** A round upper end for an axis from 0 that leaves the largest value some room: 1, 2, 2.5 or 5 times a power of ten steps. */
export function niceMax(max: number, ticks = 5): number {
    if (!(max > 0)) return 1;
    const rough = (max * 1.05) / ticks;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
    return Math.ceil((max * 1.05) / step) * step;
}

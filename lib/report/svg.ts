// Renders a Vega-Lite spec to SVG in Node, without a browser: Vega-Lite
// compiles it to Vega, and a headless Vega View serialises its scene to SVG.
import type { TopLevelSpec } from "vega-lite/build/index";

// vega and vega-lite are ES modules with top-level await (vega-canvas probes for
// the optional `canvas` package), which require() cannot load: they are loaded
// with a native dynamic import, under a name TypeScript does not resolve, since
// this project's CommonJS setting cannot see vega-lite's types at its root.
type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite/build/index");
const VEGA: string = "vega";
const VEGA_LITE: string = "vega-lite";

export interface RenderedChart {
    svg: string;
    /** What Vega-Lite warned about while compiling (an ignored channel, a dropped value). */
    warnings: string[];
}

export async function renderSvg(spec: TopLevelSpec): Promise<RenderedChart> {
    const [vega, vegaLite] = (await Promise.all([import(VEGA), import(VEGA_LITE)])) as [VegaModule, VegaLiteModule];
    const warnings: string[] = [];
    const logger = quietLogger(vega, warnings);
    const compiled = vegaLite.compile(spec, { logger }).spec;
    // renderer "none": no canvas or DOM; toSVG builds the SVG from the scene graph itself.
    const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
    try {
        return { svg: await view.toSVG(), warnings };
    } finally {
        view.finalize();
    }
}

/** A Vega logger that collects warnings instead of printing them, so the caller decides where they go. */
function quietLogger(vega: VegaModule, warnings: string[]) {
    const base = vega.logger(vega.Warn);
    const collect = (...args: readonly unknown[]) => {
        warnings.push(args.map(String).join(" "));
        return logger;
    };
    const logger = Object.assign(base, { warn: collect, info: () => logger, debug: () => logger });
    return logger;
}

// GPU utilisation samples from nvidia-smi (`--query-gpu=... --format=csv`, one
// row per GPU per sample; values carry their units, "45 %", "1024 MiB",
// "[N/A]" where a GPU does not report a field), as the Slurm job's samplers
// write them: each row behind the epoch milliseconds of its sample
// (scripts/slurm/node.sh). Parsed, then summarized for a time window (a phase).

export interface GpuSample {
    epochMs: number;
    /** GPU index on its node (the `index` column), or the row's order when absent. */
    gpu: string;
    utilizationGpuPercent?: number;
    utilizationMemoryPercent?: number;
    memoryUsedMiB?: number;
    memoryTotalMiB?: number;
    powerDrawW?: number;
}

export interface GpuUtilizationSummary {
    /** Sampling rounds in the window (a round holds one row per GPU). */
    samples: number;
    gpus: number;
    utilizationGpuPercent?: { avg: number; max: number };
    utilizationMemoryPercent?: { avg: number; max: number };
    memoryUsedMiB?: { max: number };
    powerDrawW?: { avg: number; max: number };
}

/** A value without its unit; undefined for "[N/A]", "[Not Supported]" and the like. */
function numberOf(cell: string | undefined): number | undefined {
    if (cell === undefined) return undefined;
    const m = /^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*(%|MiB|W|MHz|C)?\s*$/.exec(cell);
    return m ? Number(m[1]) : undefined;
}

/** Header "utilization.gpu [%]" -> "utilization.gpu". */
const columnName = (header: string) => header.trim().replace(/\s*\[[^\]]*\]$/, "");

/** Parses a sampler's CSV; throws naming the file and line for a row it cannot read. */
export function parseGpuSamples(text: string, file = "gpu-utilization.csv"): GpuSample[] {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length === 0) return [];
    const columns = lines[0]!.split(",").map(columnName);
    const at = (name: string) => columns.indexOf(name);
    if (at("epoch_ms") !== 0)
        throw new Error(`${file}:1: expected a header starting with epoch_ms (a dynamo-bench sampler's file), got ${JSON.stringify(lines[0])}`);
    const out: GpuSample[] = [];
    lines.slice(1).forEach((line, i) => {
        // nvidia-smi's values hold no commas (names such as "NVIDIA H100 80GB HBM3" neither).
        const cells = line.split(",");
        if (cells.length !== columns.length)
            throw new Error(`${file}:${i + 2}: expected ${columns.length} columns, got ${cells.length}: ${JSON.stringify(line)}`);
        const epochMs = Number(cells[0]);
        if (!Number.isFinite(epochMs)) throw new Error(`${file}:${i + 2}: expected epoch milliseconds first, got ${JSON.stringify(cells[0])}`);
        const cell = (name: string) => (at(name) >= 0 ? cells[at(name)] : undefined);
        const sample: GpuSample = { epochMs, gpu: (cell("index") ?? cell("pci.bus_id") ?? String(i)).trim() };
        const fields: Array<[keyof GpuSample, string]> = [
            ["utilizationGpuPercent", "utilization.gpu"],
            ["utilizationMemoryPercent", "utilization.memory"],
            ["memoryUsedMiB", "memory.used"],
            ["memoryTotalMiB", "memory.total"],
            ["powerDrawW", "power.draw"],
        ];
        for (const [key, name] of fields) {
            const v = numberOf(cell(name));
            if (v !== undefined) (sample as unknown as Record<string, number>)[key] = v;
        }
        out.push(sample);
    });
    return out;
}

const round = (v: number) => Math.round(v * 100) / 100;

function stats(values: number[]): { avg: number; max: number } | undefined {
    if (values.length === 0) return undefined;
    return { avg: round(values.reduce((a, b) => a + b, 0) / values.length), max: Math.max(...values) };
}

/** The samples taken in [fromMs, toMs] (every sample without bounds). */
export function summarizeGpuSamples(samples: readonly GpuSample[], fromMs = -Infinity, toMs = Infinity): GpuUtilizationSummary {
    const inWindow = samples.filter((s) => s.epochMs >= fromMs && s.epochMs <= toMs);
    const pick = (key: keyof GpuSample) => inWindow.flatMap((s) => (typeof s[key] === "number" ? [s[key] as number] : []));
    const util = stats(pick("utilizationGpuPercent"));
    const mem = stats(pick("utilizationMemoryPercent"));
    const used = pick("memoryUsedMiB");
    const power = stats(pick("powerDrawW"));
    return {
        samples: new Set(inWindow.map((s) => s.epochMs)).size,
        gpus: new Set(inWindow.map((s) => s.gpu)).size,
        ...(util ? { utilizationGpuPercent: util } : {}),
        ...(mem ? { utilizationMemoryPercent: mem } : {}),
        ...(used.length > 0 ? { memoryUsedMiB: { max: Math.max(...used) } } : {}),
        ...(power ? { powerDrawW: power } : {}),
    };
}

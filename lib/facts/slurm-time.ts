// Slurm time limits in seconds.

/** Seconds of a Slurm time string ("90", "MM:SS", "HH:MM:SS", "D-HH[:MM[:SS]]") or of a number of minutes. */
export function timeLimitSeconds(limit: string | number): number {
    if (typeof limit === "number") return limit * 60;
    const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(limit);
    if (!m) throw new Error(`not a Slurm time limit: ${limit}`);
    const [, d, a, b, c] = m;
    const days = Number(d ?? 0);
    if (d !== undefined) return days * 86400 + Number(a) * 3600 + Number(b ?? 0) * 60 + Number(c ?? 0);
    if (c !== undefined) return Number(a) * 3600 + Number(b) * 60 + Number(c);
    if (b !== undefined) return Number(a) * 60 + Number(b);
    return Number(a) * 60;
}

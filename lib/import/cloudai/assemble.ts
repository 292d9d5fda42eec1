// The argument lists of an import, put together once every field is read: a
// role's flags in the order CloudAI gave them, and, where CloudAI swept an
// argument, one labelled argument set per combination (docs/sweeps.md).
import type { ArgRole, Draft } from "./draft";
import { flagArgs } from "./draft";

const TARGET_PATH: Record<ArgRole, string> = {
    prefill: "prefill.extraArgs",
    decode: "decode.extraArgs",
    frontend: "frontend.extraArgs",
    benchmark: "benchmark.extraArgs",
};

export function assembleArgs(draft: Draft): void {
    for (const role of Object.keys(TARGET_PATH) as ArgRole[]) {
        const base = draft.args[role];
        const dims = draft.argDimensions[role];
        if (dims.length === 0) {
            if (base.length > 0) draft.set(TARGET_PATH[role], base);
            continue;
        }
        let sets: Array<{ label: string[]; args: string[] }> = [{ label: [], args: [] }];
        for (const dim of dims) {
            sets = sets.flatMap((s) =>
                dim.values.map((v, i) => ({
                    label: [...s.label, String(i + 1)],
                    // A flag dimension adds `--flag value`; a whole extra-args dimension adds its words.
                    args: [...s.args, ...(dim.flag ? flagArgs(dim.flag, v) : String(v).split(/\s+/).filter(Boolean))],
                })),
            );
        }
        draft.grid[TARGET_PATH[role]] = sets.map((s) => ({ label: s.label.join("x"), value: [...base, ...s.args] }));
    }
}

// fast-check, configured once for every property suite: a fixed seed and a
// bounded number of runs, so `npm test` is repeatable and its time bounded.
// On a failure fast-check's message names the seed and the shrunk
// counterexample's path; to replay it, or to explore other inputs, run with
// FC_SEED=<seed> (and FC_RUNS=<n> for more runs), e.g.
//   FC_SEED=123 node --import tsx --test test/unit/config-properties.test.ts
import fc from "fast-check";

export const SEED = Number(process.env.FC_SEED ?? 20261202);
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : undefined;

fc.configureGlobal({ seed: SEED, ...(RUNS ? { numRuns: RUNS } : {}), interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });

/** The run count of one property: `runs` unless FC_RUNS overrides it. */
export const runs = (n: number): number => RUNS ?? n;

export { fc };

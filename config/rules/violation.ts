// The shape every config rule reports: the field to fix and what is wrong with it.

export interface RuleViolation {
    /** Field path under the project namespace, e.g. "decode.nodesPerWorker". */
    path: string;
    /** What was expected, what was given, and what to set. */
    message: string;
    /** The cluster file the value came from (config/cluster.ts); unset: the stack's own `<namespace>:<path>` key. */
    file?: string;
}

/** What the rules know besides the parsed config. */
export interface RuleContext {
    /** Benchmark name as resolved (the stack name when `name` is unset). */
    benchmarkName: string;
    /**
     * Secret config keys that are set, and "secretEnv.<NAME>" for each secretEnv entry (names only; config/secret-env.ts);
     * undefined when unknown (then secret rules are skipped).
     */
    secretsPresent?: ReadonlySet<string>;
}

// An accuracy phase (`benchmark.phases[i].accuracy`): AIPerf's accuracy mode
// (`--accuracy-benchmark` and its options) scoring the served model on a
// benchmark's problems, as CloudAI's aiperf_accuracy does after its load
// phases. The phase keeps its load settings (concurrency, requestCount); its
// scores land next to its figures in the stack outputs (phases.<name>.accuracy).
// AIPerf reads the problems through HuggingFace `datasets` (the hub, or the
// datasets cache under HF_HOME).
import { z } from "zod";

export const accuracySchema = z.strictObject({
    /** AIPerf's --accuracy-benchmark: mmlu, mmlu-pro, aime, hellaswag, bigbench, aime24, aime25, math-500, gpqa-diamond, ... */
    benchmark: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected an AIPerf accuracy benchmark name such as mmlu"),
    /** Subjects or subtasks (e.g. MMLU's abstract_algebra); none: the benchmark's own set. */
    tasks: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected a task name such as abstract_algebra")).default([]),
    /** Few-shot examples per prompt (0..32); unset: the benchmark's default (MMLU: 5). */
    nShots: z.number().int().min(0).max(32).optional(),
    /** Chain-of-thought prompting; unset: the benchmark's default. */
    enableCot: z.boolean().optional(),
});

export type AccuracySpec = z.output<typeof accuracySchema>;

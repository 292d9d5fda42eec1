// SGLang wide expert parallelism (`prefill.wideEp`, `decode.wideEp`): one
// worker across nodes whose attention runs data parallel and whose experts are
// spread over every GPU, as Dynamo's DeepSeek-R1 wide-EP examples launch it.
// The worker's shape keeps its meaning: tensorParallel x dataParallel GPUs,
// dataParallel attention groups of tensorParallel GPUs each; SGLang is told
// the world size as --tp-size and the groups as --dp-size with
// --enable-dp-attention (lib/dynamo/workers/sglang-wide-ep.ts).
import { z } from "zod";

const positiveInt = z.number().int().min(1);

export const wideEpSchema = z.strictObject({
    /** GPUs the experts are spread over (--ep-size); default every GPU of the worker. Must divide them. */
    expertParallel: positiveInt.optional(),
    /** All-to-all of the MoE layers (--moe-a2a-backend). */
    a2aBackend: z.enum(["deepep", "deepep_v2", "mooncake", "nixl", "mori", "flashinfer", "pplx"]).default("deepep"),
    /** DeepEP kernels (--deepep-mode): normal suits prefill, low_latency decode; auto picks per batch. */
    deepepMode: z.enum(["auto", "normal", "low_latency"]).optional(),
    /** Tuned DeepEP settings: a file path on the node or inline JSON (--deepep-config). */
    deepepConfig: z.string().min(1).optional(),
    /** Vocabulary parallel across each attention group (--enable-dp-lm-head). */
    dpLmHead: z.boolean().default(false),
    /** TP size of the dense MLP layers (--moe-dense-tp-size); 1 in Dynamo's examples. */
    moeDenseTp: positiveInt.optional(),
    /** Redundant expert copies for load balancing (--ep-num-redundant-experts). */
    redundantExperts: z.number().int().min(0).optional(),
});

export type WideEpSpec = z.output<typeof wideEpSchema>;

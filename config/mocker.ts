// The mocker's engine knobs on the local target (`local.mocker`): what
// CloudAI's DynamoMocker sets in its `engine` and per-role `args` sections.
// Unset knobs leave the mocker's own defaults (vLLM: block size 64, 16384 GPU
// blocks, prefix caching on, 256 sequences per iteration).
import { z } from "zod";

const positiveInt = z.number().int().min(1);

export const mockerSchema = z.strictObject({
    /** Tokens per KV-cache block (--block-size). */
    blockSize: positiveInt.optional(),
    /** KV-cache capacity in blocks per data-parallel rank (--num-gpu-blocks-override). */
    numGpuBlocks: positiveInt.optional(),
    /** Automatic prefix caching (--enable-prefix-caching / --no-enable-prefix-caching). */
    prefixCaching: z.boolean().optional(),
    /** Simulated prefill-to-decode KV transfer, GB/s; 0 removes the delay (--kv-transfer-bandwidth, disaggregated only). */
    kvTransferBandwidthGBps: z.number().min(0).optional(),
    /**
     * Sequences a worker schedules per iteration (--max-num-seqs), per role; aggregated
     * workers take decode's. A prefill worker also holds at most this many prefill-to-decode
     * handoffs at once, so it bounds the load (config/rules/local.ts).
     */
    maxNumSeqs: z.strictObject({ prefill: positiveInt.optional(), decode: positiveInt.optional() }).prefault({}),
    /**
     * Disaggregated: prefill workers listen on a bootstrap port and decode workers
     * rendezvous with them for every request (--bootstrap-ports). false starts the
     * prefill workers without it, as CloudAI's DynamoMocker does; the handoff limit
     * of maxNumSeqs then does not apply.
     */
    handoff: z.boolean().default(true),
});

export type MockerSpec = z.output<typeof mockerSchema>;

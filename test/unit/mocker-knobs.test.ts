// The mocker's engine knobs on the local target: config -> local plan -> the
// mocker's flags per role, and the rule that refuses a disaggregated run whose
// max-num-seqs cannot hold the load's handoffs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSpec, ConfigError } from "../../config/load";
import { planInputFromSpec } from "../../lib/local/from-spec";
import { planLocalRun } from "../../lib/local/plan";

const base = {
    target: "local",
    model: { id: "/models/tiny", servedName: "tiny" },
    benchmark: { concurrency: 10 },
    local: { mocker: { blockSize: 64, numGpuBlocks: 256, prefixCaching: true, kvTransferBandwidthGBps: 200, maxNumSeqs: { prefill: 10, decode: 16 } } },
};

function argvOf(raw: Record<string, unknown>): Record<string, string[]> {
    const spec = loadSpec(raw, "knobs");
    const input = planInputFromSpec(spec, { env: { HOME: "/tmp" }, runDir: "/tmp/knobs", runId: "knobs" });
    const plan = planLocalRun(input, {}, { frontend: 41000, bootstrap: [41001] });
    return Object.fromEntries(plan.processes.map((p) => [p.name, p.argv]));
}

const valueOf = (argv: string[], name: string) => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? "") : undefined);

describe("local.mocker: engine knobs reach every mocker", () => {
    test("disaggregated: block size, GPU blocks, prefix caching, transfer bandwidth on both roles; max-num-seqs per role", () => {
        const argv = argvOf(base);
        for (const [name, seqs] of [
            ["prefill-0", "10"],
            ["decode-0", "16"],
        ] as const) {
            const a = argv[name]!;
            assert.equal(valueOf(a, "--block-size"), "64", name);
            assert.equal(valueOf(a, "--num-gpu-blocks-override"), "256", name);
            assert.ok(a.includes("--enable-prefix-caching"), name);
            assert.equal(valueOf(a, "--kv-transfer-bandwidth"), "200", name);
            assert.equal(valueOf(a, "--max-num-seqs"), seqs, name);
        }
        assert.equal(valueOf(argv.frontend!, "--block-size"), undefined, "the frontend takes no engine knob");
    });

    test("aggregated: decode's max-num-seqs, and no transfer bandwidth (nothing is handed over)", () => {
        const argv = argvOf({ ...base, mode: "aggregated", prefill: { replicas: 0 } });
        const a = argv["worker-0"]!;
        assert.equal(valueOf(a, "--max-num-seqs"), "16");
        assert.equal(valueOf(a, "--kv-transfer-bandwidth"), undefined);
    });

    test("prefix caching off is the mocker's own --no- switch; unset knobs leave the mocker's defaults", () => {
        const off = argvOf({ ...base, local: { mocker: { prefixCaching: false } } })["decode-0"]!;
        assert.ok(off.includes("--no-enable-prefix-caching"));
        assert.ok(!off.includes("--enable-prefix-caching"));
        const none = argvOf({ ...base, local: {} })["prefill-0"]!;
        for (const f of ["--block-size", "--num-gpu-blocks-override", "--enable-prefix-caching", "--kv-transfer-bandwidth", "--max-num-seqs"]) {
            assert.ok(!none.includes(f), f);
        }
    });

    test("a flag in a role's extraArgs replaces the knob's, so it is never given twice", () => {
        const a = argvOf({ ...base, prefill: { extraArgs: ["--block-size", "32", "--no-enable-prefix-caching"] } })["prefill-0"]!;
        assert.deepEqual(
            a.filter((x) => x === "--block-size"),
            ["--block-size"],
        );
        assert.equal(valueOf(a, "--block-size"), "32");
        assert.ok(!a.includes("--enable-prefix-caching"));
    });
});

describe("local.mocker.maxNumSeqs against the load (config/rules/local.ts)", () => {
    const problems = (raw: Record<string, unknown>) => {
        try {
            loadSpec(raw, "knobs");
            return [];
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            return e.violations.map((v) => `${v.path}: ${v.message}`);
        }
    };

    test("CloudAI's shipped values (prefill 4, decode 16) at concurrency 10 are refused, naming the prefill field and the concurrency", () => {
        const found = problems({ ...base, local: { mocker: { maxNumSeqs: { prefill: 4, decode: 16 } } } });
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0]!, /^local\.mocker\.maxNumSeqs\.prefill: expected at least the highest benchmark concurrency \(10\).*got 4; raise it to 10/);
    });

    test("the decode side is checked too, and the highest phase concurrency counts", () => {
        const found = problems({
            ...base,
            benchmark: {
                phases: [
                    { name: "a", concurrency: 2 },
                    { name: "b", concurrency: 12 },
                ],
            },
            local: { mocker: { maxNumSeqs: { prefill: 12, decode: 8 } } },
        });
        assert.deepEqual(
            found.map((f) => f.split(":")[0]),
            ["local.mocker.maxNumSeqs.decode"],
        );
        assert.match(found[0]!, /\(12\)/);
    });

    test("without the handoff (CloudAI's way) the prefill worker gets no bootstrap port and CloudAI's values pass", () => {
        const mocker = { maxNumSeqs: { prefill: 4, decode: 16 }, handoff: false };
        assert.deepEqual(problems({ ...base, local: { mocker } }), []);
        const argv = argvOf({ ...base, local: { mocker } });
        assert.ok(!argv["prefill-0"]!.includes("--bootstrap-ports"));
        assert.equal(valueOf(argv["prefill-0"]!, "--max-num-seqs"), "4");
        assert.ok(argvOf(base)["prefill-0"]!.includes("--bootstrap-ports"), "the handoff is on by default");
    });

    test("a request-rate load is refused with a limit set; aggregated mode and the boundary value pass", () => {
        assert.match(problems({ ...base, benchmark: { requestRate: 5 } })[0] ?? "", /expected no request-rate load/);
        assert.deepEqual(problems({ ...base, mode: "aggregated", prefill: { replicas: 0 }, local: { mocker: { maxNumSeqs: { decode: 1 } } } }), []);
        assert.deepEqual(problems(base), []);
    });
});

// CloudAI's aiperf_accuracy (an AIPerf accuracy run after the load phases,
// its command line written out in `cli` with {model}/{url}/... placeholders)
// as an accuracy phase at the end of benchmark.phases (config/accuracy.ts).
// The flags with a setting become it; those dynamo-bench plans (model, URL,
// artifact folder, endpoint type, streaming, server metrics) are dropped; the
// rest are the phase's extraArgs.
import { toDnsLabel } from "../../../config/names";
import type { MapContext } from "./table";
import { splitWords } from "./words";

const PLANNED = new Set(["--model", "--url", "--endpoint-type", "--streaming", "--artifact-dir", "--no-server-metrics", "--server-metrics", "--tokenizer"]);
const SWITCHES = new Set(["--streaming", "--no-server-metrics", "--accuracy-enable-cot", "--accuracy-no-enable-cot", "--accuracy-verbose"]);

export function applyAccuracyCli(value: unknown, ctx: MapContext): void | false {
    const section = ((ctx.doc.cmd_args as Record<string, unknown>)?.aiperf_accuracy ?? {}) as Record<string, unknown>;
    const entrypoint = String(section.entrypoint ?? "aiperf profile");
    if (entrypoint.trim() !== "aiperf profile") {
        ctx.note("not mapped", `a custom accuracy command (${entrypoint}); an accuracy phase runs AIPerf's accuracy mode`);
        return false;
    }
    const words = splitWords(String(value));
    const accuracy: Record<string, unknown> = {};
    const phase: Record<string, unknown> = { name: toDnsLabel(String(section.name ?? "aiperf_accuracy")) };
    const extra: string[] = [];
    const dropped: string[] = [];
    for (let i = 0; i < words.length; i++) {
        const flag = words[i]!;
        const takes = flag.startsWith("--") && !SWITCHES.has(flag) && i + 1 < words.length && !words[i + 1]!.startsWith("--");
        const arg = takes ? words[++i]! : undefined;
        if (flag === "--accuracy-benchmark") accuracy.benchmark = arg;
        else if (flag === "--accuracy-tasks") accuracy.tasks = [...((accuracy.tasks as string[]) ?? []), ...String(arg).split(",")];
        else if (flag === "--accuracy-n-shots") accuracy.nShots = Number(arg);
        else if (flag === "--accuracy-enable-cot" || flag === "--accuracy-no-enable-cot") accuracy.enableCot = flag === "--accuracy-enable-cot";
        else if (flag === "--concurrency") phase.concurrency = Number(arg);
        else if (flag === "--num-requests" || flag === "--request-count") phase.requestCount = Number(arg);
        else if (PLANNED.has(flag)) dropped.push(flag);
        else if (/\{[a-z_]+\}/.test(arg ?? "")) ctx.note("not mapped", `${flag} ${arg}: a CloudAI placeholder with no value here`);
        else extra.push(flag, ...(arg === undefined ? [] : [arg]));
    }
    if (!accuracy.benchmark) {
        ctx.note("not mapped", "no --accuracy-benchmark in the command line: not an AIPerf accuracy run");
        return false;
    }
    ctx.draft.trailingPhases.push({ ...phase, ...(extra.length ? { extraArgs: extra } : {}), accuracy });
    ctx.note(
        "mapped",
        `an accuracy phase "${String(phase.name)}" after the load phases${dropped.length ? `; ${dropped.join(" ")} are planned by dynamo-bench` : ""}${extra.length ? `; ${extra.join(" ")} join its extraArgs` : ""}`,
        "benchmark.phases[].accuracy",
    );
    return false;
}

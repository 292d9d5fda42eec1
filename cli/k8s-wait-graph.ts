/**
 * `dynamo-bench k8s-wait-graph`: waits (bounded) until a DynamoGraphDeployment
 * reports Ready for its current generation. Run by the `<name>-graph-ready`
 * command of the Kubernetes target, between the graph and the benchmark Job;
 * usable by hand as well.
 *
 * On a timeout, or on a state that cannot recover (lib/kubernetes/graph-wait.ts),
 * it exits 1 and its stderr ends with the reason, the graph's state and
 * conditions, every graph pod's state and the log tail of a crashed container.
 * Exit 0: Ready (one line on stdout); 2: usage error. `KUBECTL` names the
 * kubectl binary (default: kubectl).
 */
import {
    WAIT_GRAPH_COMMAND,
    crashedContainers,
    graphFailureReport,
    graphVerdict,
    readGraphPods,
    readGraphStatus,
    waitGraphKubectlArgs,
    waitGraphOptionsFrom,
    waitingNote,
    type GraphStatus,
    type PodState,
    type WaitGraphOptions,
} from "../lib/kubernetes";
import { readCommandLine } from "../lib/cli-options";
import { systemCollectIo, type CollectIo } from "./k8s-collect";
import type { Command } from "./main";

export type WaitGraphIo = CollectIo;

/** Log lines quoted per crashed container, and how many containers are quoted. */
const CRASH_LOG_LINES = 20;
const CRASH_LOGS_MAX = 2;

interface Seen {
    graph: GraphStatus;
    pods: PodState[];
    /** The last kubectl failure, when the last poll could not read the graph. */
    error?: string;
}

/** The tail of each crashed container's log (its previous run when it restarted); cheap and bounded. */
async function crashLogs(o: WaitGraphOptions, pods: readonly PodState[], io: WaitGraphIo, first: Array<{ pod: string; container: string }>): Promise<string> {
    const all = crashedContainers(pods);
    const ordered = [...first.map((f) => all.find((a) => a.pod === f.pod && a.container === f.container) ?? { ...f, previous: true }), ...all];
    const picked = ordered.filter((c, i) => ordered.findIndex((d) => d.pod === c.pod && d.container === c.container) === i).slice(0, CRASH_LOGS_MAX);
    const out: string[] = [];
    for (const c of picked) {
        const r = await io.kubectl(waitGraphKubectlArgs.containerLogs(o, c.pod, c.container, CRASH_LOG_LINES, c.previous));
        const body = r.code === 0 ? r.stdout.replace(/\n$/, "") || "(empty)" : `(kubectl logs failed: ${r.stderr.trim().split("\n")[0]})`;
        out.push(`--- log of pod ${c.pod} container ${c.container}${c.previous ? " (previous run)" : ""}, last ${CRASH_LOG_LINES} lines ---\n${body}\n`);
    }
    return out.join("");
}

export async function runK8sWaitGraph(argv: string[], io: WaitGraphIo = systemCollectIo()): Promise<number> {
    const line = readCommandLine(WAIT_GRAPH_COMMAND, argv, io, waitGraphOptionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    const ref = `${o.namespace}/${o.graph}`;
    const start = io.now();
    const deadline = start + o.timeoutSeconds * 1000;
    const firstSeen = new Map<string, number>();
    let seen: Seen = { graph: readGraphStatus(undefined), pods: [] };
    let lastProgress = start;
    io.stderr(`k8s-wait-graph: waiting up to ${o.timeoutSeconds}s for graph ${ref} to become Ready\n`);

    const fail = async (headline: string, crashed: Array<{ pod: string; container: string }>) => {
        const apiNote = seen.error ? `\nthe last read of the graph failed: ${seen.error}` : "";
        const report = graphFailureReport(headline, seen.graph, seen.pods);
        io.stderr(`dynamo-bench k8s-wait-graph: FAILED: ${report}${apiNote}\n${await crashLogs(o, seen.pods, io, crashed)}`);
        return 1;
    };

    for (;;) {
        const got = await io.kubectl(waitGraphKubectlArgs.getGraph(o, o.graph));
        if (got.code === 0) {
            const pods = await io.kubectl(waitGraphKubectlArgs.getGraphPods(o, o.graph));
            seen = {
                graph: readGraphStatus(JSON.parse(got.stdout)),
                pods: pods.code === 0 ? readGraphPods(JSON.parse(pods.stdout)) : seen.pods,
                ...(pods.code === 0 ? {} : { error: `kubectl get pods: ${pods.stderr.trim()}` }),
            };
        } else if (/NotFound|not found/i.test(got.stderr)) {
            seen = { graph: readGraphStatus(undefined), pods: [] };
        } else {
            seen = { ...seen, error: `kubectl get ${o.graph}: ${got.stderr.trim()}` };
        }
        const now = io.now();
        const verdict = graphVerdict(seen.graph, seen.pods, (key) => {
            if (!firstSeen.has(key)) firstSeen.set(key, now);
            return (now - (firstSeen.get(key) ?? now)) / 1000;
        });
        if (verdict.verdict === "ready") {
            io.stdout(`graph ${ref} Ready after ${Math.round((now - start) / 1000)}s\n`);
            return 0;
        }
        if (verdict.verdict === "failed") return fail(`graph ${ref} cannot become Ready: ${verdict.reason}`, verdict.crashed);
        if (now >= deadline) {
            return fail(`graph ${ref} did not become Ready within ${o.timeoutSeconds}s (timeouts.readySeconds)`, []);
        }
        if (now - lastProgress >= 60_000) {
            io.stderr(`k8s-wait-graph: graph ${ref} not Ready after ${Math.round((now - start) / 1000)}s: ${waitingNote(seen.graph, seen.pods)}\n`);
            lastProgress = now;
        }
        await io.sleep(Math.min(o.intervalSeconds * 1000, Math.max(0, deadline - now)));
    }
}

export const command: Command = {
    summary: "wait (bounded) for a DynamoGraphDeployment to become Ready; on failure say why",
    run: (args) => runK8sWaitGraph(args),
};

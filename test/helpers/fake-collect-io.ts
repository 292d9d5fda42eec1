// The io of the kubectl-driven commands (k8s-collect, k8s-wait-graph,
// k8s-wait-release) for tests: a kubectl that answers from the test's script,
// captured stdout and stderr, every kubectl call, and a fake clock that sleeping
// advances, so bounded waits run in no time.
import type { CollectIo, KubectlResult } from "../../cli/k8s-collect";

export interface FakeIoRecord {
    stdout: string;
    stderr: string;
    /** Every kubectl argv, in order. */
    calls: string[][];
    /** What each call wrote to kubectl's stdin (undefined: nothing), by call index. */
    inputs: Array<string | undefined>;
    /** Milliseconds slept in all. */
    slept: number;
}

export function fakeCollectIo(answer: (args: string[], input?: string) => KubectlResult): { io: CollectIo; out: FakeIoRecord } {
    const out: FakeIoRecord = { stdout: "", stderr: "", calls: [], inputs: [], slept: 0 };
    let clock = 0;
    const io: CollectIo = {
        kubectl: async (args, input) => {
            out.calls.push(args);
            out.inputs.push(input);
            return answer(args, input);
        },
        stdout: (t) => (out.stdout += t),
        stderr: (t) => (out.stderr += t),
        now: () => clock,
        sleep: async (ms) => {
            clock += ms;
            out.slept += ms;
        },
    };
    return { io, out };
}

/** A kubectl answer with exit 0 and `stdout`. */
export const kubectlOk = (stdout: string): KubectlResult => ({ code: 0, stdout, stderr: "" });

/**
 * `dynamo-bench k8s-wait-release`: watches a Helm release of the Dynamo platform
 * while `pulumi up` installs or upgrades it, and explains a failure. The
 * Kubernetes target runs it as the `<name>-<role>-release-watch` command beside
 * each helm.v3.Release (not after it: a failed release stops everything that
 * depends on it). Helm reports a hook Job that never completes only as "timed
 * out waiting for the condition"; this command names the hook Job and the state
 * of its pod (lib/kubernetes/release-wait.ts).
 *
 * The program gives it `--after-revision`, the newest revision that
 * `k8s-release-revision` (cli/k8s-release-revision.ts) read before the release
 * began, so a revision Helm records and fails before this command's first look
 * is still this install's.
 *
 * Exit 0: deployed, or no new revision appeared within --appear-within (the
 * release's own error speaks then); 1: failed or timed out, with the report on
 * stderr; 2: usage error. `KUBECTL` names the kubectl binary (default: kubectl).
 */
import {
    WAIT_RELEASE_COMMAND,
    followedRevision,
    readHookJobs,
    readPods,
    readReleaseRevisions,
    revisionBefore,
    releaseFailureReport,
    releaseVerdict,
    waitReleaseKubectlArgs,
    waitReleaseOptionsFrom,
    type ReleaseRevision,
    type WaitReleaseOptions,
} from "../lib/kubernetes";
import { readCommandLine } from "../lib/cli-options";
import { systemCollectIo, type CollectIo } from "./k8s-collect";
import type { Command } from "./main";

export type WaitReleaseIo = CollectIo;

async function readRevisions(o: WaitReleaseOptions, io: WaitReleaseIo): Promise<{ revisions: ReleaseRevision[]; error?: string }> {
    const got = await io.kubectl(waitReleaseKubectlArgs.revisions(o, o.release));
    if (got.code !== 0) return { revisions: [], error: `kubectl get secrets: ${got.stderr.trim()}` };
    return { revisions: readReleaseRevisions(JSON.parse(got.stdout)) };
}

/** The report of a failed or stuck release: its hook Jobs and unhealthy pods, read once. */
async function failureReport(headline: string, o: WaitReleaseOptions, revision: ReleaseRevision | undefined, io: WaitReleaseIo): Promise<string> {
    const jobs = await io.kubectl(waitReleaseKubectlArgs.jobs(o));
    const pods = await io.kubectl(waitReleaseKubectlArgs.pods(o));
    const notes = [jobs, pods].filter((r) => r.code !== 0).map((r) => `\n(kubectl failed: ${r.stderr.trim().split("\n")[0]})`);
    return (
        releaseFailureReport(
            headline,
            revision,
            jobs.code === 0 ? readHookJobs(JSON.parse(jobs.stdout)) : [],
            pods.code === 0 ? readPods(JSON.parse(pods.stdout)) : [],
        ) + notes.join("")
    );
}

export async function runK8sWaitRelease(argv: string[], io: WaitReleaseIo = systemCollectIo()): Promise<number> {
    const line = readCommandLine(WAIT_RELEASE_COMMAND, argv, io, waitReleaseOptionsFrom);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    const ref = `${o.namespace}/${o.release}`;
    const start = io.now();
    const deadline = start + o.timeoutSeconds * 1000;
    const first = await readRevisions(o, io);
    // Given by the program (recorded before the release started), or the best guess from what is there now.
    const after = o.afterRevision ?? revisionBefore(first.revisions);
    io.stderr(`k8s-wait-release: watching Helm release ${ref} for up to ${o.timeoutSeconds}s${after > 0 ? ` (a revision after ${after})` : ""}\n`);
    let seen = first;
    let appeared = false;
    for (;;) {
        const verdict = releaseVerdict(seen.revisions, after);
        const now = io.now();
        const elapsed = Math.round((now - start) / 1000);
        if (verdict.verdict === "deployed") {
            io.stdout(`release ${ref} revision ${verdict.revision.version} deployed after ${elapsed}s\n`);
            return 0;
        }
        if (verdict.verdict === "failed") {
            io.stderr(
                `dynamo-bench k8s-wait-release: FAILED: ${await failureReport(`Helm release ${ref} failed after ${elapsed}s`, o, verdict.revision, io)}\n`,
            );
            return 1;
        }
        appeared ||= followedRevision(seen.revisions, after) !== undefined;
        if (!appeared && now - start >= o.appearSeconds * 1000) {
            // Helm failed before recording a revision (chart or values refused), or this up changed nothing it installs.
            io.stdout(`release ${ref}: no new revision within ${o.appearSeconds}s; the release's own result stands\n`);
            return 0;
        }
        if (now >= deadline) {
            const headline = `Helm release ${ref} not deployed within ${o.timeoutSeconds}s (platform.timeoutSeconds): ${verdict.note}${seen.error ? `; the last read failed: ${seen.error}` : ""}`;
            io.stderr(`dynamo-bench k8s-wait-release: FAILED: ${await failureReport(headline, o, seen.revisions.at(-1), io)}\n`);
            return 1;
        }
        await io.sleep(Math.min(o.intervalSeconds * 1000, Math.max(0, deadline - now)));
        seen = await readRevisions(o, io);
    }
}

export const command: Command = {
    summary: "watch a Helm release being installed (bounded); on failure name the hook Jobs and pods",
    run: (args) => runK8sWaitRelease(args),
};

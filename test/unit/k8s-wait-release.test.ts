// `dynamo-bench k8s-wait-release`: Helm's release records read into revisions,
// which revision an install or upgrade follows, the failure report (hook Jobs
// and pods), argument round trips, and whole runs against a scripted kubectl.
//
// The release Secrets are encoded the way Helm stores them (gzip, base64, then
// the API server's base64 of the Secret data); the e2e test reads real ones.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
    followedRevision,
    formatRevisionLine,
    parseRevisionLine,
    parseWaitReleaseArgv,
    releaseRevisionArgv,
    revisionBefore,
    readHookJobs,
    readPods,
    readReleaseRevisions,
    releaseFailureReport,
    releaseVerdict,
    waitReleaseArgv,
    type ReleaseRevision,
} from "../../lib/kubernetes";
import { runK8sWaitRelease } from "../../cli/k8s-wait-release";
import { runK8sReleaseRevision } from "../../cli/k8s-release-revision";
import { fakeCollectIo, kubectlOk } from "../helpers/fake-collect-io";

function releaseSecret(version: number, status: string, description?: string): Record<string, unknown> {
    const record = { name: "dynamo-platform", version, info: { status, ...(description ? { description } : {}) } };
    const helm = gzipSync(Buffer.from(JSON.stringify(record))).toString("base64");
    return {
        metadata: {
            name: `sh.helm.release.v1.dynamo-platform.v${version}`,
            labels: { name: "dynamo-platform", owner: "helm", status, version: String(version) },
        },
        data: { release: Buffer.from(helm).toString("base64") },
    };
}
const secrets = (...items: Array<Record<string, unknown>>) => ({ items });

const hookJob = {
    metadata: { name: "kai-crd-upgrader", annotations: { "helm.sh/hook": "pre-install,pre-upgrade" } },
    status: { active: 1 },
};
const plainJob = { metadata: { name: "not-a-hook" }, status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } };
const pendingPod = {
    metadata: { name: "kai-crd-upgrader-x7k2p" },
    status: {
        phase: "Pending",
        conditions: [
            {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
            },
        ],
    },
};
const runningPod = {
    metadata: { name: "dynamo-operator-5c9" },
    spec: { nodeName: "kwok-gpu-1" },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
};

describe("release records and verdicts", () => {
    test("revisions come sorted by version, with Helm's status and description decoded", () => {
        const revs = readReleaseRevisions(
            secrets(releaseSecret(2, "failed", "failed pre-upgrade: timed out waiting for the condition"), releaseSecret(1, "superseded")),
        );
        assert.deepEqual(revs, [
            { version: 1, status: "superseded" },
            { version: 2, status: "failed", description: "failed pre-upgrade: timed out waiting for the condition" },
        ]);
    });

    test("a description over several lines (Helm's multi-error form) becomes one line", () => {
        const s = releaseSecret(1, "failed", 'Release "p" failed: failed pre-install: 1 error occurred:\n\t* timed out waiting for the condition\n\n');
        assert.equal(
            readReleaseRevisions(secrets(s))[0]!.description,
            'Release "p" failed: failed pre-install: 1 error occurred: * timed out waiting for the condition',
        );
    });

    test("an unreadable record keeps its status label", () => {
        const s = releaseSecret(1, "pending-install");
        (s.data as Record<string, string>).release = "not base64 gzip";
        assert.deepEqual(readReleaseRevisions(secrets(s)), [{ version: 1, status: "pending-install" }]);
    });

    const r = (version: number, status: string): ReleaseRevision => ({ version, status });
    test("a fresh install follows its first revision", () => {
        assert.equal(releaseVerdict([], 0).verdict, "waiting");
        assert.deepEqual(releaseVerdict([r(1, "pending-install")], 0), { verdict: "waiting", note: "revision 1 pending-install" });
        assert.equal(releaseVerdict([r(1, "deployed")], 0).verdict, "deployed");
        assert.equal(releaseVerdict([r(1, "failed")], 0).verdict, "failed", "failed before the watch looked: still this install's");
    });

    test("an upgrade waits for a revision newer than the one before it started", () => {
        assert.equal(followedRevision([r(3, "deployed")], 3), undefined);
        assert.deepEqual(releaseVerdict([r(3, "deployed")], 3), { verdict: "waiting", note: "no revision after 3 yet" });
        assert.equal(releaseVerdict([r(3, "superseded"), r(4, "failed")], 3).verdict, "failed");
        assert.equal(releaseVerdict([r(3, "superseded"), r(4, "deployed")], 3).verdict, "deployed");
    });

    test("read at start (by hand): a revision in progress is the one to follow, a finished one is the baseline", () => {
        assert.equal(revisionBefore([]), 0);
        assert.equal(revisionBefore([r(1, "superseded"), r(2, "deployed")]), 2);
        assert.equal(revisionBefore([r(1, "deployed"), r(2, "pending-upgrade")]), 1);
        assert.equal(revisionBefore([r(1, "failed")]), 1);
    });

    test("the failure report names Helm's description, the hook Job and why its pod does not run", () => {
        const hooks = readHookJobs({ items: [plainJob, hookJob] });
        assert.deepEqual(
            hooks.map((h) => h.name),
            ["kai-crd-upgrader"],
            "only Helm hooks",
        );
        const report = releaseFailureReport(
            "Helm release dynamo-system/dynamo-platform failed after 31s",
            { version: 1, status: "failed", description: "failed pre-install: timed out waiting for the condition" },
            hooks,
            readPods({ items: [runningPod, pendingPod] }),
        );
        assert.equal(
            report,
            [
                "Helm release dynamo-system/dynamo-platform failed after 31s",
                "helm revision 1: failed: failed pre-install: timed out waiting for the condition",
                "hook Job kai-crd-upgrader (pre-install,pre-upgrade): 1 active, 0 succeeded, 0 failed; not complete",
                "pods not running or not ready (1):",
                "  kai-crd-upgrader-x7k2p: Pending, not ready, Unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
            ].join("\n"),
        );
    });
});

describe("k8s-wait-release arguments", () => {
    test("the argv the program writes parses back to the same options", () => {
        const o = { namespace: "dynamo-system", release: "dynamo-platform", timeoutSeconds: 960, appearSeconds: 60, kubeconfig: "/k/config", context: "lab" };
        assert.deepEqual(parseWaitReleaseArgv(waitReleaseArgv(o).slice(1)), { ...o, intervalSeconds: 2 });
        assert.deepEqual(parseWaitReleaseArgv(waitReleaseArgv({ ...o, afterRevision: 0 }).slice(1)), { ...o, afterRevision: 0, intervalSeconds: 2 });
        assert.equal(parseRevisionLine(`k8s noise\n${formatRevisionLine(7)}`), 7);
        assert.deepEqual(releaseRevisionArgv({ namespace: "ns", release: "r" }), ["k8s-release-revision", "--namespace", "ns", "--release", "r"]);
    });
    test("a bad timeout is a usage error naming the option", () => {
        assert.throws(() => parseWaitReleaseArgv(["--namespace=n", "--release=r", "--timeout=0"]), /--timeout/);
        assert.throws(
            () => parseWaitReleaseArgv(["--namespace=n", "--release=r", "--timeout=9", "--after-revision=-1"]),
            /--after-revision expects a revision number/,
        );
    });
});

type Json = Record<string, unknown>;

/** An io whose kubectl answers the release Secrets from a script (the last answer repeats), Jobs and pods as given; a fake clock. */
function scriptedIo(revisions: Json[], jobs: Json = { items: [hookJob] }, pods: Json = { items: [pendingPod] }) {
    let secretReads = 0;
    const ok = (v: unknown) => kubectlOk(JSON.stringify(v));
    const fake = fakeCollectIo((args) => {
        if (args.includes("secrets")) return ok(revisions[Math.min(secretReads++, revisions.length - 1)]);
        if (args.includes("jobs")) return ok(jobs);
        if (args.includes("pods")) return ok(pods);
        return { code: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` };
    });
    return fake;
}

const args = ["--namespace", "dynamo-system", "--release", "dynamo-platform", "--timeout", "300"];

describe("k8s-wait-release runs", () => {
    test("deployed: exit 0, one line on stdout", async () => {
        const { io, out } = scriptedIo([secrets(), secrets(releaseSecret(1, "pending-install")), secrets(releaseSecret(1, "deployed"))]);
        assert.equal(await runK8sWaitRelease(args, io), 0, out.stderr);
        assert.equal(out.stdout, "release dynamo-system/dynamo-platform revision 1 deployed after 4s\n");
    });

    test("a hook that never completes: Helm marks the revision failed, the wait names the hook Job and its pod", async () => {
        const failed = releaseSecret(1, "failed", "failed pre-install: timed out waiting for the condition");
        const { io, out } = scriptedIo([secrets(releaseSecret(1, "pending-install")), secrets(failed)]);
        assert.equal(await runK8sWaitRelease(args, io), 1);
        assert.match(out.stderr, /FAILED: Helm release dynamo-system\/dynamo-platform failed after 2s\n/);
        assert.match(out.stderr, /hook Job kai-crd-upgrader \(pre-install,pre-upgrade\): 1 active.*not complete\n/);
        assert.match(out.stderr, /kai-crd-upgrader-x7k2p: Pending, not ready, Unschedulable: 0\/3 nodes/);
    });

    test("a revision Helm failed before the first look: with --after-revision 0 it is this install's", async () => {
        const failed = releaseSecret(1, "failed", "failed to create resource: ConfigMap is invalid");
        const { io, out } = scriptedIo([secrets(failed)]);
        assert.equal(await runK8sWaitRelease([...args, "--after-revision", "0"], io), 1);
        assert.match(out.stderr, /FAILED: Helm release dynamo-system\/dynamo-platform failed after 0s\nhelm revision 1: failed: failed to create resource/);
    });

    test("k8s-release-revision prints the newest finished revision", async () => {
        const { io, out } = scriptedIo([secrets(releaseSecret(1, "superseded"), releaseSecret(2, "deployed"))]);
        assert.equal(await runK8sReleaseRevision(["--namespace", "dynamo-system", "--release", "dynamo-platform"], io), 0);
        assert.equal(out.stdout, "newest revision: 2\n");
    });

    test("still pending at the bound: exit 1 naming the bound and the hook", async () => {
        const { io, out } = scriptedIo([secrets(releaseSecret(1, "pending-install"))]);
        assert.equal(await runK8sWaitRelease([...args.slice(0, 5), "30"], io), 1);
        assert.match(out.stderr, /not deployed within 30s \(platform\.timeoutSeconds\): revision 1 pending-install/);
        assert.match(out.stderr, /hook Job kai-crd-upgrader/);
    });

    test("no new revision within --appear-within: exit 0, the release's own result stands", async () => {
        const { io, out } = scriptedIo([secrets(releaseSecret(2, "deployed"))]);
        assert.equal(await runK8sWaitRelease([...args, "--appear-within", "10"], io), 0);
        assert.match(out.stdout, /no new revision within 10s/);
        assert.ok(out.calls.filter((c) => c.includes("secrets")).length <= 10 / 2 + 2, "polls at the interval");
    });
});

/**
 * `dynamo-bench k8s-release-revision`: prints the newest revision of a Helm
 * release before the Kubernetes target installs or upgrades it (the
 * `<name>-<role>-release-baseline` step, which the release depends on), so
 * that `k8s-wait-release` beside the release follows the revision this `up`
 * makes, however fast Helm records and finishes it. Exit 0 with
 * "newest revision: N" (0: none); 1 when the cluster cannot be read; 2 on a
 * usage error. `KUBECTL` names the kubectl binary (default: kubectl).
 */
import { RELEASE_REVISION_COMMAND, formatRevisionLine, readReleaseRevisions, revisionBefore, waitReleaseKubectlArgs } from "../lib/kubernetes";
import { readCommandLine } from "../lib/cli-options";
import { systemCollectIo, type CollectIo } from "./k8s-collect";
import type { Command } from "./main";

export async function runK8sReleaseRevision(argv: string[], io: CollectIo = systemCollectIo()): Promise<number> {
    const line = readCommandLine(RELEASE_REVISION_COMMAND, argv, io, ({ values: v }) => v);
    if ("exitCode" in line) return line.exitCode;
    const o = line.options;
    const got = await io.kubectl(waitReleaseKubectlArgs.revisions(o, o.release));
    if (got.code !== 0) {
        io.stderr(`dynamo-bench k8s-release-revision: FAILED: cannot read the revisions of Helm release ${o.namespace}/${o.release}: ${got.stderr.trim()}\n`);
        return 1;
    }
    io.stdout(formatRevisionLine(revisionBefore(readReleaseRevisions(JSON.parse(got.stdout)))));
    return 0;
}

export const command: Command = {
    summary: "print a Helm release's newest revision (before the platform release starts)",
    run: (args) => runK8sReleaseRevision(args),
};

// cluster-down.sh also removes the kubeconfig copies the kubernetes provider
// leaves in the temp folder for the test cluster (one per configure, never
// removed by the provider), and only those. Runs the real script with no
// cluster running, in a scratch state and temp folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CLUSTER_DOWN = path.resolve(__dirname, "../../scripts/k8s/cluster-down.sh");

test("cluster-down removes the provider's kubeconfig copies of the test cluster, and nothing else", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-down-"));
    try {
        const k8sDir = path.join(scratch, "cluster");
        const tmp = path.join(scratch, "tmp");
        fs.mkdirSync(tmp);
        const copy = (name: string, ca: string) => {
            const file = path.join(tmp, name);
            fs.writeFileSync(file, `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: ${ca}\n    server: https://127.0.0.1:1\n`, {
                mode: 0o600,
            });
            return file;
        };
        const ours = copy("kubeconfig1077734433", path.join(k8sDir, "pki", "ca.crt"));
        const another = copy("kubeconfig2893954664", "/home/me/.kube/ca.crt");
        const notACopy = copy("kubeconfig-mine", path.join(k8sDir, "pki", "ca.crt"));
        const r = spawnSync("bash", [CLUSTER_DOWN], { env: { ...process.env, DYNAMO_BENCH_K8S_DIR: k8sDir, TMPDIR: tmp }, encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.existsSync(ours), false, "the test cluster's copy is removed");
        assert.ok(fs.existsSync(another), "a copy of another cluster's kubeconfig is not ours to remove");
        assert.ok(fs.existsSync(notACopy), "only the provider's kubeconfig<digits> names");
        assert.match(r.stderr, /removed 1 kubeconfig copies the kubernetes provider left/);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
});

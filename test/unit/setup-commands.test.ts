// Start-up commands (setup): one argv on every target. Slurm runs it on every
// node through node.sh (job.env P_SETUP, batch.sh; the real-job checks are in
// test/integration/slurm-setup.test.ts), Kubernetes as a bounded init container
// of every graph pod, local before any process (test/unit/local-runner.test.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setupArgv, boundedSetupArgv } from "../../lib/dynamo";
import { buildGraphDeployment } from "../../lib/kubernetes/graph";
import { renderJob } from "../../lib/slurm/render";
import { k8sSpec } from "./k8s-fixtures";
import { slurmSpec } from "./slurm-fixtures";

const COMMANDS = ["ucx_info -d | grep Transport | sort -u", "nvidia-smi -L"];

describe("setup commands", () => {
    test("one login shell runs them in order and stops at the first failure; none: no argv", () => {
        assert.deepEqual(setupArgv({ commands: COMMANDS }), ["bash", "-lc", "set -e\nucx_info -d | grep Transport | sort -u\nnvidia-smi -L"]);
        assert.equal(setupArgv({ commands: [] }), undefined);
        assert.deepEqual(boundedSetupArgv({ commands: ["true"], timeoutSeconds: 30 })!.slice(0, 3), ["timeout", "--kill-after=10", "30"]);
    });

    test("Kubernetes: every worker and frontend pod gets a bounded setup init container in its own image", () => {
        const spec = k8sSpec({
            setup: { commands: COMMANDS, timeoutSeconds: 120 },
            env: { UCX_TLS: "all" },
            decode: { image: "registry.example.org/decode:1" },
        });
        const services = (buildGraphDeployment(spec).spec as { services: Record<string, Record<string, any>> }).services;
        assert.equal(Object.keys(services).length, 3);
        for (const s of Object.values(services)) {
            const init = s.extraPodSpec.initContainers;
            assert.equal(init.length, 1);
            assert.equal(init[0].name, "setup");
            assert.equal(init[0].image, s.extraPodSpec.mainContainer.image);
            assert.deepEqual(init[0].command, ["timeout", "--kill-after=10", "120", ...setupArgv({ commands: COMMANDS })!]);
            assert.deepEqual(init[0].env, [{ name: "UCX_TLS", value: "all" }]);
        }
        const none = (buildGraphDeployment(k8sSpec({})).spec as { services: Record<string, Record<string, any>> }).services;
        for (const s of Object.values(none)) assert.equal(s.extraPodSpec.initContainers, undefined);
    });

    test("Slurm: job.env turns the step on with its bound and describes the process node.sh runs on each node", () => {
        const env = (over: Record<string, unknown>) => renderJob(slurmSpec(over)).files.find((f) => f.name === "job.env")!.content;
        const on = env({ setup: { commands: COMMANDS, timeoutSeconds: 90 } });
        assert.match(on, /^SETUP=1$/m);
        assert.match(on, /^SETUP_TIMEOUT=90$/m);
        assert.ok(on.includes("P_SETUP_ARGV=(bash -lc 'set -e\nucx_info -d | grep Transport | sort -u\nnvidia-smi -L')\n"), on);
        const off = env({});
        assert.match(off, /^SETUP=0$/m);
        assert.doesNotMatch(off, /P_SETUP_ARGV/);
    });
});

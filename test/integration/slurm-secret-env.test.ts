// secretEnv in a real Slurm job on the project's one-machine cluster (issue 13,
// item 2): secrets.env staged with mode 600 the way the component stages it,
// then the job runs; while it runs, /proc/<pid>/environ of each of its
// processes (found by their working directory, the run folder) shows the entry
// in the frontend and the mocker workers and not in AIPerf, and afterwards no
// other file of the run folder (job.env, logs, exports) holds the value.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { jobState, liveJobs, mockerConfig, render, sh, slurmWait, stageAndSubmit, slurmSuite } from "./slurm-helpers";
import { stageCommand } from "../../lib/slurm/render";
import { renderSecretsEnv } from "../../lib/slurm/secrets-env";

const { skip, track } = slurmSuite("slurm-secret-env");

const NAME = "IT_SECRET_TOKEN";
/** Processes whose working directory is `runDir`, by pid: their kind from argv and whether `item` is in their environment. */
function watch(runDir: string, item: string): { stop: () => Array<{ kind: string; hasSecret: boolean }> } {
    const seen = new Map<number, { kind: string; hasSecret: boolean }>();
    const timer = setInterval(() => {
        for (const entry of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(entry) || seen.has(Number(entry))) continue;
            try {
                if (fs.readlinkSync(`/proc/${entry}/cwd`) !== runDir) continue;
                const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
                const kind = argv.includes("dynamo.frontend")
                    ? "frontend"
                    : argv.includes("dynamo.mocker")
                      ? "mocker"
                      : argv.some((a) => /aiperf$/.test(a))
                        ? "aiperf"
                        : undefined;
                if (kind) seen.set(Number(entry), { kind, hasSecret: fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(item) });
            } catch {
                // Gone between the listing and the read.
            }
        }
    }, 100);
    return {
        stop: () => {
            clearInterval(timer);
            return [...seen.values()];
        },
    };
}

describe("Slurm: secretEnv reaches the Dynamo processes of a real job, nothing else", { skip }, () => {
    test("1 prefill + 1 decode mocker job with secrets.env", { timeout: 300_000 }, async () => {
        const value = `it-s3cret '${randomBytes(8).toString("hex")}' $(x)`;
        const run = render(await mockerConfig(), "it-secret-env");
        track(run);
        const secrets = await sh(stageCommand(run.job.runDir, { name: "secrets.env", mode: "0600" }), renderSecretsEnv(undefined, { [NAME]: value })!);
        assert.equal(secrets.code, 0, secrets.stderr);
        const seen = watch(run.job.runDir, `${NAME}=${value}`);
        let kinds: Array<{ kind: string; hasSecret: boolean }>;
        try {
            const jobId = await stageAndSubmit(run);
            const res = await slurmWait(run, jobId);
            assert.equal(res.code, 0, `slurm-wait failed:\n${res.stderr}`);
            assert.equal(jobState(jobId), "COMPLETED");
        } finally {
            kinds = seen.stop();
        }
        console.log(`# processes seen: ${JSON.stringify(kinds)}`);
        assert.equal(kinds.filter((k) => k.kind === "frontend").length, 1, "the frontend was seen running");
        assert.equal(kinds.filter((k) => k.kind === "mocker").length, 2, "both workers were seen running");
        for (const k of kinds.filter((x) => x.kind !== "aiperf")) assert.equal(k.hasSecret, true, `${k.kind} has ${NAME}`);
        const clients = kinds.filter((k) => k.kind === "aiperf");
        assert.ok(clients.length > 0, "AIPerf was seen running");
        for (const k of clients) assert.equal(k.hasSecret, false, "AIPerf does not get secretEnv");

        assert.equal(fs.statSync(path.join(run.job.runDir, "secrets.env")).mode & 0o777, 0o600);
        assert.equal(fs.statSync(path.join(run.job.runDir, "job.env")).mode & 0o777, 0o644);
        const files = fs
            .readdirSync(run.job.runDir, { recursive: true })
            .map((f) => path.join(run.job.runDir, String(f)))
            .filter((f) => fs.lstatSync(f).isFile() && path.basename(f) !== "secrets.env");
        assert.ok(files.some((f) => f.endsWith(path.join("logs", "frontend.log"))));
        for (const f of files) assert.ok(!fs.readFileSync(f).includes(value), `${path.relative(run.job.runDir, f)} holds the value`);
        assert.deepEqual(liveJobs(run.job.jobName), []);
    });
});

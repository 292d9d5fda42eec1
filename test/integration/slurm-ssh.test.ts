// The SSH path: a login node reached over SSH (the project's test sshd on
// 127.0.0.1) in front of the one-machine Slurm cluster. Files are written and
// the job submitted through ssh exactly as the remote Command resources do;
// slurm-wait polls over SSH and copies the run folder back.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    cancel,
    liveJobs,
    mockerConfig,
    pythonRuntime,
    render,
    slurmCluster,
    slurmWait,
    stageAndSubmit,
    testSshd,
    type Run,
    type SshdInfo,
    SLURM_CONF,
} from "./slurm-helpers";
import { parseResultLine, type ResultLine } from "../../lib/results";

const cluster = slurmCluster();
const py = pythonRuntime();
const sshd = testSshd();
const skip = !cluster.ok ? cluster.reason : !py.ok ? py.reason : !sshd.ok ? sshd.reason : false;
if (skip) console.log(`# SKIP slurm-ssh: ${skip}`);

const runs: Array<[Run, SshdInfo]> = [];
after(async () => {
    for (const [r, s] of runs) await cancel(r, s);
});

const sshKeyDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("dynamo-bench-ssh-")));

describe("Slurm over SSH", { skip }, () => {
    test("mocker benchmark: stage and sbatch over ssh, wait and fetch over ssh, results", { timeout: 300_000 }, async () => {
        const info = sshd as SshdInfo & { ok: true };
        const raw = await mockerConfig({
            slurm: { login: { mode: "ssh", host: info.host, port: info.port, user: info.user, hostKey: info.hostKey, env: { SLURM_CONF } } },
        });
        const run = render(raw, "it-ssh");
        runs.push([run, info]);
        const before = sshKeyDirs();
        const jobId = await stageAndSubmit(run, info);
        const fetchTo = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-fetch-"));
        const res = await slurmWait(run, jobId, { fetchTo, env: { DYNAMO_BENCH_SSH_KEY: fs.readFileSync(info.keyFile, "utf8") } });
        assert.equal(res.code, 0, res.stderr);
        const [main] = parseResultLine<ResultLine & { phases: Array<{ name: string; outputs: Record<string, any> }> }>(res.stdout, "slurm-wait").phases;
        assert.equal(main?.outputs.requestCount, 40);
        assert.ok((main.outputs.ttftMs?.avg ?? 0) > 0);
        assert.ok(fs.existsSync(path.join(fetchTo, "exports", "main", "profile_export_aiperf.json")), "exports were copied back");
        assert.ok(fs.existsSync(path.join(fetchTo, "SUCCESS.json")));
        const leftover = [...sshKeyDirs()].filter((d) => !before.has(d));
        assert.deepEqual(leftover, [], "the temporary key folder is removed");
        assert.deepEqual(liveJobs(run.job.jobName), []);
        fs.rmSync(fetchTo, { recursive: true, force: true });
    });

    test("a login node whose host key does not match is refused", { timeout: 120_000 }, async () => {
        const info = sshd as SshdInfo & { ok: true };
        const raw = await mockerConfig({
            slurm: {
                login: {
                    mode: "ssh",
                    host: info.host,
                    port: info.port,
                    user: info.user,
                    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ",
                    env: { SLURM_CONF },
                },
            },
        });
        const run = render(raw, "it-ssh-hostkey");
        const fetchTo = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-fetch-"));
        const res = await slurmWait(run, "1", { fetchTo, env: { DYNAMO_BENCH_SSH_KEY: fs.readFileSync(info.keyFile, "utf8") } });
        fs.rmSync(fetchTo, { recursive: true, force: true });
        assert.equal(res.code, 1);
        assert.match(res.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key/i);
    });
});

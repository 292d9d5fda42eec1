// LMCache's controller (kvCache.lmcache.controller) in real Slurm jobs on the
// project's one-machine cluster. No GPUs and no vLLM here, and the lmcache wheel
// needs torch, so the controller is a STAND-IN lmcache_controller
// (test/helpers/lmcache-controller-stand-in.ts: LMCache's flags, its three ports
// bound) and the workers are a STAND-IN that only sleeps (the real engines'
// flags follow it, unread): the run cannot become ready, which is what ends it.
// What is real: the srun step on the frontend's node, the job waiting for the
// controller's port before it starts any worker, node.sh giving each worker
// the frontend node's address in LMCACHE_CONTROLLER_PULL_URL, the controller's
// log in the run folder, its death failing the run, and its step stopped at the end.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeLmcacheControllerStandIn } from "../helpers/lmcache-controller-stand-in";
import { LAB, assertNothingLeft, failureMarker, freePort, slurmSuite, slurmWait, until, type Run } from "./slurm-helpers";

const { skip, start } = slurmSuite("slurm-lmcache-controller");

const bin = path.join(LAB, "shared", "it", `lmcache-bin-${process.pid}`);
after(() => fs.rmSync(bin, { recursive: true, force: true }));

/** The stand-ins, in the cluster's shared folder where the job's nodes read them. */
function standIns(): { controller: string; worker: string[] } {
    // The STAND-IN worker: sleeps, whatever the launch model's arguments after it.
    return { controller: writeLmcacheControllerStandIn(bin), worker: ["bash", "-c", "exec sleep 300", "worker-stand-in"] };
}

async function controllerJob(controller: Record<string, unknown>, stack: string): Promise<{ run: Run; jobId: string }> {
    const s = standIns();
    const [port, pullPort, replyPort] = [await freePort(), await freePort(), await freePort()];
    return start(
        {
            kvCache: {
                connector: "lmcache",
                lmcache: {
                    config: { chunk_size: 256 },
                    controller: { command: [s.controller], port, pullPort, replyPort, startupTimeoutSeconds: 30, ...controller },
                },
            },
            timeouts: { readySeconds: 20 },
            slurm: { engine: "backend", commands: { prefill: s.worker, decode: s.worker } },
        },
        stack,
    );
}

const read = (run: Run, ...parts: string[]) => fs.readFileSync(path.join(run.job.runDir, ...parts), "utf8");

describe("Slurm: LMCache's controller on the frontend's node", { skip }, () => {
    test("listening before the workers start, named to them with the frontend node's address, stopped at the end", { timeout: 180_000 }, async () => {
        const { run, jobId } = await controllerJob({}, "it-lmcache-controller");
        const pidFile = path.join(run.job.runDir, "pids", "prefill-0.pid");
        // While the stand-in worker sleeps: the environment node.sh gave it.
        const environ = await until(
            "the prefill worker to start",
            () => {
                if (!fs.existsSync(pidFile)) return undefined;
                const pid = fs.readFileSync(pidFile, "utf8").split(" ")[0];
                try {
                    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
                } catch {
                    return undefined;
                }
            },
            90_000,
        );
        const nodes = read(run, "nodes.txt")
            .trim()
            .split("\n")
            .map((l) => l.split(" "));
        const frontend = nodes[run.job.plan.frontendSlot]!;
        const c = run.spec.kvCache.lmcache!.controller!;
        assert.ok(environ.includes(`LMCACHE_CONTROLLER_PULL_URL=${frontend[2]}:${c.pullPort}`), environ.filter((e) => e.startsWith("LMCACHE")).join("\n"));
        assert.ok(environ.includes(`LMCACHE_CONTROLLER_REPLY_URL=${frontend[2]}:${c.replyPort}`));
        assert.ok(environ.includes("LMCACHE_ENABLE_CONTROLLER=True"));
        assert.equal(read(run, "pids", "lmcache-controller.pid").split(" ")[1], frontend[1], "the controller runs on the frontend's node");

        const res = await slurmWait(run, jobId);
        assert.notEqual(res.code, 0, "the stand-in workers never register");
        assert.match(failureMarker(run), /^reason: not ready after 20s/);
        const jobLog = read(run, "logs", "job.log");
        const listening = jobLog.indexOf("the LMCache controller accepts connections");
        assert.ok(listening > 0 && listening < jobLog.indexOf("started prefill-0"), "the workers start after the controller listens");
        const log = read(run, "logs", "lmcache-controller.log");
        assert.match(log, /stand-in lmcache_controller: host 0\.0\.0\.0 port \d+ monitor ports \{'pull': \d+, 'reply': \d+\}/);
        assert.match(log, /stopped by SIGTERM/, "its step is stopped at the end");
        assertNothingLeft(run);
    });

    test("its death fails the run at once with its status and log tail; no worker starts", { timeout: 120_000 }, async () => {
        const { run, jobId } = await controllerJob({ extraArgs: ["--stand-in-exit", "7"] }, "it-lmcache-controller-dies");
        const res = await slurmWait(run, jobId);
        assert.notEqual(res.code, 0);
        const marker = failureMarker(run);
        assert.match(marker, /^reason: lmcache-controller exited with status 7 while starting the LMCache controller on \S+\n/);
        assert.match(marker, /stand-in lmcache_controller: failing on purpose/);
        assert.ok(!read(run, "logs", "job.log").includes("started prefill-0"));
        assertNothingLeft(run);
    });
});

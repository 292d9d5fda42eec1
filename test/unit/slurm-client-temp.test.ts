// node.sh gives the benchmark client (P_<KEY>_PRIVATE_TMP=1) a temp folder of
// its own and removes it when the client ends, however it ends: AIPerf leaves
// aiperf_mmap_* folders in the temp folder, which piled up on the nodes. Runs
// the real node.sh with bash; no Slurm needed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderJob } from "../../lib/slurm/render";
import { assign, assignArray } from "../../lib/shell-quote";
import { slurmSpec } from "./slurm-fixtures";

const NODE_SH = path.resolve(__dirname, "../../scripts/slurm/node.sh");

/** A job.env with one process PH0 running `bash -c SCRIPT` (and the settings node.sh reads). */
function jobEnv(dir: string, script: string, privateTmp: boolean): string {
    const file = path.join(dir, "job.env");
    const lines = [
        assign("RUN_DIR", dir),
        assign("JOB_DIR", dir),
        assign("RUNTIME", "container"),
        assign("GPUS_PER_NODE", 0),
        assignArray("P_PH0_ARGV", ["bash", "-c", script]),
        assignArray("P_PH0_ENV", []),
        ...(privateTmp ? [assign("P_PH0_PRIVATE_TMP", 1)] : []),
    ];
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
}

function tempDirs(parent: string): string[] {
    return fs.readdirSync(parent).filter((f) => f.startsWith("dynamo-bench-phase-main."));
}

describe("node.sh: the benchmark client's own temp folder", () => {
    test("job.env asks it for every benchmark phase, and for nothing else", () => {
        const spec = slurmSpec({
            benchmark: {
                phases: [
                    { name: "c1", concurrency: 1 },
                    { name: "c4", concurrency: 4 },
                ],
            },
        });
        const env = renderJob(spec).files.find((f) => f.name === "job.env")!.content;
        const keys = [...env.matchAll(/^P_([A-Z0-9_]+?)_PRIVATE_TMP=1$/gm)].map((m) => m[1]);
        assert.deepEqual(keys, ["PH0", "PH1"]);
    });

    test("the client gets a private TMPDIR, removed after it ends, and its exit status is the step's", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-sh-tmp-"));
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "node-sh-parent-"));
        try {
            // Leaves a folder behind in its temp folder, as AIPerf does, and exits 3.
            const env = jobEnv(dir, 'mkdir "$TMPDIR/aiperf_mmap_x"; echo "tmp=$TMPDIR"; exit 3', true);
            const r = spawnSync("bash", [NODE_SH, env, "PH0", "phase-main", "127.0.0.1", "127.0.0.1", "127.0.0.1"], {
                env: { ...process.env, TMPDIR: parent },
                encoding: "utf8",
                timeout: 20_000,
            });
            assert.equal(r.status, 3, r.stderr);
            const used = /^tmp=(\S+)$/m.exec(r.stdout)?.[1];
            assert.ok(used && path.dirname(used) === parent && path.basename(used).startsWith("dynamo-bench-phase-main."), r.stdout);
            assert.deepEqual(tempDirs(parent), [], "the private temp folder is removed");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(parent, { recursive: true, force: true });
        }
    });

    test("a SIGTERM to node.sh reaches the client, and the folder is still removed", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-sh-tmp-"));
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "node-sh-parent-"));
        try {
            const env = jobEnv(dir, `trap 'echo got-term; exit 143' TERM; mkdir "$TMPDIR/aiperf_mmap_x"; echo started; while :; do sleep 0.1; done`, true);
            const child = spawn("bash", [NODE_SH, env, "PH0", "phase-main", "127.0.0.1", "127.0.0.1", "127.0.0.1"], {
                env: { ...process.env, TMPDIR: parent },
            });
            let out = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
            // The client's own line, not node.sh's echo of its argv.
            const started = () => /^started$/m.test(out);
            try {
                const deadline = Date.now() + 15_000;
                while (!started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
                assert.ok(started(), `the client did not start: ${out}`);
                assert.equal(tempDirs(parent).length, 1);
                child.kill("SIGTERM");
                const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 15_000).unref())]);
                assert.equal(code, 143, out);
                assert.match(out, /^got-term$/m);
                assert.deepEqual(tempDirs(parent), [], "the private temp folder is removed");
            } finally {
                if (child.exitCode === null) spawnSync("pkill", ["-KILL", "-f", env]);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(parent, { recursive: true, force: true });
        }
    });

    test("other processes are exec'd with the node's temp folder", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-sh-tmp-"));
        try {
            const env = jobEnv(dir, 'echo "tmp=${TMPDIR:-unset} pid=$$"', false);
            const r = spawnSync("bash", [NODE_SH, env, "PH0", "phase-main", "127.0.0.1", "127.0.0.1", "127.0.0.1"], {
                env: { ...process.env, TMPDIR: "/var/tmp" },
                encoding: "utf8",
                timeout: 20_000,
            });
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^tmp=\/var\/tmp pid=/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// The local run's watchdog (lib/local/run/reaper.ts): stopping it leaves nothing
// that keeps the command alive after the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startReaper, stopReaper } from "../../lib/local/run/reaper";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("stopReaper returns once the watchdog is gone and leaves no timer behind (no idle wait before exit)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reaper-"));
    try {
        const file = path.join(dir, "groups.json");
        fs.writeFileSync(file, JSON.stringify({ parent: process.pid, groups: [], tempDirs: [] }));
        const before = timers();
        const reaper = startReaper(file);
        const started = Date.now();
        await stopReaper(reaper);
        assert.ok(Date.now() - started < 1500, `stopReaper took ${Date.now() - started} ms`);
        assert.ok(reaper.signalCode === "SIGKILL" || reaper.exitCode !== null, "the watchdog is gone");
        assert.equal(timers(), before, `timers left: ${process.getActiveResourcesInfo().join(", ")}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

// A STAND-IN for LMCache's `lmcache_controller` (the real one comes with the
// lmcache wheel, which needs torch): it takes the flags dynamo-bench passes
// (--host, --port, --monitor-ports JSON, read as LMCache 0.3.9.post2's argparse
// reads them) and binds the HTTP, pull and reply ports, so a test sees the job
// wait for it, run it, report its death and stop it. --stand-in-exit N exits at
// once with status N; --stand-in-silent never listens.
import * as fs from "node:fs";
import * as path from "node:path";

const SCRIPT = `#!/usr/bin/env python3
# stand-in lmcache_controller (test/helpers/lmcache-controller-stand-in.ts)
import argparse, json, signal, socket, sys, time
p = argparse.ArgumentParser()
p.add_argument("--host", default="0.0.0.0")
p.add_argument("--port", type=int, default=9000)
p.add_argument("--monitor-ports", type=json.loads, default=None)
p.add_argument("--stand-in-exit", type=int, default=None)
p.add_argument("--stand-in-silent", action="store_true")
a = p.parse_args()
print(f"stand-in lmcache_controller: host {a.host} port {a.port} monitor ports {a.monitor_ports}", flush=True)
if a.stand_in_exit is not None:
    print("stand-in lmcache_controller: failing on purpose", flush=True)
    sys.exit(a.stand_in_exit)
def stop(*_):
    print("stand-in lmcache_controller: stopped by SIGTERM", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
socks = []
if not a.stand_in_silent:
    for port in (a.port, a.monitor_ports["pull"], a.monitor_ports["reply"]):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((a.host, port)); s.listen(); socks.append(s)
    print("stand-in lmcache_controller: listening", flush=True)
while True:
    time.sleep(0.2)
`;

/** Writes the stand-in as <dir>/lmcache_controller (executable) and returns its path. */
export function writeLmcacheControllerStandIn(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "lmcache_controller");
    fs.writeFileSync(file, SCRIPT, { mode: 0o755 });
    return file;
}

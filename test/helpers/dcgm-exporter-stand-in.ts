// A STAND-IN for NVIDIA's dcgm-exporter, for machines without GPUs (this
// one): it listens where DCGM_EXPORTER_LISTEN says (":<port>", as the real
// exporter reads it) and serves /metrics in the exporter's Prometheus layout
// (DCGM_FI_DEV_* gauges per GPU) with fixed values. It stands in for the
// program's interface only; no GPU is measured.
import * as fs from "node:fs";
import * as path from "node:path";

const SCRIPT = `#!/usr/bin/env python3
# STAND-IN for dcgm-exporter (dynamo-bench tests): fixed DCGM_FI_DEV_* gauges, no GPU is read.
import http.server
import os
import socket

port = int(os.environ["DCGM_EXPORTER_LISTEN"].rsplit(":", 1)[1])
host = socket.gethostname()
lines = []
for name, help_text in (("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."), ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).")):
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for gpu in (0, 1):
        lines.append(f'{name}{{gpu="{gpu}",UUID="GPU-stand-in-{gpu}",device="nvidia{gpu}",modelName="NVIDIA H100 80GB HBM3",Hostname="{host}"}} {0 if name.endswith("UTIL") else 1024}')
BODY = ("\\n".join(lines) + "\\n").encode()


class Metrics(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/metrics" else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        if self.path == "/metrics":
            self.wfile.write(BODY)

    def log_message(self, *args):
        pass


print(f"stand-in dcgm-exporter listening on :{port}", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", port), Metrics).serve_forever()
`;

/** Writes the stand-in as <dir>/dcgm-exporter (executable) and returns its path. */
export function writeDcgmExporterStandIn(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "dcgm-exporter");
    fs.writeFileSync(file, SCRIPT, { mode: 0o755 });
    return file;
}

// TEST STAND-IN for a kubelet's container-log endpoint, for the one-machine
// test cluster, where kwok plays the kubelets but (as scripts/k8s/cluster-up.sh
// starts it) serves no kubelet API: the nodes report kubeletEndpoint port 0,
// so the API server dials 127.0.0.1:10250 for `kubectl logs`.
//
// This serves HTTPS on that address and answers the API server's
// GET /containerLogs/<namespace>/<pod>/<container> for the pods it is told
// about (by namespace and pod-name prefix) with a given text; anything else
// is 404. The API server does the rest for real (authorization, finding the
// pod's node, proxying, `--tail`), so `kubectl logs job/<name>` and the
// collector read the text through a real API server. The API server is started
// without --kubelet-certificate-authority, so a self-signed certificate made
// here with openssl is accepted.
//
// kwok can serve logs itself from files (its ClusterLogs resource, with its
// server enabled by --server-address/--node-port); once cluster-up.sh does
// that, this stand-in can go.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";

export interface LogRule {
    namespace: string;
    podPrefix: string;
    text: string;
}

export interface KubeletLogsStandIn {
    /** Replaces the served logs. */
    set(rules: LogRule[]): void;
    /** Paths the API server asked for. */
    readonly requests: string[];
    close(): Promise<void>;
}

export const KUBELET_PORT = 10250;

function selfSigned(dir: string): { key: Buffer; cert: Buffer } {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    const r = spawnSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "1",
            "-subj",
            "/CN=kubelet-logs-stand-in",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr || r.error?.message}`);
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

/** Starts listening on 127.0.0.1:10250; rejects when the port is taken. */
export async function startKubeletLogsStandIn(rules: LogRule[] = []): Promise<KubeletLogsStandIn> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelet-logs-stand-in-"));
    let current = rules;
    const requests: string[] = [];
    try {
        const server = https.createServer(selfSigned(dir), (req, res) => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            requests.push(url.pathname + url.search);
            const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
            const rule = m && current.find((r) => r.namespace === m[1] && m[2]!.startsWith(r.podPrefix));
            if (!rule) {
                res.writeHead(404, { "content-type": "text/plain" }).end("no such container log (kubelet-logs-stand-in)\n");
                return;
            }
            let text = rule.text;
            const tail = Number(url.searchParams.get("tailLines"));
            if (tail > 0) text = text.replace(/\n$/, "").split("\n").slice(-tail).join("\n") + "\n";
            res.writeHead(200, { "content-type": "text/plain" }).end(text);
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", (e) => reject(new Error(`kubelet-logs-stand-in cannot listen on 127.0.0.1:${KUBELET_PORT}: ${e.message}`)));
            server.listen(KUBELET_PORT, "127.0.0.1", () => resolve());
        });
        return {
            set: (r) => (current = r),
            requests,
            close: () => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => fs.rmSync(dir, { recursive: true, force: true })),
        };
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

/** The log the benchmark script (scripts/k8s/run-benchmark.sh) prints, for export files per phase. */
export function benchmarkLog(phases: Array<{ name: string; files: Record<string, string> }>): string {
    const M = "===DYNAMO-BENCH";
    const lines: string[] = [];
    for (const p of phases) {
        lines.push(`${M}-PHASE phase=${p.name} BEGIN===`);
        for (const [name, content] of Object.entries(p.files).sort()) {
            lines.push(`${M}-FILE phase=${p.name} name=${name} base64 BEGIN===`);
            lines.push(
                ...(Buffer.from(content)
                    .toString("base64")
                    .match(/.{1,76}/g) ?? []),
            );
            lines.push(`${M}-FILE phase=${p.name} name=${name} END===`);
        }
    }
    lines.push(`${M}-DONE phases=${phases.length}===`);
    return lines.join("\n") + "\n";
}

// The gate the benchmark client may start against before the deployment is
// ready: a loopback TCP listener that accepts the client's connections and
// holds them (unread) until released, then joins each to the frontend and
// copies bytes both ways. AIPerf can thus do its own start-up (import,
// tokenizer, services, dataset) while the workers start, and its first
// requests wait here until our bounded readiness checks pass.
import * as net from "node:net";

export interface Gate {
    /** http://127.0.0.1:<port>: the URL the client is given instead of the frontend's. */
    url: string;
    /** Connections held so far (before release). */
    held(): number;
    /** Joins every held connection, and every later one, to the frontend. */
    release(): void;
    /** Stops listening and closes every connection. */
    close(): Promise<void>;
}

export async function openGate(target: { host: string; port: number }): Promise<Gate> {
    const sockets = new Set<net.Socket>();
    const held: net.Socket[] = [];
    let heldCount = 0;
    let released = false;
    const join = (client: net.Socket) => {
        const upstream = net.connect(target.port, target.host);
        sockets.add(upstream);
        // Streamed tokens are small writes: no Nagle delay on either side.
        upstream.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        const end = () => {
            client.destroy();
            upstream.destroy();
        };
        client.on("error", end).on("close", end);
        upstream.on("error", end).on("close", end);
        upstream.on("close", () => sockets.delete(upstream));
    };
    const server = net.createServer((client) => {
        sockets.add(client);
        client.setNoDelay(true);
        client.on("close", () => sockets.delete(client));
        if (released) return join(client);
        // Unread bytes stay in the kernel's buffer until the connection is joined.
        client.pause();
        heldCount++;
        held.push(client);
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        held: () => heldCount,
        release() {
            released = true;
            for (const client of held.splice(0)) if (!client.destroyed) join(client);
        },
        close() {
            for (const s of sockets) s.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

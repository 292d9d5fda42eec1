// Port allocation for local runs. Every port a run needs is chosen at run time:
// ports the user left unset are taken from the kernel (bind port 0, read it,
// close), ports the user set are checked to be free. All ports of one run are
// held open together while they are chosen, so they are distinct.
import * as net from "node:net";

/** Where the Dynamo processes bind: the frontend on 127.0.0.1, mocker bootstrap servers on 0.0.0.0. */
export const CHECK_HOSTS = ["0.0.0.0", "127.0.0.1"] as const;

export interface PortRequest {
    /** Name used in messages, e.g. "frontend.port" or "prefill[0] bootstrap port". */
    name: string;
    /** A port the user asked for; unset means "any free port". */
    fixed?: number;
    /**
     * The highest port the process accepts, when that is below the kernel's own
     * range: Dynamo reads DYN_SYSTEM_PORT as a signed 16-bit number (at most
     * 32767), while the kernel hands out ports from 32768 up.
     */
    atMost?: number;
}

/** Where a port with an upper bound is searched from: above the well-known and registered low range. */
const BOUNDED_PORT_FLOOR = 10000;

export class PortInUseError extends Error {
    constructor(
        readonly portName: string,
        readonly port: number,
        detail?: string,
    ) {
        super(`${portName} ${port} is already in use by another process; choose another port or leave it unset` + (detail ? ` (${detail})` : ""));
        this.name = "PortInUseError";
    }
}

/** Listens on host:port; resolves with the bound server, rejects with the listen error. */
function listen(port: number, host: string): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen({ port, host, exclusive: true }, () => {
            server.off("error", reject);
            resolve(server);
        });
    });
}

function close(server: net.Server): Promise<void> {
    return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * True when the port can be bound on every host in `hosts` (default: the
 * wildcard and loopback addresses), i.e. no other process listens on it.
 */
export async function isPortFree(port: number, hosts: readonly string[] = CHECK_HOSTS): Promise<boolean> {
    for (const host of hosts) {
        try {
            await close(await listen(port, host));
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === "EADDRINUSE" || code === "EACCES") return false;
            if (code === "EADDRNOTAVAIL") continue; // host not configured here (e.g. no IPv4 loopback)
            throw err;
        }
    }
    return true;
}

/**
 * Allocates every requested port at once and returns them in request order.
 * Fixed ports are checked (a taken one throws PortInUseError naming it);
 * the others come from the kernel. Ports are released before returning, so
 * the processes can bind them; they stay unique within this allocation.
 */
export async function allocatePorts(requests: readonly PortRequest[]): Promise<number[]> {
    const held: net.Server[] = [];
    const result: number[] = new Array(requests.length);
    const seen = new Map<number, string>();
    try {
        // Fixed ports first, so a kernel-chosen port held below cannot be mistaken for a foreign listener.
        for (const [i, req] of requests.entries()) {
            if (req.fixed === undefined) continue;
            if (!Number.isInteger(req.fixed) || req.fixed < 1 || req.fixed > 65535) {
                throw new RangeError(`${req.name} must be an integer port between 1 and 65535, got ${req.fixed}`);
            }
            const other = seen.get(req.fixed);
            if (other !== undefined) throw new PortInUseError(req.name, req.fixed, `it is also requested for ${other}`);
            // Loopback is checked and released, then the wildcard address is held: a
            // listener on 127.0.0.1 alone does not block 0.0.0.0 on every kernel.
            for (const host of ["127.0.0.1", "0.0.0.0"]) {
                try {
                    const s = await listen(req.fixed, host);
                    if (host === "0.0.0.0") held.push(s);
                    else await close(s);
                } catch (err) {
                    const code = (err as NodeJS.ErrnoException).code;
                    if (code === "EADDRINUSE") throw new PortInUseError(req.name, req.fixed);
                    if (code === "EACCES") throw new PortInUseError(req.name, req.fixed, "permission denied");
                    if (code === "EADDRNOTAVAIL") continue;
                    throw err;
                }
            }
            seen.set(req.fixed, req.name);
            result[i] = req.fixed;
        }
        for (const [i, req] of requests.entries()) {
            if (req.fixed !== undefined) continue;
            // Port 0 on the wildcard address: the kernel picks a port free on every address.
            const s = req.atMost === undefined ? await listen(0, "0.0.0.0") : await listenBelow(req, seen);
            held.push(s);
            const port = (s.address() as net.AddressInfo).port;
            seen.set(port, req.name);
            result[i] = port;
        }
        return result;
    } finally {
        await Promise.all(held.map(close));
    }
}

/**
 * A free port in [BOUNDED_PORT_FLOOR, req.atMost], held on the wildcard address.
 * The search starts at a random place, so runs started together rarely race
 * for the same port, and visits each port of the range at most once.
 */
async function listenBelow(req: PortRequest, seen: ReadonlyMap<number, string>): Promise<net.Server> {
    const top = req.atMost!;
    const size = top - BOUNDED_PORT_FLOOR + 1;
    if (size < 1) throw new RangeError(`${req.name}: no port between ${BOUNDED_PORT_FLOOR} and ${top}`);
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
        const port = BOUNDED_PORT_FLOOR + ((start + i) % size);
        if (seen.has(port)) continue;
        try {
            return await listen(port, "0.0.0.0");
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== "EADDRINUSE" && code !== "EACCES") throw err;
        }
    }
    throw new PortInUseError(req.name, top, `every port from ${BOUNDED_PORT_FLOOR} to ${top} is in use`);
}

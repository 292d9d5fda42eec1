import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { allocatePorts, isPortFree, PortInUseError } from "../../lib/local/ports";

function listenOn(host: string, port = 0): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen({ host, port }, () => resolve(s));
    });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe("allocatePorts", () => {
    test("returns distinct free ports in request order", async () => {
        const ports = await allocatePorts([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }]);
        assert.equal(ports.length, 4);
        assert.equal(new Set(ports).size, 4);
        for (const p of ports) {
            assert.ok(p > 0 && p < 65536);
            assert.ok(await isPortFree(p), `port ${p} should be released after allocation`);
        }
    });

    test("keeps a free fixed port and allocates the rest around it", async () => {
        const probe = await listenOn("0.0.0.0");
        const fixed = portOf(probe);
        await close(probe);
        const ports = await allocatePorts([{ name: "x" }, { name: "frontend.port", fixed }, { name: "y" }]);
        assert.equal(ports[1], fixed);
        assert.equal(new Set(ports).size, 3);
    });

    test("a fixed port taken on the wildcard address is reported by name with the fix", async () => {
        const taken = await listenOn("0.0.0.0");
        try {
            await assert.rejects(allocatePorts([{ name: "frontend.port", fixed: portOf(taken) }]), (e: unknown) => {
                assert.ok(e instanceof PortInUseError);
                assert.equal(e.message, `frontend.port ${portOf(taken)} is already in use by another process; choose another port or leave it unset`);
                return true;
            });
        } finally {
            await close(taken);
        }
    });

    test("a fixed port taken on loopback only is reported too", async () => {
        const taken = await listenOn("127.0.0.1");
        try {
            await assert.rejects(allocatePorts([{ name: "frontend.port", fixed: portOf(taken) }]), PortInUseError);
            assert.equal(await isPortFree(portOf(taken)), false);
        } finally {
            await close(taken);
        }
    });

    test("the same fixed port asked twice is refused", async () => {
        const [free] = await allocatePorts([{ name: "probe" }]);
        await assert.rejects(
            allocatePorts([
                { name: "a", fixed: free },
                { name: "b", fixed: free },
            ]),
            new RegExp(`b ${free} is already in use.*also requested for a`),
        );
    });

    test("an out-of-range fixed port is refused", async () => {
        await assert.rejects(allocatePorts([{ name: "frontend.port", fixed: 70000 }]), RangeError);
    });

    test("concurrent allocations do not hand out the same port", async () => {
        const all = (await Promise.all(Array.from({ length: 8 }, () => allocatePorts([{ name: "a" }, { name: "b" }])))).flat();
        assert.equal(new Set(all).size, all.length);
    });
});

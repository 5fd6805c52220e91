// Application UDP sockets on a simulated segment: binding, ephemeral ports,
// the bounded queue with counted drops, broadcast permission, close.
import { strict as assert } from "node:assert";
import { alloc, get8, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { openUdp, UdpSocket } from "../../src/apps/udp-socket";
import { formatIPv4 } from "../../src/net/addr";
import { EACCES, EADDRINUSE, EINVAL, EMSGSIZE, ENOSPC, ENOTCONN } from "../../src/net/errno";
import { ip, Net } from "../net/helpers";

const text = (s: string): Bytes => {
  const b = alloc(s.length);
  for (let i = 0; i < s.length; i++) set8(b, i, s.charCodeAt(i));
  return b;
};
const str = (b: Bytes): string => {
  let s = "";
  for (let i = 0; i < (b as unknown as Uint8Array).length; i++) s += String.fromCharCode(get8(b, i));
  return s;
};

function open(...args: Parameters<typeof openUdp>): UdpSocket {
  const s = openUdp(...args);
  if (typeof s === "number") throw new Error(`openUdp: ${s}`);
  return s;
}

describe("application UDP sockets", () => {
  it("exchanges datagrams both ways, with the sender's address and port", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const b = net.node(2, "10.0.0.2/24");
    const counts: number[] = [];
    const server = open(b.stack, { port: 7000, onReadable: (n) => counts.push(n) });
    const client = open(a.stack, {});
    assert.ok(client.port >= 49152 && client.port <= 65535, `ephemeral ${client.port}`);
    assert.equal(client.write(text("ping"), 0, 4, ip("10.0.0.2"), 7000), 0);
    net.clock.advance(100);
    assert.deepEqual(counts, [1]);
    const d = server.read()!;
    assert.equal(str(d.data), "ping");
    assert.equal(formatIPv4(d.address), "10.0.0.1");
    assert.equal(d.port, client.port);
    assert.equal(server.read(), undefined);
    assert.equal(server.write(text("pong!"), 1, 3, d.address, d.port), 0);
    net.clock.advance(100);
    assert.equal(str(client.read()!.data), "ong");
  });

  it("holds at most `queue` datagrams and counts the rest as dropped", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const b = net.node(2, "10.0.0.2/24");
    const server = open(b.stack, { port: 7000, queue: 2 });
    const client = open(a.stack, {});
    client.write(text("0"), 0, 1, ip("10.0.0.2"), 7000);
    net.clock.advance(100); // ARP first: one frame waits per neighbour
    for (let i = 1; i < 5; i++) client.write(text(String(i)), 0, 1, ip("10.0.0.2"), 7000);
    net.clock.advance(100);
    assert.equal(server.waiting(), 2);
    assert.equal(server.dropped, 3);
    assert.equal(str(server.read()!.data), "0");
    assert.equal(str(server.read()!.data), "1");
  });

  it("refuses what it cannot do, with the errno", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const s = open(a.stack, { port: 5000 });
    assert.equal(openUdp(a.stack, { port: 5000 }), -EADDRINUSE);
    assert.equal(openUdp(a.stack, { port: 70000 }), -EINVAL);
    assert.equal(openUdp(a.stack, { port: 1.5 }), -EINVAL);
    assert.equal(openUdp(a.stack, { queue: 0 }), -EINVAL);
    const b = alloc(1500);
    assert.equal(s.write(b, 0, 1473, ip("10.0.0.2"), 9), -EMSGSIZE);
    assert.equal(s.write(b, 0, 10, ip("10.0.0.2"), 0), -EINVAL);
    assert.equal(s.write(b, 1495, 10, ip("10.0.0.2"), 9), -EINVAL);
    assert.equal(s.write(b, 0, 10, ip("255.255.255.255"), 9), -EACCES);
    assert.equal(s.write(b, 0, 10, ip("10.0.0.255"), 9), -EACCES, "the subnet's broadcast too");
    // The default stack has 4 slots: three more sockets fill them.
    open(a.stack, {});
    open(a.stack, {});
    open(a.stack, {});
    assert.equal(openUdp(a.stack, {}), -ENOSPC);
    s.close();
    assert.equal(s.write(b, 0, 1, ip("10.0.0.2"), 9), -ENOTCONN);
    s.close();
    assert.ok(openUdp(a.stack, { port: 5000 }) instanceof UdpSocket, "the port is free after close");
  });

  it("sends to broadcast when allowed; a peer's broadcast arrives", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const b = net.node(2, "10.0.0.2/24");
    const rx = open(b.stack, { port: 6000 });
    const tx = open(a.stack, { broadcast: true });
    assert.equal(tx.write(text("hello"), 0, 5, ip("255.255.255.255"), 6000), 0);
    assert.equal(tx.write(text("again"), 0, 5, ip("10.0.0.255"), 6000), 0);
    net.clock.advance(10);
    assert.equal(str(rx.read()!.data), "hello");
    assert.equal(str(rx.read()!.data), "again");
  });

  it("a callback that throws is logged; the socket and the stack go on", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const b = net.node(2, "10.0.0.2/24");
    const rx = open(b.stack, {
      port: 6000,
      onReadable: () => {
        throw new Error("boom");
      },
    });
    const tx = open(a.stack, {});
    tx.write(text("x"), 0, 1, ip("10.0.0.2"), 6000);
    net.clock.advance(10);
    assert.equal(rx.waiting(), 1);
    assert.equal(b.stack.stats.inputFaults, 0);
    assert.ok(
      b.log.lines.some((l) => l.includes("udp 6000: onReadable failed: Error: boom")),
      b.log.lines.join("\n"),
    );
  });

  it("with no route, write says so", () => {
    const net = new Net();
    const a = net.node(1, "10.0.0.1/24");
    const s = open(a.stack, {});
    assert.equal(s.write(text("x"), 0, 1, ip("192.168.9.9"), 9), -101);
  });
});

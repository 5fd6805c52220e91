// Espruino's NetworkJS over netrt (firmware/app-networkjs.ts), driven as
// Espruino's socket server drives it: create, then recv/send/accept polled,
// close. The device is a simulated host with the program's TCP and UDP
// sockets; its peer, another host with its own TCP.
import { strict as assert } from "node:assert";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes } from "../../hal/types";
import { networkJsDriver, type NetworkJsDriver } from "../../firmware/app-networkjs";
import { addSockets } from "../../firmware/app-udp";
import { addTcp } from "../../firmware/app-tcp";
import type { Device } from "../../firmware/device";
import type { BoardConfig } from "../../firmware/board";
import { openUdp } from "../../src/apps/udp-socket";
import { formatIPv4 } from "../../src/net/addr";
import { defaultTcpParams, Tcp, type TcpConn } from "../../src/net/tcp";
import { ip, Net, type Node } from "../net/helpers";

const ST_NORMAL = 0;
const ST_HTTP = 1;
const ST_UDP = 2;

const text = (s: string): Bytes => {
  const b = alloc(s.length);
  for (let i = 0; i < s.length; i++) set8(b, i, s.charCodeAt(i));
  return b;
};

/** The device (192.0.2.1, with the services) and a peer (192.0.2.2, plain TCP). */
function setup(): { net: Net; drv: NetworkJsDriver; peer: Node; peerTcp: Tcp } {
  const net = new Net();
  const a = net.node(1, "192.0.2.1/24");
  const b = net.node(2, "192.0.2.2/24");
  a.eth.lltable!.input(ip("192.0.2.2"), b.eth.hwaddr, 0, true, true);
  b.eth.lltable!.input(ip("192.0.2.1"), a.eth.hwaddr, 0, true, true);
  const board = { services: { sockets: 2, tcp: 2, tcpBuffer: 2920, networkjs: true } } as unknown as BoardConfig;
  const dev = {
    platform: { clock: net.clock, random: new SimRandom(3), log: a.log },
    board,
    stack: a.stack,
    eth: a.eth,
  } as unknown as Device;
  addSockets(dev);
  addTcp(dev);
  const peerTcp = new Tcp(b.stack.ip, net.clock, new SimRandom(5), b.log, defaultTcpParams());
  b.stack.ip.tcp = peerTcp;
  return { net, drv: networkJsDriver(dev), peer: b, peerTcp };
}

/** What the peer's connection received, and how it ended. */
class PeerSide {
  got = "";
  ended = false;
  err: number | undefined;
  constructor(readonly c: TcpConn) {
    c.onReadable = () => {
      const b = alloc(4096);
      for (let n = c.read(b, 0, 4096); n > 0; n = c.read(b, 0, 4096))
        for (let i = 0; i < n; i++) this.got += String.fromCharCode(get8(b, i));
    };
    c.onEnd = () => (this.ended = true);
    c.onClose = (err) => (this.err = err);
  }
  send(s: string): void {
    const b = text(s);
    assert.equal(this.c.write(b, 0, len(b)), s.length);
  }
}

describe("NetworkJS over netrt (Espruino's net, http and dgram)", () => {
  it("a client: not connected yet (-11), then data both ways, then the peer's close (-1)", () => {
    const { net, drv, peerTcp } = setup();
    const accepted: PeerSide[] = [];
    peerTcp.listen(80, 2, (c) => accepted.push(new PeerSide(c)));
    const s = drv.create("192.0.2.2", 80, ST_HTTP);
    assert.ok(s >= 0);
    assert.equal(drv.recv(s, 536, ST_HTTP), -11, "before the handshake: wait");
    assert.equal(drv.send(s, "GET / HTTP/1.0\r\n\r\n", ST_HTTP), 0, "nothing taken before the handshake");
    net.clock.advance(50);
    assert.equal(drv.recv(s, 536, ST_HTTP), "", "connected, nothing yet");
    assert.equal(drv.send(s, "GET / HTTP/1.0\r\n\r\n", ST_HTTP), 18);
    net.clock.advance(50);
    assert.equal(accepted[0].got, "GET / HTTP/1.0\r\n\r\n");
    accepted[0].send("HTTP/1.0 200 OK\r\n\r\n" + "x".repeat(1000));
    accepted[0].c.close();
    net.clock.advance(50);
    const first = drv.recv(s, 536, ST_HTTP);
    assert.equal(typeof first === "string" && first.length, 536, "at most maxLen");
    const rest = drv.recv(s, 536, ST_HTTP);
    assert.equal(typeof rest === "string" && rest.length, 19 + 1000 - 536);
    assert.equal(drv.recv(s, 536, ST_HTTP), -1, "the peer closed: all read");
    drv.close(s);
    net.clock.advance(100);
    assert.equal(accepted[0].ended, true, "our FIN");
  });

  it("a server: accept() hands out each connection, and close() sends FIN after the data", () => {
    const { net, drv, peerTcp } = setup();
    const srv = drv.create(undefined, 8080, ST_NORMAL);
    assert.ok(srv >= 0);
    assert.equal(drv.accept(srv), -1);
    const c = peerTcp.connect(ip("192.0.2.1"), 8080);
    assert.ok(typeof c !== "number");
    const p = new PeerSide(c);
    net.clock.advance(50);
    const s = drv.accept(srv);
    assert.ok(s >= 0 && s !== srv);
    assert.equal(drv.accept(srv), -1);
    p.send("ping");
    net.clock.advance(50);
    assert.equal(drv.recv(s, 536, ST_NORMAL), "ping");
    assert.equal(drv.send(s, "pong", ST_NORMAL), 4);
    drv.close(s);
    net.clock.advance(100);
    assert.equal(p.got, "pong");
    assert.equal(p.ended, true);
    assert.equal(drv.recv(s, 536, ST_NORMAL), -1, "a closed index reads as closed");
    drv.close(srv);
    const again = peerTcp.connect(ip("192.0.2.1"), 8080);
    assert.ok(typeof again !== "number");
    const q = new PeerSide(again);
    net.clock.advance(50);
    assert.equal(q.err !== undefined && q.err < 0, true, "the port is closed: refused");
  });

  it("indices are reused once closed", () => {
    const { drv } = setup();
    const a = drv.create(undefined, 81, ST_NORMAL);
    const b = drv.create(undefined, 82, ST_NORMAL);
    assert.notEqual(a, b);
    drv.close(a);
    assert.equal(drv.create(undefined, 83, ST_NORMAL), a);
  });

  it("errors as Espruino's codes: refused is a reset (-9), a name without DNS a bad argument (-12), no slot left (-7)", () => {
    const { net, drv } = setup();
    const s = drv.create("192.0.2.2", 9, ST_NORMAL);
    net.clock.advance(50);
    assert.equal(drv.recv(s, 536, ST_NORMAL), -9);
    assert.equal(drv.send(s, "x", ST_NORMAL), -9);
    drv.close(s);
    assert.equal(drv.create("peer.example", 80, ST_HTTP), -12, "this build has no DNS");
    // Two UDP sockets on the board; a third is refused.
    assert.ok(drv.create(undefined, 7001, ST_UDP) >= 0);
    assert.ok(drv.create("127.0.0.1", 0, ST_UDP) >= 0);
    assert.equal(drv.create("127.0.0.1", 0, ST_UDP), -7);
  });

  it("closing with unread data resets the connection, as BSD's close() does", () => {
    const { net, drv, peerTcp } = setup();
    const accepted: PeerSide[] = [];
    peerTcp.listen(80, 2, (c) => accepted.push(new PeerSide(c)));
    const s = drv.create("192.0.2.2", 80, ST_NORMAL);
    net.clock.advance(50);
    accepted[0].send("never read");
    net.clock.advance(50);
    drv.close(s);
    net.clock.advance(50);
    assert.ok(accepted[0].err !== undefined && accepted[0].err < 0, "the peer saw a reset");
  });

  it("dgram: a datagram in with Espruino's header (address, port, length), cut to maxLen; one out per send()", () => {
    const { net, drv, peer } = setup();
    const s = drv.create(undefined, 7001, ST_UDP);
    const from = openUdp(peer.stack, { port: 5000 });
    assert.ok(typeof from !== "number");
    assert.equal(from.write(text("hello"), 0, 5, ip("192.0.2.1"), 7001), 0);
    assert.equal(from.write(text("0123456789"), 0, 10, ip("192.0.2.1"), 7001), 0);
    net.clock.advance(50);
    assert.equal(drv.recv(s, 536, ST_UDP), "\xc0\x00\x02\x02\x88\x13\x05\x00hello");
    assert.equal(drv.recv(s, 12, ST_UDP), "\xc0\x00\x02\x02\x88\x13\x04\x000123", "cut to 12 with the header");
    assert.equal(drv.recv(s, 536, ST_UDP), "");
    // Espruino queues datagrams back to back; each send() takes one.
    const out = "\xc0\x00\x02\x02\x88\x13\x03\x00abc";
    assert.equal(drv.send(s, out + "\xc0\x00\x02\x02\x88\x13\x01\x00z", ST_UDP), 11);
    net.clock.advance(50);
    const d = from.read()!;
    assert.equal(formatIPv4(d.address), "192.0.2.1");
    assert.equal(d.port, 7001);
    assert.equal(len(d.data), 3);
    assert.equal(drv.send(s, "\xc0\x00\x02", ST_UDP), -12, "a short header");
    assert.equal(drv.send(s, "\xc0\x00\x02\x02\x88\x13\x09\x00abc", ST_UDP), -12, "a length past the data");
  });
});

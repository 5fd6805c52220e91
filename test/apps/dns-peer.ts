// A DNS server for the simulations: answers each query on a sim node with
// what the test's function builds from the question (bytes written here
// with Node's Buffer, independently of src/wire/dns.ts).
import { copy } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { UDP_PAYLOAD, type UdpDatagram } from "../../src/net/udp";
import type { Node } from "../net/helpers";

export interface Rr {
  name: string | number; // a dotted name, or a compression pointer's target
  type: number;
  ttl: number;
  data: Buffer;
  cls?: number;
}

export interface Reply {
  id?: number;
  flags?: number; // default: QR RD RA
  rcode?: number;
  question?: Buffer | null; // default: the query's own question; null: none
  answers?: Rr[];
  raw?: Buffer; // sent as it is
}

export function encodeName(name: string): Buffer {
  if (name === "") return Buffer.from([0]);
  const parts = name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

export const ptr = (off: number): Buffer => Buffer.from([0xc0 | (off >> 8), off & 0xff]);

export function rr(r: Rr): Buffer {
  const name = typeof r.name === "number" ? ptr(r.name) : encodeName(r.name);
  const h = Buffer.alloc(10);
  h.writeUInt16BE(r.type, 0);
  h.writeUInt16BE(r.cls ?? 1, 2);
  h.writeUInt32BE(r.ttl >>> 0, 4);
  h.writeUInt16BE(r.data.length, 8);
  return Buffer.concat([name, h, r.data]);
}

export const a = (s: string): Buffer => Buffer.from(s.split(".").map(Number));

export interface Query {
  id: number;
  flags: number;
  name: string;
  type: number;
  cls: number;
  question: Buffer;
  from: number;
  port: number;
}

export function parseQuery(b: Buffer): Query {
  let p = 12;
  const labels: string[] = [];
  while (b[p] !== 0) {
    labels.push(b.subarray(p + 1, p + 1 + b[p]).toString("latin1"));
    p += b[p] + 1;
  }
  p++;
  return {
    id: b.readUInt16BE(0),
    flags: b.readUInt16BE(2),
    name: labels.join("."),
    type: b.readUInt16BE(p),
    cls: b.readUInt16BE(p + 2),
    question: b.subarray(12, p + 4),
    from: 0,
    port: 0,
  };
}

export function build(q: Query, r: Reply): Buffer {
  if (r.raw !== undefined) return r.raw;
  const h = Buffer.alloc(12);
  const question = r.question === null ? Buffer.alloc(0) : (r.question ?? q.question);
  const answers = r.answers ?? [];
  h.writeUInt16BE(r.id ?? q.id, 0);
  h.writeUInt16BE((r.flags ?? 0x8180) | (r.rcode ?? 0), 2);
  h.writeUInt16BE(r.question === null ? 0 : 1, 4);
  h.writeUInt16BE(answers.length, 6);
  return Buffer.concat([h, question, ...answers.map(rr)]);
}

/** Sends `r` (to query `q`) from `node`'s port 53 to where the query came from. */
export function sendReply(node: Node, q: Query, r: Reply): void {
  const out = build(q, r);
  const f = node.stack.udp.alloc(out.length);
  copy(f, UDP_PAYLOAD, out as unknown as Bytes, 0, out.length);
  node.stack.udp.send(f, out.length, -1, 53, q.from, q.port, undefined);
}

/** Serves DNS on `node` port 53; `answer` returns the reply (or several), or undefined to stay silent. */
export function serveDns(node: Node, answer: (q: Query) => Reply | Reply[] | undefined): Query[] {
  const seen: Query[] = [];
  node.stack.udp.bind(
    53,
    (d: UdpDatagram) => {
      const b = Buffer.from((d.f as unknown as Uint8Array).subarray(d.off, d.off + d.n));
      const q = { ...parseQuery(b), from: d.src, port: d.srcPort };
      seen.push(q);
      const r = answer(q);
      if (r === undefined) return;
      for (const one of Array.isArray(r) ? r : [r]) sendReply(node, q, one);
    },
    undefined,
  );
  return seen;
}

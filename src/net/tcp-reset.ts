// The RST that answers a TCP segment no connection takes (RFC 9293
// 3.10.7.1), for netrt's TCP (tcp.ts) and, alone, for a build whose TCP is a
// chip's (the W5500 hybrid): the segments for the chip's sockets never reach
// our stack, and a host with TCP answers the rest with RST, not with ICMP
// protocol unreachable.
import { get8, get16, get32, set8, set16, set32, sum16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { finish } from "./cksum";
import { RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { DEFAULT_TTL, IP_PAYLOAD, type Ipv4, pseudoSum, type TcpInput } from "./ipv4";
import { IPPROTO_TCP } from "../wire/ipv4";
import {
  TCP_ACK,
  TCP_CKSUM,
  TCP_DPORT,
  TCP_FLAGS,
  TCP_HLEN,
  TCP_OFF,
  TCP_SEQ,
  TCP_SPORT,
  TH_ACK,
  TH_FIN,
  TH_RST,
  TH_SYN,
} from "../wire/tcp";

const SEQ_MOD = 4294967296;

/** Sends a RST (or RST-ACK) from src:sport to dst:dport; false when there is no route. */
export function sendReset(
  ip: Ipv4,
  src: number,
  sport: number,
  dst: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
): boolean {
  const f = ip.allocPacket(TCP_HLEN);
  set16(f, IP_PAYLOAD + TCP_SPORT, sport);
  set16(f, IP_PAYLOAD + TCP_DPORT, dport);
  set32(f, IP_PAYLOAD + TCP_SEQ, seq);
  set32(f, IP_PAYLOAD + TCP_ACK, ack);
  set8(f, IP_PAYLOAD + TCP_OFF, (TCP_HLEN / 4) * 16);
  set8(f, IP_PAYLOAD + TCP_FLAGS, flags);
  set16(f, IP_PAYLOAD + TCP_CKSUM, finish(sum16(f, IP_PAYLOAD, TCP_HLEN, pseudoSum(src, dst, IPPROTO_TCP, TCP_HLEN))));
  if (ip.route(dst, src, undefined) < 0) return false;
  ip.send(f, IPPROTO_TCP, TCP_HLEN, DEFAULT_TTL);
  return true;
}

/** Answers the segment at f[off, off + n) from src to dst, which nothing here takes. */
export function refuseSegment(ip: Ipv4, f: Bytes, off: number, n: number, src: number, dst: number): boolean {
  const flags = get8(f, off + TCP_FLAGS) % 64;
  const has = (flag: number): boolean => Math.floor(flags / flag) % 2 === 1;
  if (has(TH_RST)) return false;
  const sport = get16(f, off + TCP_SPORT);
  const dport = get16(f, off + TCP_DPORT);
  if (has(TH_ACK)) return sendReset(ip, dst, dport, src, sport, get32(f, off + TCP_ACK), 0, TH_RST);
  // SYN and FIN each take a sequence number.
  const doff = Math.floor(get8(f, off + TCP_OFF) / 16) * 4;
  const end = (get32(f, off + TCP_SEQ) + n - doff + (has(TH_SYN) ? 1 : 0) + (has(TH_FIN) ? 1 : 0)) % SEQ_MOD;
  return sendReset(ip, dst, dport, src, sport, 0, end, TH_RST + TH_ACK);
}

/** The TCP of a build without one of its own: every segment that reaches it is refused. */
export class TcpRefuser implements TcpInput {
  /** Segments answered with RST. */
  resets = 0;

  constructor(private readonly ip: Ipv4) {}

  input(_ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number, toUs: boolean): number {
    const doff = n >= TCP_HLEN ? Math.floor(get8(f, off + TCP_OFF) / 16) * 4 : 0;
    if (doff < TCP_HLEN || doff > n || finish(sum16(f, off, n, pseudoSum(src, dst, IPPROTO_TCP, n))) !== 0)
      return RX_ERROR;
    if (toUs && get16(f, off + TCP_SPORT) !== 0 && refuseSegment(this.ip, f, off, n, src, dst)) this.resets++;
    return RX_NOHANDLER;
  }

  ctlInput(): void {}
}

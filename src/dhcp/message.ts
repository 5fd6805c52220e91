// DHCPv4 messages (RFC 2131 / 2132): building requests into a UDP payload,
// and a total parser for replies. The parser collects the option areas
// (options, then file and sname when option 52 overloads them), joins
// repeated options as RFC 3396 says, and checks every length before it reads.
import { alloc, copy, get8, get16, get32, set8, set16, set32 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import {
  BOOTP_CHADDR,
  BOOTP_CIADDR,
  BOOTP_COOKIE,
  BOOTP_FILE,
  BOOTP_FILE_LEN,
  BOOTP_FLAGS,
  BOOTP_GIADDR,
  BOOTP_HLEN,
  BOOTP_HTYPE,
  BOOTP_OP,
  BOOTP_OPTIONS,
  BOOTP_SECS,
  BOOTP_SIADDR,
  BOOTP_SNAME,
  BOOTP_SNAME_LEN,
  BOOTP_XID,
  BOOTP_YIADDR,
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_MAGIC,
  FQDN_E,
  FQDN_FLAGS,
  FQDN_NAME,
  FQDN_RCODE1,
  FQDN_RCODE2,
  FQDN_S,
  HLEN_ETHER,
  HTYPE_ETHER,
  OPT_CODE,
  OPT_DATA,
  OPT_LEN,
} from "../wire/dhcp";
import { asciiChar } from "../util/text";

/** Fixed BOOTP header, then the 4-byte cookie: options start here. */
export const DHCP_OPTIONS_OFF = BOOTP_OPTIONS;
/** BOOTP's minimum message (RFC 1542): requests are padded to it. */
export const BOOTP_MIN_LEN = 300;
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const FLAG_BROADCAST = 0x8000;

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

export const OPT_PAD = 0;
export const OPT_SUBNET_MASK = 1;
export const OPT_ROUTER = 3;
export const OPT_DNS = 6;
export const OPT_HOSTNAME = 12;
export const OPT_DOMAIN = 15;
export const OPT_MTU = 26;
export const OPT_NTP = 42;
export const OPT_BROADCAST = 28;
export const OPT_REQUESTED_IP = 50;
export const OPT_LEASE_TIME = 51;
export const OPT_OVERLOAD = 52;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_SERVER_ID = 54;
export const OPT_PARAM_REQUEST = 55;
export const OPT_MESSAGE = 56;
export const OPT_MAX_SIZE = 57;
export const OPT_T1 = 58;
export const OPT_T2 = 59;
export const OPT_VENDOR_CLASS = 60;
export const OPT_CLIENT_ID = 61;
export const OPT_RAPID_COMMIT = 80;
export const OPT_CLIENT_FQDN = 81;
export const OPT_END = 255;

/** Reasons a reply is refused; 0 means it parsed. */
export const DHCP_OK = 0;
export const DHCP_ERR_SHORT = 1;
export const DHCP_ERR_HEADER = 2;
export const DHCP_ERR_COOKIE = 3;
export const DHCP_ERR_OPTIONS = 4;
export const DHCP_ERR_NO_TYPE = 5;
export const DHCP_ERR_TOO_MANY = 6;

/** At most this many option instances are looked at in one message. */
const MAX_SEGMENTS = 96;

/** What a reply says, in fixed storage reused for every message. */
export class DhcpReply {
  op = 0;
  xid = 0;
  secs = 0;
  flags = 0;
  ciaddr = 0;
  yiaddr = 0;
  siaddr = 0;
  giaddr = 0;
  msgType = 0;
  serverId = 0;
  /** -1 when absent. */
  mask = -1;
  broadcast = -1;
  leaseTime = -1;
  t1 = -1;
  t2 = -1;
  mtu = -1;
  rapidCommit = false;
  routers: number[] = [];
  dns: number[] = [];
  /** Option 42's servers; absent when the reply has none. */
  ntp?: number[];
  domain = "";
  message = "";
  /** Routers and DNS servers beyond the limits, counted rather than kept. */
  dropped = 0;

  constructor(
    readonly maxRouters: number,
    readonly maxDns: number,
  ) {}
}

// Where each option instance sits: code, offset and length in the message.
const segCode: number[] = [];
const segOff: number[] = [];
const segLen: number[] = [];
let segCount = 0;

/**
 * Walks one option area [off, end): records every option, stops at END.
 * False when an option runs past the area (a malformed message).
 */
function walkArea(m: Bytes, off: number, end: number): boolean {
  let p = off;
  while (p < end) {
    const code = get8(m, p);
    if (code === OPT_END) return true;
    if (code === OPT_PAD) {
      p++;
      continue;
    }
    if (p + OPT_LEN >= end) return false;
    const l = get8(m, p + OPT_LEN);
    if (p + OPT_DATA + l > end) return false;
    if (segCount >= MAX_SEGMENTS) return false;
    segCode[segCount] = code;
    segOff[segCount] = p + OPT_DATA;
    segLen[segCount] = l;
    segCount++;
    p += OPT_DATA + l;
  }
  // An area may end without END when it is filled exactly (file and sname often do).
  return true;
}

/** Total length of every instance of `code` (RFC 3396: instances are one option, concatenated). */
function optionLength(code: number): number {
  let n = 0;
  for (let i = 0; i < segCount; i++) if (segCode[i] === code) n += segLen[i];
  return n;
}

/** Byte `k` of the concatenation of every instance of `code`. */
function optionByte(m: Bytes, code: number, k: number): number {
  let skip = k;
  for (let i = 0; i < segCount; i++) {
    if (segCode[i] !== code) continue;
    if (skip < segLen[i]) return get8(m, segOff[i] + skip);
    skip -= segLen[i];
  }
  return 0;
}

function option32(m: Bytes, code: number, k: number): number {
  return (
    optionByte(m, code, k) * 16777216 +
    optionByte(m, code, k + 1) * 65536 +
    optionByte(m, code, k + 2) * 256 +
    optionByte(m, code, k + 3)
  );
}

/** A 4-byte value option: the first value when repeated, -1 when absent or shorter than 4. */
function optionU32(m: Bytes, code: number): number {
  return optionLength(code) >= 4 ? option32(m, code, 0) : -1;
}

function optionText(m: Bytes, code: number, max: number): string {
  const n = optionLength(code);
  let s = "";
  for (let k = 0; k < n && k < max; k++) {
    const c = optionByte(m, code, k);
    if (c === 0) break;
    // Printable ASCII only: the text ends up in logs and on the control channel.
    s += asciiChar(c);
  }
  return s;
}

function optionList(m: Bytes, code: number, out: number[], max: number, r: DhcpReply): void {
  out.splice(0, out.length);
  const n = Math.floor(optionLength(code) / 4);
  for (let k = 0; k < n; k++) {
    if (out.length >= max) {
      r.dropped++;
      continue;
    }
    out.push(option32(m, code, k * 4));
  }
}

/**
 * Parses the DHCP message m[off, off+n) into `r`. Checks op, htype, hlen,
 * the cookie and every option length; the caller checks xid, chaddr and
 * what the message means for its state. Returns DHCP_OK or a DHCP_ERR_*.
 */
export function parseDhcp(m: Bytes, off: number, n: number, r: DhcpReply): number {
  if (n < DHCP_OPTIONS_OFF) return DHCP_ERR_SHORT;
  if (
    get8(m, off + BOOTP_OP) !== BOOTREPLY ||
    get8(m, off + BOOTP_HTYPE) !== HTYPE_ETHER ||
    get8(m, off + BOOTP_HLEN) !== HLEN_ETHER
  )
    return DHCP_ERR_HEADER;
  if (get32(m, off + BOOTP_COOKIE) !== DHCP_MAGIC) return DHCP_ERR_COOKIE;
  r.op = BOOTREPLY;
  r.xid = get32(m, off + BOOTP_XID);
  r.secs = get16(m, off + BOOTP_SECS);
  r.flags = get16(m, off + BOOTP_FLAGS);
  r.ciaddr = get32(m, off + BOOTP_CIADDR);
  r.yiaddr = get32(m, off + BOOTP_YIADDR);
  r.siaddr = get32(m, off + BOOTP_SIADDR);
  r.giaddr = get32(m, off + BOOTP_GIADDR);
  segCount = 0;
  if (!walkArea(m, off + DHCP_OPTIONS_OFF, off + n)) return DHCP_ERR_OPTIONS;
  // Option 52: the file (1) and/or sname (2) fields carry options too, read after the main area.
  const overload = optionLength(OPT_OVERLOAD) >= 1 ? optionByte(m, OPT_OVERLOAD, 0) : 0;
  if (overload === 1 || overload === 3) {
    if (!walkArea(m, off + BOOTP_FILE, off + BOOTP_FILE + BOOTP_FILE_LEN)) return DHCP_ERR_OPTIONS;
  }
  if (overload === 2 || overload === 3) {
    if (!walkArea(m, off + BOOTP_SNAME, off + BOOTP_SNAME + BOOTP_SNAME_LEN)) return DHCP_ERR_OPTIONS;
  }
  if (optionLength(OPT_MESSAGE_TYPE) < 1) return DHCP_ERR_NO_TYPE;
  r.msgType = optionByte(m, OPT_MESSAGE_TYPE, 0);
  r.serverId = optionU32(m, OPT_SERVER_ID);
  if (r.serverId < 0) r.serverId = 0;
  r.mask = optionU32(m, OPT_SUBNET_MASK);
  r.broadcast = optionU32(m, OPT_BROADCAST);
  r.leaseTime = optionU32(m, OPT_LEASE_TIME);
  r.t1 = optionU32(m, OPT_T1);
  r.t2 = optionU32(m, OPT_T2);
  r.mtu = optionLength(OPT_MTU) >= 2 ? optionByte(m, OPT_MTU, 0) * 256 + optionByte(m, OPT_MTU, 1) : -1;
  r.rapidCommit = optionLength(OPT_RAPID_COMMIT) === 0 && hasOption(OPT_RAPID_COMMIT);
  r.dropped = 0;
  optionList(m, OPT_ROUTER, r.routers, r.maxRouters, r);
  optionList(m, OPT_DNS, r.dns, r.maxDns, r);
  r.ntp = undefined;
  if (optionLength(OPT_NTP) >= 4) {
    const ntp: number[] = [];
    optionList(m, OPT_NTP, ntp, r.maxDns, r);
    r.ntp = ntp;
  }
  r.domain = optionText(m, OPT_DOMAIN, 64);
  r.message = optionText(m, OPT_MESSAGE, 80);
  return DHCP_OK;
}

function hasOption(code: number): boolean {
  for (let i = 0; i < segCount; i++) if (segCode[i] === code) return true;
  return false;
}

/** Writes requests: the fixed header, then options, END and padding. */
export class DhcpWriter {
  /** Next option offset inside the message. */
  pos = 0;
  constructor(
    public m: Bytes,
    public off: number,
  ) {}

  /** Starts a request: BOOTREQUEST, Ethernet, our chaddr, the cookie. Everything else zero. */
  begin(m: Bytes, off: number, xid: number, secs: number, flags: number, ciaddr: number, chaddr: Bytes): void {
    this.m = m;
    this.off = off;
    for (let i = 0; i < BOOTP_MIN_LEN; i++) set8(m, off + i, 0);
    set8(m, off + BOOTP_OP, BOOTREQUEST);
    set8(m, off + BOOTP_HTYPE, HTYPE_ETHER);
    set8(m, off + BOOTP_HLEN, HLEN_ETHER);
    set32(m, off + BOOTP_XID, xid);
    set16(m, off + BOOTP_SECS, secs > 0xffff ? 0xffff : secs);
    set16(m, off + BOOTP_FLAGS, flags);
    set32(m, off + BOOTP_CIADDR, ciaddr);
    copy(m, off + BOOTP_CHADDR, chaddr, 0, HLEN_ETHER);
    set32(m, off + BOOTP_COOKIE, DHCP_MAGIC);
    this.pos = off + DHCP_OPTIONS_OFF;
  }

  /** Writes an option's code and length; returns where its `n` data bytes go. */
  private opt(code: number, n: number): number {
    const p = this.pos;
    set8(this.m, p + OPT_CODE, code);
    set8(this.m, p + OPT_LEN, n);
    this.pos = p + OPT_DATA + n;
    return p + OPT_DATA;
  }

  u8(code: number, v: number): void {
    const at = this.opt(code, 1);
    set8(this.m, at, v);
  }

  u16(code: number, v: number): void {
    const at = this.opt(code, 2);
    set16(this.m, at, v);
  }

  u32(code: number, v: number): void {
    const at = this.opt(code, 4);
    set32(this.m, at, v);
  }

  bytes(code: number, b: Bytes, n: number): void {
    copy(this.m, this.opt(code, n), b, 0, n);
  }

  /** A text option, cut at 255 bytes; nothing when empty. */
  text(code: number, s: string): void {
    const n = s.length > 255 ? 255 : s.length;
    if (n === 0) return;
    const p = this.opt(code, n);
    for (let i = 0; i < n; i++) set8(this.m, p + i, s.charCodeAt(i) % 256);
  }

  /**
   * The client FQDN option (RFC 4702) for a name with a dot in it: the
   * server to update the A record (S), the name in DNS wire form (E).
   * False when `name` has no dot or is not a valid domain name.
   */
  fqdn(name: string): boolean {
    const n = name.length;
    let dot = false;
    for (let i = 0; i < n; i++) if (name.charCodeAt(i) === 46) dot = true;
    // Labels of 1..63 bytes, 255 in all with their lengths and the root (RFC 1035 3.1), in wire form.
    if (!dot || n + 2 > 255) return false;
    let p = this.pos + OPT_DATA + FQDN_NAME;
    let start = 0;
    for (let i = 0; i <= n; i++) {
      if (i < n && name.charCodeAt(i) !== 46) continue;
      const l = i - start;
      if (l < 1 || l > 63) return false;
      set8(this.m, p, l);
      p++;
      for (let k = start; k < i; k++) {
        set8(this.m, p, name.charCodeAt(k) % 256);
        p++;
      }
      start = i + 1;
    }
    set8(this.m, p, 0);
    p++;
    const at = this.opt(OPT_CLIENT_FQDN, p - (this.pos + OPT_DATA));
    set8(this.m, at + FQDN_FLAGS, FQDN_S + FQDN_E);
    set8(this.m, at + FQDN_RCODE1, 0);
    set8(this.m, at + FQDN_RCODE2, 0);
    return true;
  }

  flag(code: number): void {
    this.opt(code, 0);
  }

  /** Ends the options; returns the message length (at least BOOTP's 300 bytes). */
  end(): number {
    set8(this.m, this.pos, OPT_END);
    this.pos++;
    const n = this.pos - this.off;
    return n < BOOTP_MIN_LEN ? BOOTP_MIN_LEN : n;
  }
}

/**
 * Room a request can need: header, cookie, our options (type, client id,
 * requested address, server id, 9 parameters, max size, a 255-byte name as
 * FQDN or hostname, a 255-byte vendor class, rapid commit, end).
 */
export const DHCP_REQUEST_MAX = DHCP_OPTIONS_OFF + 3 + 9 + 6 + 6 + 11 + 4 + 260 + 257 + 2 + 1;

export function allocRequest(): Bytes {
  return alloc(DHCP_REQUEST_MAX);
}

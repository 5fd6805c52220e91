// Building IPv6 packets for the tests and the fuzzer: a header, a chain of
// extension headers, an upper-layer message; ND messages with options.
// Written from RFC 8200 and RFC 4861, independent of what it tests.

export const LL_A = "fe800000000000000000000000000001";
export const LL_B = "fe800000000000000200000000000002";
export const GLOBAL_A = "20010db8000000000000000000000001";
export const ALL_NODES = "ff020000000000000000000000000001";
/** The solicited-node group of LL_B (ff02::1:ff00:2). */
export const SNM_B = "ff0200000000000000000001ff000002";
export const UNSPEC = "00000000000000000000000000000000";

export interface Ext {
  /** 0 hop-by-hop, 60 destination options, 43 routing, 44 fragment. */
  type: number;
  /** Options (hop-by-hop, destination) as raw TLV bytes, padded by us to a multiple of 8 with the header. */
  options?: number[];
  segmentsLeft?: number;
}

const hex = (h: string): number[] => Array.from(Buffer.from(h, "hex"));

/** The extension header's bytes, without its next-header value (filled by the chain). */
function extBytes(e: Ext): number[] {
  if (e.type === 44) return [0, 0, 0, 0, 0, 0, 0, 1];
  if (e.type === 43) {
    const b = [0, 0, 0, e.segmentsLeft ?? 0, 0, 0, 0, 0];
    return b;
  }
  const opts = [...(e.options ?? [])];
  // PadN (or Pad1) to a multiple of 8 with the two header bytes.
  const rest = (8 - ((2 + opts.length) % 8)) % 8;
  if (rest === 1) opts.push(0);
  else if (rest > 1) opts.push(1, rest - 2, ...new Array<number>(rest - 2).fill(0));
  const b = [0, 0, ...opts];
  b[1] = b.length / 8 - 1;
  return b;
}

/** Sums 16-bit words (RFC 1071) with the carries folded; the one's complement of the result. */
export function inetChecksum(bytes: number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return 0xffff - s;
}

/**
 * An IPv6 packet: header (src, dst, hop limit), `exts` in order, then an
 * upper-layer message `upper` of protocol `proto` (an ICMPv6 message's
 * checksum is filled in).
 */
export function ipv6Packet(o: {
  src?: string;
  dst?: string;
  hopLimit?: number;
  exts?: Ext[];
  proto: number;
  upper: number[];
}): Uint8Array {
  const src = hex(o.src ?? LL_A);
  const dst = hex(o.dst ?? LL_B);
  const exts = o.exts ?? [];
  const upper = [...o.upper];
  if (o.proto === 58 && upper.length >= 4) {
    upper[2] = 0;
    upper[3] = 0;
    const n = upper.length;
    const c = inetChecksum([
      ...src,
      ...dst,
      (n >>> 24) & 0xff,
      (n >>> 16) & 0xff,
      (n >>> 8) & 0xff,
      n & 0xff,
      0,
      0,
      0,
      58,
      ...upper,
    ]);
    upper[2] = c >> 8;
    upper[3] = c & 0xff;
  }
  const chain: number[] = [];
  const types = [...exts.map((e) => e.type), o.proto];
  exts.forEach((e, i) => {
    const b = extBytes(e);
    b[0] = types[i + 1];
    chain.push(...b);
  });
  const plen = chain.length + upper.length;
  const h = [0x60, 0, 0, 0, plen >> 8, plen & 0xff, types[0], o.hopLimit ?? 64, ...src, ...dst];
  return Uint8Array.from([...h, ...chain, ...upper]);
}

/** An ND option: type and value, padded to 8 bytes. */
export function ndOption(type: number, value: number[]): number[] {
  const n = Math.ceil((value.length + 2) / 8) * 8;
  const b = [type, n / 8, ...value];
  while (b.length < n) b.push(0);
  return b;
}

/** A Neighbor Solicitation (135) or Advertisement (136) for `target` with `flags` (NA) and options. */
export function ndNeighbor(type: 135 | 136, target: string, flags: number, options: number[][] = []): number[] {
  return [type, 0, 0, 0, flags, 0, 0, 0, ...hex(target), ...options.flat()];
}

/** A Router Advertisement with its fixed fields and options. */
export function ndRouterAdvert(o: { lifetime?: number; flags?: number; options?: number[][] }): number[] {
  const lt = o.lifetime ?? 1800;
  return [134, 0, 0, 0, 64, o.flags ?? 0, lt >> 8, lt & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, ...(o.options ?? []).flat()];
}

/** A prefix information option (32 bytes). */
export function prefixInfo(prefix: string, len: number, valid: number, preferred: number, flags = 0xc0): number[] {
  const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return ndOption(3, [len, flags, ...u32(valid), ...u32(preferred), 0, 0, 0, 0, ...hex(prefix)]);
}

/** The packet as the frame the stack sees: an Ethernet header in front. */
export function inFrame(p: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + p.length);
  f.set([0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0x86, 0xdd]);
  f.set(p, 14);
  return f;
}

const SAMPLE_MAC = [2, 0, 0, 0, 0, 9];
/** A hop-by-hop header with MLD's Router Alert (RFC 2711, value 0). */
const mldAlert: Ext = { type: 0, options: [5, 2, 0, 0] };

/** An MLD query for `group` (:: for all), 1 s to answer: MLDv2's 28 bytes, or MLDv1's 24. */
function mldQuery(group: string, v2: boolean): number[] {
  const q = [130, 0, 0, 0, 0x03, 0xe8, 0, 0, ...hex(group)];
  return v2 ? [...q, 0, 125, 0, 0] : q;
}

/**
 * Packets of every kind the receive side judges, each with whether its
 * destination is a group: the conformance vectors' cases and the fuzzer's seeds.
 */
export function samplePackets(): [Uint8Array, boolean][] {
  const echo = [128, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4];
  const rdnss = ndOption(25, [0, 0, 0, 0, 0x0e, 0x10, ...Array.from(Buffer.from(GLOBAL_A, "hex"))]);
  return [
    [ipv6Packet({ proto: 58, upper: echo }), false],
    [
      ipv6Packet({
        proto: 17,
        upper: [0, 7, 0, 7, 0, 8, 0, 0],
        exts: [{ type: 0, options: [5, 2, 0, 0] }, { type: 60 }, { type: 43 }],
      }),
      false,
    ],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60 }, { type: 0 }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 43, segmentsLeft: 2 }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0x9e, 1, 0] }] }), true],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0xde, 1, 0] }] }), true],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0xde, 1, 0] }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 44 }] }), false],
    [ipv6Packet({ proto: 50, upper: [0, 0, 0, 1, 0, 0, 0, 1] }), false],
    [ipv6Packet({ proto: 58, upper: echo }).subarray(0, 45), false],
    [
      ipv6Packet({ hopLimit: 255, dst: SNM_B, proto: 58, upper: ndNeighbor(135, LL_B, 0, [ndOption(1, SAMPLE_MAC)]) }),
      true,
    ],
    [
      ipv6Packet({
        hopLimit: 255,
        src: UNSPEC,
        dst: SNM_B,
        proto: 58,
        upper: ndNeighbor(135, LL_B, 0, [ndOption(1, SAMPLE_MAC)]),
      }),
      true,
    ],
    [ipv6Packet({ hopLimit: 255, dst: ALL_NODES, proto: 58, upper: ndNeighbor(136, LL_B, 0x60) }), true],
    [ipv6Packet({ hopLimit: 255, proto: 58, upper: ndNeighbor(136, LL_B, 0xe0, [ndOption(2, SAMPLE_MAC)]) }), false],
    [
      ipv6Packet({
        hopLimit: 255,
        dst: ALL_NODES,
        proto: 58,
        upper: ndRouterAdvert({
          options: [
            ndOption(1, SAMPLE_MAC),
            ndOption(5, [0, 0, 0, 0, 5, 0xdc]),
            prefixInfo("20010db8000000000000000000000000", 64, 7200, 3600),
            rdnss,
            ndOption(99, [1]),
          ],
        }),
      }),
      true,
    ],
    [ipv6Packet({ hopLimit: 255, proto: 58, upper: ndRouterAdvert({ options: [[1, 0, 2, 0, 0, 0, 0, 9]] }) }), true],
    // MLD queries: MLDv2's general one with MLD's Router Alert, MLDv1's for a group, one without the alert.
    [ipv6Packet({ hopLimit: 1, dst: ALL_NODES, exts: [mldAlert], proto: 58, upper: mldQuery(UNSPEC, true) }), true],
    [ipv6Packet({ hopLimit: 1, dst: SNM_B, exts: [mldAlert], proto: 58, upper: mldQuery(SNM_B, false) }), true],
    [ipv6Packet({ hopLimit: 1, dst: ALL_NODES, proto: 58, upper: mldQuery(UNSPEC, true) }), true],
  ];
}

// What a message may contain, declared as data: attribute kinds and sets,
// family-header fields, schemas (the declarations themselves are in
// schemas.ts and family.ts).
import { get8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { getLe16, getLe32, getS32 } from "../wire/endian";

// Attribute kinds: what the payload is, and so how long it must be.
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_S32 = 5;
/** NUL-terminated on output; on input the NUL is optional. `size`: longest payload (0: any). */
export const NLA_STRING = 6;
/** Opaque bytes; `size`: longest payload (0: any). */
export const NLA_BINARY = 7;
export const NLA_NESTED = 8;
export const NLA_FLAG = 9;
/** An IPv4 address in network order. */
export const NLA_IN_ADDR = 10;
/** u32, or u64 when the value needs it (the kernel's NLA_UINT). */
export const NLA_UINT = 11;
/** A C struct of exactly `size` bytes. */
export const NLA_STRUCT = 12;
/** A link-layer address: 6 bytes on Ethernet. */
export const NLA_LLADDR = 13;
/** Type bits: the nested and byte-order flags are not part of the type. */
export const NLA_TYPE_MASK = 0x3fff;
export const NLA_F_NESTED = 0x8000;

// One declared attribute is one number, not an object: an object per
// attribute cost about 630 bytes of Lua heap and 9 Espruino variables, and
// the schemas declare about a hundred. Packed with arithmetic only (Lua 5.1
// numbers have no bit operators): type + kind·2^14 + size·2^18 + nested·2^30,
// where nested is 1 + the index of the attribute's nested set (0: none).
const SPEC_KIND = 16384;
const SPEC_SIZE = 262144;
const SPEC_NEST = 1073741824;

/** The attributes of one level: what each type is and how long its payload may be. */
export class NlAttrSet {
  private readonly specs: number[] = [];
  private readonly names: string[] = [];
  private readonly nestedSets: NlAttrSet[] = [];

  constructor(readonly name: string) {}

  private declare(type: number, name: string, kind: number, size: number, nested: NlAttrSet | undefined): NlAttrSet {
    let n = 0;
    if (nested !== undefined) {
      this.nestedSets.push(nested);
      n = this.nestedSets.length;
    }
    this.specs.push(type + kind * SPEC_KIND + size * SPEC_SIZE + n * SPEC_NEST);
    this.names.push(name);
    return this;
  }

  /** Declares an attribute whose size its kind gives (or unbounded). */
  a(type: number, name: string, kind: number): NlAttrSet {
    return this.declare(type, name, kind, 0, undefined);
  }

  /** Declares an attribute with a size: exact for NLA_STRUCT, the longest payload for strings and binary. */
  sized(type: number, name: string, kind: number, size: number): NlAttrSet {
    return this.declare(type, name, kind, size, undefined);
  }

  /** Declares a nested attribute, whose payload is validated against `set` (undefined: opaque). */
  nest(type: number, name: string, set: NlAttrSet | undefined): NlAttrSet {
    return this.declare(type, name, NLA_NESTED, 0, set);
  }

  /** How many attributes are declared. */
  count(): number {
    return this.specs.length;
  }

  /** The declaration index of `type`, or -1 when the set does not declare it. */
  find(type: number): number {
    for (let i = 0; i < this.specs.length; i++) if (this.specs[i] % SPEC_KIND === type) return i;
    return -1;
  }

  typeAt(i: number): number {
    return this.specs[i] % SPEC_KIND;
  }

  kindAt(i: number): number {
    return Math.floor(this.specs[i] / SPEC_KIND) % 16;
  }

  /** Exact size (NLA_STRUCT) or longest payload (strings, binary); 0 when unbounded. */
  sizeAt(i: number): number {
    return Math.floor(this.specs[i] / SPEC_SIZE) % 4096;
  }

  nameAt(i: number): string {
    return this.names[i];
  }

  nestedAt(i: number): NlAttrSet | undefined {
    const n = Math.floor(this.specs[i] / SPEC_NEST);
    return n > 0 ? this.nestedSets[n - 1] : undefined;
  }

  /** The payload length attribute `i`'s kind demands, or -1 when it varies. */
  fixedSize(i: number): number {
    const k = this.kindAt(i);
    if (k === NLA_U8) return 1;
    if (k === NLA_U16) return 2;
    if (k === NLA_U32 || k === NLA_S32 || k === NLA_IN_ADDR) return 4;
    if (k === NLA_U64) return 8;
    if (k === NLA_FLAG) return 0;
    if (k === NLA_LLADDR) return 6;
    if (k === NLA_STRUCT) return this.sizeAt(i);
    return -1;
  }

  /**
   * Whether a payload of `n` bytes is acceptable for attribute `i`, as
   * rtnetlink's liberal parse judges it: an integer may be longer than its
   * type (the first bytes count), never shorter; an address with a size is
   * checked by its handler.
   */
  accepts(i: number, n: number): boolean {
    const k = this.kindAt(i);
    if (k === NLA_IN_ADDR && this.sizeAt(i) > 0) return n <= this.sizeAt(i);
    const f = this.fixedSize(i);
    if (f >= 0) return k === NLA_STRUCT || k === NLA_FLAG || k === NLA_LLADDR ? n === f : n >= f;
    if (k === NLA_UINT) return n === 4 || n === 8;
    if (k === NLA_STRING || k === NLA_BINARY) return this.sizeAt(i) === 0 || n <= this.sizeAt(i);
    return true;
  }
}

export class NlField {
  constructor(
    readonly name: string,
    readonly off: number,
    /** NLA_U8, NLA_U16, NLA_U32 or NLA_S32. */
    readonly kind: number,
  ) {}
}

export class NlSchema {
  constructor(
    readonly name: string,
    readonly hdrLen: number,
    readonly fields: NlField[],
    readonly attrs: NlAttrSet | undefined,
  ) {}
}

export function readField(b: Bytes, base: number, f: NlField): number {
  const o = base + f.off;
  if (f.kind === NLA_U8) return get8(b, o);
  if (f.kind === NLA_U16) return getLe16(b, o);
  if (f.kind === NLA_S32) return getS32(b, o);
  return getLe32(b, o);
}

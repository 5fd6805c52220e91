// Who may change the device: reads are always open; once a key is set
// (16 to 64 bytes in HAL storage), changes need a session opened by an
// HMAC-SHA256 challenge-response, lasting SESSION_MS after its last use.
// The functions below are rows of our family's handler table.
import { alloc, get8, len, set8 } from "@hal/bytes";
import type { Bytes, Clock, Random, Storage } from "../../hal/types";
import { EINVAL, ENOSPC, EOPNOTSUPP, EPERM } from "../net/errno";
import { equalConstantTime, hmacSha256 } from "../util/sha256";
import type { ControlChannel } from "./channel";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_KEY,
  NETRT_A_KEYED,
  NETRT_A_MAC,
  NETRT_A_NONCE,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_GENL_TYPE,
  NETRT_KEY_MAX,
  NETRT_KEY_MIN,
  NETRT_MAC_LEN,
  NETRT_NONCE_LEN,
} from "./family";
import { REPLY_SENT } from "./handler";
import type { NlMsg } from "./parse";

/** Where the device key lives in HAL storage. */
export const KEY_STORAGE = "ctl.key";
/** An authenticated session lasts this long after its last use. */
export const SESSION_MS = 300000;

export class ControlAuth {
  /** The challenge in play: it answers one response, right or wrong. */
  nonce: Bytes | undefined = undefined;
  sessionUntil = -1;
  readonly counters = { challenges: 0, failures: 0, sessions: 0, refused: 0 };

  constructor(
    readonly clock: Clock,
    readonly storage: Storage | undefined,
    readonly random: Random,
  ) {}
}

function deviceKey(a: ControlAuth): Bytes | undefined {
  if (a.storage === undefined) return undefined;
  const k = a.storage.read(KEY_STORAGE);
  return k !== undefined && len(k) > 0 ? k : undefined;
}

/** Reads are always allowed; changes need a session once a key is set (bring-up is open). */
export function mayMutate(a: ControlAuth): boolean {
  if (deviceKey(a) === undefined) return true;
  const now = a.clock.now();
  if (now < a.sessionUntil) {
    a.sessionUntil = now + SESSION_MS;
    return true;
  }
  a.counters.refused++;
  return false;
}

/** NETRT_CMD_AUTH_CHALLENGE: a fresh nonce, and whether the device has a key. */
export function authChallenge(c: ControlChannel, m: NlMsg): number {
  const a = c.auth;
  const n = alloc(NETRT_NONCE_LEN);
  for (let i = 0; i < NETRT_NONCE_LEN; i += 4) {
    let v = a.random.u32();
    for (let k = 0; k < 4; k++) {
      set8(n, i + k, v % 256);
      v = Math.floor(v / 256);
    }
  }
  a.nonce = n;
  a.counters.challenges++;
  const keyed = deviceKey(a) !== undefined ? 1 : 0;
  const e = c.rtnl.replyOne((w) => {
    if (!w.begin(NETRT_GENL_TYPE, 0, m.seq, m.pid, GENLMSGHDR.hdrLen)) return false;
    w.field(GENL_CMD, NETRT_CMD_AUTH_CHALLENGE);
    w.bytes(NETRT_A_NONCE, n, 0, NETRT_NONCE_LEN);
    w.put(GENL_ATTRS, NETRT_A_KEYED, keyed);
    return w.end() > 0;
  });
  return e < 0 ? e : REPLY_SENT;
}

/** NETRT_CMD_AUTH_RESPONSE: HMAC-SHA256(key, nonce) opens a session. */
export function authResponse(c: ControlChannel, m: NlMsg): number {
  const a = c.auth;
  const err = c.rtnl.err;
  const key = deviceKey(a);
  const nonce = a.nonce;
  a.nonce = undefined;
  if (key === undefined) return err.fail(EINVAL, "no key is set on this device: nothing to authenticate", -1);
  if (nonce === undefined) return err.fail(EINVAL, "ask for a challenge first", -1);
  const i = m.attrs.find(NETRT_A_MAC);
  if (i < 0 || m.attrs.lens[i] !== NETRT_MAC_LEN) return err.fail(EINVAL, "NETRT_A_MAC (32 bytes) is required", -1);
  const mac = alloc(NETRT_MAC_LEN);
  for (let k = 0; k < NETRT_MAC_LEN; k++) set8(mac, k, get8(m.buf!, m.attrs.offs[i] + k));
  if (!equalConstantTime(mac, hmacSha256(key, nonce, 0, NETRT_NONCE_LEN))) {
    a.counters.failures++;
    return err.fail(EPERM, "authentication failed", -1);
  }
  a.counters.sessions++;
  a.sessionUntil = a.clock.now() + SESSION_MS;
  return 0;
}

/** NETRT_CMD_SET_KEY: a new key (16 to 64 bytes), or none; it ends the session that set it. */
export function setKey(c: ControlChannel, m: NlMsg): number {
  const a = c.auth;
  const err = c.rtnl.err;
  if (a.storage === undefined) return err.fail(EOPNOTSUPP, "this device has no storage for a key", -1);
  const i = m.attrs.find(NETRT_A_KEY);
  if (i < 0) return err.fail(EINVAL, "NETRT_A_KEY is required (empty to remove the key)", -1);
  const n = m.attrs.lens[i];
  if (n !== 0 && (n < NETRT_KEY_MIN || n > NETRT_KEY_MAX)) return err.fail(EINVAL, "a key is 16 to 64 bytes", -1);
  if (n === 0) {
    a.storage.remove(KEY_STORAGE);
    return 0;
  }
  const k = alloc(n);
  for (let j = 0; j < n; j++) set8(k, j, get8(m.buf!, m.attrs.offs[i] + j));
  if (!a.storage.write(KEY_STORAGE, k)) return err.fail(ENOSPC, "the key could not be stored", -1);
  // A new key ends the session that set it: prove it works.
  a.sessionUntil = -1;
  return 0;
}

/** NETRT_CMD_AUTH_END: the session ends now. */
export function authEnd(c: ControlChannel): number {
  c.auth.sessionUntil = -1;
  return 0;
}

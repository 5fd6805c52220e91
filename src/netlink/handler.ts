// What a route-family handler is, and the dump cursor handlers start: shared
// by rtnl.ts (the dispatcher) and the per-object handler files in route/.
import type { Rtnl } from "./rtnl";
import { type NlMsg } from "./parse";
import { type NlWriter } from "./writer";

/** Handler result: 0 done (ACK if asked), a negative errno, or DUMP_STARTED (replies are under way). */
export const DUMP_STARTED = 1;
/** Our family's handler result: the handler sent its own reply (no ACK follows). */
export const REPLY_SENT = 1;
/** Our family's handler result: the answer (and the ACK) will come later, when the network has answered. */
export const ANSWER_LATER = 2;

/**
 * One row of a family's handler table, the same shape for both families:
 * the message type (rtnetlink) or command (our family), a name for errors,
 * whether it changes state (the dispatcher's auth check reads this column),
 * and the handler, given the family's context (the Rtnl or the channel).
 */
export class Handler<C> {
  constructor(
    readonly type: number,
    /** For messages: "get link" gives "Invalid header for get link". */
    readonly name: string,
    readonly mutates: boolean,
    readonly fn: (ctx: C, m: NlMsg) => number,
  ) {}
}

export type RtnlHandler = Handler<Rtnl>;

/** The row of `table` for message type (or command) `type`. */
export function findHandler<C>(table: Handler<C>[], type: number): Handler<C> | undefined {
  for (let i = 0; i < table.length; i++) if (table[i].type === type) return table[i];
  return undefined;
}

/** Writes the dump's next entry at the cursor (advancing it when the entry fits); false when none is left. */
export type DumpStep = (r: Rtnl, w: NlWriter, c: DumpCursor) => boolean;

/** Where a dump is and which request it answers; one at a time. */
export class DumpCursor {
  step: DumpStep | undefined = undefined;
  pos = 0;
  sub = 0;
  /** Only this interface's objects (0: all; -1: none). */
  ifindex = 0;
  /** An AF_UNSPEC dump: 0 while IPv4's objects go out, 1 for IPv6's after them. */
  phase = 0;
  /** Neighbours: the proxy entries (NTF_PROXY asked) instead of the others. */
  proxy = false;
  seq = 0;
  pid = 0;
}

/** IPv6's part of the route family, in builds with IPv6 (src/netlink/route/inet6.ts). */
export interface Inet6Part {
  /** An AF_INET6 request (RTM_*ADDR, RTM_*NEIGH, RTM_*ROUTE): a handler result. */
  request(r: Rtnl, m: NlMsg): number;
  /** Writes the next IPv6 object of a dump of `type` (RTM_GET*) at the cursor; false when none is left. */
  dump(r: Rtnl, w: NlWriter, c: DumpCursor, type: number): boolean;
}

/** A dump of both families: IPv4's objects (`v4`), then IPv6's when the build has IPv6. */
export function bothFamilies(r: Rtnl, w: NlWriter, c: DumpCursor, v4: DumpStep, type: number): boolean {
  if (c.phase === 0) {
    if (v4(r, w, c)) return true;
    const six = r.inet6;
    if (six === undefined) return false;
    c.phase = 1;
    c.pos = 0;
    c.sub = 0;
  }
  const six = r.inet6;
  return six !== undefined && six.dump(r, w, c, type);
}

// RTM_{GET,NEW,SET,DEL}LINK: the interfaces (FreeBSD's netlink/route/iface.c).
import { band } from "@hal/u32";
import { EADDRNOTAVAIL, EINVAL, ENODEV, EOPNOTSUPP } from "../../net/errno";
import { IFF_UP, type Ifnet } from "../../net/ifnet";
import { isGroupMac, isZeroMac } from "../../wire/ether";
import * as C from "../constants";
import { type DumpCursor, Handler } from "../handler";
import { putLink } from "../messages";
import { IFI_CHANGE, IFI_FLAGS, IFI_INDEX } from "../schemas";
import type { Rtnl } from "../rtnl";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

/** The interface a request names: by index when it gives one (a name beside it is not checked), else by name. */
function linkOf(r: Rtnl, m: NlMsg): Ifnet | undefined {
  const index = m.field(IFI_INDEX);
  const name = m.attrs.str(C.IFLA_IFNAME);
  const nm = name !== undefined ? name : m.attrs.str(C.IFLA_ALT_IFNAME);
  let ifp: Ifnet | undefined = undefined;
  if (index > 0) ifp = r.stack.ifs.byIndex(index);
  else if (nm !== undefined) ifp = r.stack.ifs.byName(nm);
  if (ifp === undefined) r.err.set(ENODEV, "", -1);
  return ifp;
}

function getLink(r: Rtnl, m: NlMsg): number {
  const index = m.field(IFI_INDEX);
  const named = m.attrs.has(C.IFLA_IFNAME) || m.attrs.has(C.IFLA_ALT_IFNAME);
  if (index === 0 && !named) {
    if (band(m.flags, C.NLM_F_DUMP) === 0) {
      return r.err.fail(EINVAL, "", -1);
    }
    return r.startDump(dumpLinks, m.seq, m.pid, 0);
  }
  // The fast path: one interface by index or name, answered without NLM_F_MULTI.
  const ifp = linkOf(r, m);
  if (ifp === undefined) return -r.err.code;
  return r.replyOne((w) => putLink(w, ifp, C.RTM_NEWLINK, 0, m.seq, m.pid, 0, r.host.driverName(ifp)));
}

function newLink(r: Rtnl, m: NlMsg): number {
  const ifp = linkOf(r, m);
  if (ifp === undefined) {
    // Creating one needs a kind (IFLA_LINKINFO) this device has none of.
    if (band(m.flags, C.NLM_F_CREATE) !== 0) r.err.set(EOPNOTSUPP, "interfaces cannot be created on this device", -1);
    return -r.err.code;
  }
  const ifs = r.stack.ifs;
  const change = m.field(IFI_CHANGE);
  const flags = m.field(IFI_FLAGS);
  // ifi_change 0 means "all flags" in old requests (iproute2 sends 0xffffffff).
  const sel = change === 0 ? 0 : change;
  // Everything is checked before anything changes, as the kernel does: a refused request changes nothing.
  const hasMtu = m.attrs.has(C.IFLA_MTU);
  const mtu = hasMtu ? m.attrs.num(C.IFLA_MTU, 0) : 0;
  const mtuAt = hasMtu ? m.attrs.offs[m.attrs.find(C.IFLA_MTU)] - C.NLA_HDRLEN - m.off : -1;
  if (hasMtu && mtu < ifp.minMtu) return r.err.fail(EINVAL, "mtu less than device minimum", -1);
  if (hasMtu && mtu > ifp.maxMtu) return r.err.fail(EINVAL, "mtu greater than device maximum", -1);
  const alias = m.attrs.str(C.IFLA_IFALIAS);
  if (alias !== undefined && alias !== ifp.alias) {
    // An alias the link's own message could not carry would make the interface unreportable.
    const room = r.linkRoom(ifp);
    if (alias.length > room)
      return r.err.fail(
        EINVAL,
        "alias too long: this device's frames carry at most " + (room > 0 ? room : 0) + " bytes of it",
        m.attrs.offs[m.attrs.find(C.IFLA_IFALIAS)] - C.NLA_HDRLEN - m.off,
      );
  }
  // A new MAC, taken live as Linux's TAP and loopback do: a unicast, non-zero one of 6 bytes.
  const hw = m.attrs.find(C.IFLA_ADDRESS);
  const b = m.buf!;
  const hwAt = hw < 0 ? -1 : m.attrs.offs[hw];
  if (hw >= 0 && m.attrs.lens[hw] < 6) return r.err.fail(EINVAL, "", -1);
  if (hw >= 0 && (isGroupMac(b, hwAt) || isZeroMac(b, hwAt))) return r.err.fail(EADDRNOTAVAIL, "", -1);
  if (hasMtu && !ifs.setMtu(ifp, mtu)) return r.err.fail(EINVAL, "the driver refused mtu " + mtu, mtuAt);
  if (alias !== undefined) ifs.setAlias(ifp, alias);
  if (hw >= 0) r.stack.setHwaddr(ifp, b, hwAt);
  if (band(sel, IFF_UP) !== 0) r.stack.setUp(ifp, band(flags, IFF_UP) !== 0);
  if (sel !== 0) ifs.setFlags(ifp, flags, band(sel, 0xffffffff - IFF_UP));
  return 0;
}

function delLink(r: Rtnl, m: NlMsg): number {
  const ifp = linkOf(r, m);
  if (ifp === undefined) return -r.err.code;
  // Physical interfaces: Linux answers a NIC's delete the same way.
  return r.err.fail(EOPNOTSUPP, "", -1);
}

/** Dump step: the next interface (all, or the cursor's ifindex). */
function dumpLinks(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  const list = r.stack.ifs.list;
  while (c.pos < list.length && c.ifindex !== 0 && list[c.pos].index !== c.ifindex) c.pos++;
  if (c.pos >= list.length) return false;
  const ifp = list[c.pos];
  if (putLink(w, ifp, C.RTM_NEWLINK, C.NLM_F_MULTI, c.seq, c.pid, 0, r.host.driverName(ifp))) c.pos++;
  return true;
}

export function addLinkHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETLINK, "get link", false, getLink));
  r.register(new Handler<Rtnl>(C.RTM_NEWLINK, "new link", true, newLink));
  r.register(new Handler<Rtnl>(C.RTM_SETLINK, "set link", true, newLink));
  r.register(new Handler<Rtnl>(C.RTM_DELLINK, "del link", true, delLink));
}

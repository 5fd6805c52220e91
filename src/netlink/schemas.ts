// The rtnetlink messages we speak, declared as data: each family header's
// fields and each attribute's kind as the Linux kernel emits it (sizes
// checked against real kernel captures in test/netlink/). The walker and
// writer in codec.ts do the rest.
import * as C from "./constants";
import { GENLMSGHDR, NETRT_GENL_TYPE } from "./family";
import {
  NLA_BINARY,
  NLA_IN_ADDR,
  NLA_S32,
  NLA_STRING,
  NLA_STRUCT,
  NLA_U16,
  NLA_U32,
  NLA_U8,
  NLA_UINT,
  NlAttrSet,
  NlField,
  NlSchema,
} from "./policy";

/** Longest interface name with its NUL (IFNAMSIZ). */
export const IFNAMSIZ = 16;
/** Longest interface alias (IFALIASZ). */
export const IFALIASZ = 256;
export const RTNL_LINK_STATS64_LEN = 200;
export const RTNL_LINK_STATS_LEN = 96;
export const IFA_CACHEINFO_LEN = 16;
export const NDA_CACHEINFO_LEN = 16;

const INET_AF_SPEC = new NlAttrSet("ifla_inet").a(C.IFLA_INET_CONF, "IFLA_INET_CONF", NLA_BINARY);
const INET6_AF_SPEC = new NlAttrSet("ifla_inet6")
  .a(C.IFLA_INET6_FLAGS, "IFLA_INET6_FLAGS", NLA_U32)
  .a(C.IFLA_INET6_CONF, "IFLA_INET6_CONF", NLA_BINARY)
  .a(C.IFLA_INET6_STATS, "IFLA_INET6_STATS", NLA_BINARY)
  .a(C.IFLA_INET6_CACHEINFO, "IFLA_INET6_CACHEINFO", NLA_BINARY)
  .a(C.IFLA_INET6_ICMP6STATS, "IFLA_INET6_ICMP6STATS", NLA_BINARY)
  .a(C.IFLA_INET6_TOKEN, "IFLA_INET6_TOKEN", NLA_BINARY)
  .a(C.IFLA_INET6_ADDR_GEN_MODE, "IFLA_INET6_ADDR_GEN_MODE", NLA_U8);
export const AF_SPEC_ATTRS = new NlAttrSet("ifla_af_spec")
  .nest(C.AF_INET, "AF_INET", INET_AF_SPEC)
  .nest(C.AF_INET6, "AF_INET6", INET6_AF_SPEC);
const LINKINFO_ATTRS = new NlAttrSet("ifla_linkinfo")
  .sized(C.IFLA_INFO_KIND, "IFLA_INFO_KIND", NLA_STRING, 32)
  .a(C.IFLA_INFO_DATA, "IFLA_INFO_DATA", NLA_BINARY);
const XDP_ATTRS = new NlAttrSet("ifla_xdp").a(C.IFLA_XDP_ATTACHED, "IFLA_XDP_ATTACHED", NLA_U8);

export const LINK_ATTRS = new NlAttrSet("ifla")
  .sized(C.IFLA_ADDRESS, "IFLA_ADDRESS", NLA_BINARY, 32)
  .sized(C.IFLA_BROADCAST, "IFLA_BROADCAST", NLA_BINARY, 32)
  .sized(C.IFLA_IFNAME, "IFLA_IFNAME", NLA_STRING, IFNAMSIZ)
  .a(C.IFLA_MTU, "IFLA_MTU", NLA_U32)
  .a(C.IFLA_LINK, "IFLA_LINK", NLA_U32)
  .a(C.IFLA_QDISC, "IFLA_QDISC", NLA_STRING)
  .sized(C.IFLA_STATS, "IFLA_STATS", NLA_STRUCT, RTNL_LINK_STATS_LEN)
  .a(C.IFLA_TXQLEN, "IFLA_TXQLEN", NLA_U32)
  .sized(C.IFLA_MAP, "IFLA_MAP", NLA_STRUCT, 32)
  .a(C.IFLA_OPERSTATE, "IFLA_OPERSTATE", NLA_U8)
  .a(C.IFLA_LINKMODE, "IFLA_LINKMODE", NLA_U8)
  .nest(C.IFLA_LINKINFO, "IFLA_LINKINFO", LINKINFO_ATTRS)
  .sized(C.IFLA_IFALIAS, "IFLA_IFALIAS", NLA_STRING, IFALIASZ)
  .sized(C.IFLA_STATS64, "IFLA_STATS64", NLA_STRUCT, RTNL_LINK_STATS64_LEN)
  .nest(C.IFLA_AF_SPEC, "IFLA_AF_SPEC", AF_SPEC_ATTRS)
  .a(C.IFLA_GROUP, "IFLA_GROUP", NLA_U32)
  .a(C.IFLA_EXT_MASK, "IFLA_EXT_MASK", NLA_U32)
  .a(C.IFLA_PROMISCUITY, "IFLA_PROMISCUITY", NLA_U32)
  .a(C.IFLA_NUM_TX_QUEUES, "IFLA_NUM_TX_QUEUES", NLA_U32)
  .a(C.IFLA_NUM_RX_QUEUES, "IFLA_NUM_RX_QUEUES", NLA_U32)
  .a(C.IFLA_CARRIER, "IFLA_CARRIER", NLA_U8)
  .a(C.IFLA_CARRIER_CHANGES, "IFLA_CARRIER_CHANGES", NLA_U32)
  .a(C.IFLA_LINK_NETNSID, "IFLA_LINK_NETNSID", NLA_S32)
  .a(C.IFLA_PROTO_DOWN, "IFLA_PROTO_DOWN", NLA_U8)
  .a(C.IFLA_GSO_MAX_SEGS, "IFLA_GSO_MAX_SEGS", NLA_U32)
  .a(C.IFLA_GSO_MAX_SIZE, "IFLA_GSO_MAX_SIZE", NLA_U32)
  .nest(C.IFLA_XDP, "IFLA_XDP", XDP_ATTRS)
  .a(C.IFLA_CARRIER_UP_COUNT, "IFLA_CARRIER_UP_COUNT", NLA_U32)
  .a(C.IFLA_CARRIER_DOWN_COUNT, "IFLA_CARRIER_DOWN_COUNT", NLA_U32)
  .a(C.IFLA_MIN_MTU, "IFLA_MIN_MTU", NLA_U32)
  .a(C.IFLA_MAX_MTU, "IFLA_MAX_MTU", NLA_U32)
  .sized(C.IFLA_ALT_IFNAME, "IFLA_ALT_IFNAME", NLA_STRING, 128)
  .a(C.IFLA_GRO_MAX_SIZE, "IFLA_GRO_MAX_SIZE", NLA_U32)
  .a(C.IFLA_TSO_MAX_SIZE, "IFLA_TSO_MAX_SIZE", NLA_U32)
  .a(C.IFLA_TSO_MAX_SEGS, "IFLA_TSO_MAX_SEGS", NLA_U32)
  .a(C.IFLA_ALLMULTI, "IFLA_ALLMULTI", NLA_U32)
  .nest(C.IFLA_DEVLINK_PORT, "IFLA_DEVLINK_PORT", undefined)
  .a(C.IFLA_GSO_IPV4_MAX_SIZE, "IFLA_GSO_IPV4_MAX_SIZE", NLA_U32)
  .a(C.IFLA_GRO_IPV4_MAX_SIZE, "IFLA_GRO_IPV4_MAX_SIZE", NLA_U32)
  .nest(C.IFLA_DPLL_PIN, "IFLA_DPLL_PIN", undefined)
  .a(C.IFLA_MAX_PACING_OFFLOAD_HORIZON, "IFLA_MAX_PACING_OFFLOAD_HORIZON", NLA_UINT)
  .a(C.IFLA_NETNS_IMMUTABLE, "IFLA_NETNS_IMMUTABLE", NLA_U8)
  .a(C.IFLA_HEADROOM, "IFLA_HEADROOM", NLA_U16)
  .a(C.IFLA_TAILROOM, "IFLA_TAILROOM", NLA_U16);

export const ADDR_ATTRS = new NlAttrSet("ifa")
  .a(C.IFA_ADDRESS, "IFA_ADDRESS", NLA_IN_ADDR)
  .a(C.IFA_LOCAL, "IFA_LOCAL", NLA_IN_ADDR)
  .sized(C.IFA_LABEL, "IFA_LABEL", NLA_STRING, IFNAMSIZ)
  .a(C.IFA_BROADCAST, "IFA_BROADCAST", NLA_IN_ADDR)
  .a(C.IFA_ANYCAST, "IFA_ANYCAST", NLA_IN_ADDR)
  .sized(C.IFA_CACHEINFO, "IFA_CACHEINFO", NLA_STRUCT, IFA_CACHEINFO_LEN)
  .a(C.IFA_MULTICAST, "IFA_MULTICAST", NLA_IN_ADDR)
  .a(C.IFA_FLAGS, "IFA_FLAGS", NLA_U32)
  .a(C.IFA_RT_PRIORITY, "IFA_RT_PRIORITY", NLA_U32)
  .a(C.IFA_TARGET_NETNSID, "IFA_TARGET_NETNSID", NLA_S32)
  .a(C.IFA_PROTO, "IFA_PROTO", NLA_U8);

export const NEIGH_ATTRS = new NlAttrSet("nda")
  // Linux declares NDA_DST as up to MAX_ADDR_LEN bytes and checks the length itself (EINVAL, no offset).
  .sized(C.NDA_DST, "NDA_DST", NLA_IN_ADDR, 32)
  .sized(C.NDA_LLADDR, "NDA_LLADDR", NLA_BINARY, 32)
  .sized(C.NDA_CACHEINFO, "NDA_CACHEINFO", NLA_STRUCT, NDA_CACHEINFO_LEN)
  .a(C.NDA_PROBES, "NDA_PROBES", NLA_U32)
  .a(C.NDA_VLAN, "NDA_VLAN", NLA_U16)
  .a(C.NDA_PORT, "NDA_PORT", NLA_U16)
  .a(C.NDA_VNI, "NDA_VNI", NLA_U32)
  .a(C.NDA_IFINDEX, "NDA_IFINDEX", NLA_U32)
  .a(C.NDA_MASTER, "NDA_MASTER", NLA_U32)
  .a(C.NDA_LINK_NETNSID, "NDA_LINK_NETNSID", NLA_S32)
  .a(C.NDA_SRC_VNI, "NDA_SRC_VNI", NLA_U32)
  .a(C.NDA_PROTOCOL, "NDA_PROTOCOL", NLA_U8)
  .a(C.NDA_NH_ID, "NDA_NH_ID", NLA_U32)
  .a(C.NDA_FLAGS_EXT, "NDA_FLAGS_EXT", NLA_U32);

/** RTA_METRICS' members the device sends (a Router Advertisement's MTU and hop limit). */
const METRICS_ATTRS = new NlAttrSet("rtax")
  .a(C.RTAX_MTU, "RTAX_MTU", NLA_U32)
  .a(C.RTAX_HOPLIMIT, "RTAX_HOPLIMIT", NLA_U32);

export const ROUTE_ATTRS = new NlAttrSet("rta")
  .a(C.RTA_DST, "RTA_DST", NLA_IN_ADDR)
  .a(C.RTA_SRC, "RTA_SRC", NLA_IN_ADDR)
  .a(C.RTA_IIF, "RTA_IIF", NLA_U32)
  .a(C.RTA_OIF, "RTA_OIF", NLA_U32)
  .a(C.RTA_GATEWAY, "RTA_GATEWAY", NLA_IN_ADDR)
  .a(C.RTA_PRIORITY, "RTA_PRIORITY", NLA_U32)
  .a(C.RTA_PREFSRC, "RTA_PREFSRC", NLA_IN_ADDR)
  .nest(C.RTA_METRICS, "RTA_METRICS", METRICS_ATTRS)
  .a(C.RTA_MULTIPATH, "RTA_MULTIPATH", NLA_BINARY)
  .a(C.RTA_FLOW, "RTA_FLOW", NLA_U32)
  .a(C.RTA_CACHEINFO, "RTA_CACHEINFO", NLA_BINARY)
  .a(C.RTA_TABLE, "RTA_TABLE", NLA_U32)
  .a(C.RTA_MARK, "RTA_MARK", NLA_U32)
  .a(C.RTA_PREF, "RTA_PREF", NLA_U8)
  .a(C.RTA_UID, "RTA_UID", NLA_U32);

export const ERR_ATTRS = new NlAttrSet("nlmsgerr_attr")
  .a(C.NLMSGERR_ATTR_MSG, "NLMSGERR_ATTR_MSG", NLA_STRING)
  .a(C.NLMSGERR_ATTR_OFFS, "NLMSGERR_ATTR_OFFS", NLA_U32)
  .a(C.NLMSGERR_ATTR_COOKIE, "NLMSGERR_ATTR_COOKIE", NLA_BINARY)
  .nest(C.NLMSGERR_ATTR_POLICY, "NLMSGERR_ATTR_POLICY", undefined)
  .a(C.NLMSGERR_ATTR_MISS_TYPE, "NLMSGERR_ATTR_MISS_TYPE", NLA_U32)
  .a(C.NLMSGERR_ATTR_MISS_NEST, "NLMSGERR_ATTR_MISS_NEST", NLA_U32);

export const IFI_FAMILY = new NlField("family", 0, NLA_U8);
export const IFI_TYPE = new NlField("type", 2, NLA_U16);
export const IFI_INDEX = new NlField("index", 4, NLA_S32);
export const IFI_FLAGS = new NlField("flags", 8, NLA_U32);
export const IFI_CHANGE = new NlField("change", 12, NLA_U32);
export const IFINFOMSG = new NlSchema("link", 16, [IFI_FAMILY, IFI_TYPE, IFI_INDEX, IFI_FLAGS, IFI_CHANGE], LINK_ATTRS);

export const IFA_FAMILY_F = new NlField("family", 0, NLA_U8);
export const IFA_PREFIXLEN = new NlField("prefixlen", 1, NLA_U8);
export const IFA_FLAGS_F = new NlField("flags", 2, NLA_U8);
export const IFA_SCOPE = new NlField("scope", 3, NLA_U8);
export const IFA_INDEX = new NlField("index", 4, NLA_U32);
export const IFADDRMSG = new NlSchema(
  "address",
  8,
  [IFA_FAMILY_F, IFA_PREFIXLEN, IFA_FLAGS_F, IFA_SCOPE, IFA_INDEX],
  ADDR_ATTRS,
);

export const NDM_FAMILY = new NlField("family", 0, NLA_U8);
export const NDM_IFINDEX = new NlField("ifindex", 4, NLA_S32);
export const NDM_STATE = new NlField("state", 8, NLA_U16);
export const NDM_FLAGS = new NlField("flags", 10, NLA_U8);
export const NDM_TYPE = new NlField("type", 11, NLA_U8);
export const NDMSG = new NlSchema(
  "neighbour",
  12,
  [NDM_FAMILY, NDM_IFINDEX, NDM_STATE, NDM_FLAGS, NDM_TYPE],
  NEIGH_ATTRS,
);

export const RTM_FAMILY = new NlField("family", 0, NLA_U8);
export const RTM_DST_LEN = new NlField("dst_len", 1, NLA_U8);
export const RTM_SRC_LEN = new NlField("src_len", 2, NLA_U8);
export const RTM_TOS = new NlField("tos", 3, NLA_U8);
export const RTM_TABLE = new NlField("table", 4, NLA_U8);
export const RTM_PROTOCOL = new NlField("protocol", 5, NLA_U8);
export const RTM_SCOPE = new NlField("scope", 6, NLA_U8);
export const RTM_TYPE = new NlField("type", 7, NLA_U8);
export const RTM_FLAGS = new NlField("flags", 8, NLA_U32);
export const RTMSG = new NlSchema(
  "route",
  12,
  [RTM_FAMILY, RTM_DST_LEN, RTM_SRC_LEN, RTM_TOS, RTM_TABLE, RTM_PROTOCOL, RTM_SCOPE, RTM_TYPE, RTM_FLAGS],
  ROUTE_ATTRS,
);
/** NLMSG_ERROR: errno, then the request's header (or all of it); TLVs follow (codec's errorTlvOffset). */
export const NLMSGERR_ERROR = new NlField("error", 0, NLA_S32);
export const NLMSGERR = new NlSchema("error", 20, [NLMSGERR_ERROR], ERR_ATTRS);
export const DONE_STATUS = new NlField("status", 0, NLA_S32);
export const NLMSG_DONE_SCHEMA = new NlSchema("done", 4, [DONE_STATUS], undefined);

/** The schema of a message type, or undefined for a type we do not speak. */
export function schemaFor(type: number): NlSchema | undefined {
  if (type >= C.RTM_NEWLINK && type <= C.RTM_SETLINK) return IFINFOMSG;
  if (type >= C.RTM_NEWADDR && type <= C.RTM_GETADDR) return IFADDRMSG;
  if (type >= C.RTM_NEWROUTE && type <= C.RTM_GETROUTE) return RTMSG;
  if (type >= C.RTM_NEWNEIGH && type <= C.RTM_GETNEIGH) return NDMSG;
  if (type === C.NLMSG_ERROR) return NLMSGERR;
  if (type === C.NLMSG_DONE) return NLMSG_DONE_SCHEMA;
  if (type === NETRT_GENL_TYPE) return GENLMSGHDR;
  return undefined;
}

/** RTM_GETLINK → "RTM_GETLINK"; control and unknown types by number. */
export function typeName(type: number): string {
  const names = [
    "NEWLINK",
    "DELLINK",
    "GETLINK",
    "SETLINK",
    "NEWADDR",
    "DELADDR",
    "GETADDR",
    "",
    "NEWROUTE",
    "DELROUTE",
    "GETROUTE",
    "",
    "NEWNEIGH",
    "DELNEIGH",
    "GETNEIGH",
  ];
  if (type === C.NLMSG_ERROR) return "NLMSG_ERROR";
  if (type === C.NLMSG_DONE) return "NLMSG_DONE";
  if (type === C.NLMSG_NOOP) return "NLMSG_NOOP";
  if (type === NETRT_GENL_TYPE) return "NETRT";
  const i = type - C.RTM_NEWLINK;
  return i >= 0 && i < names.length && names[i] !== "" ? "RTM_" + names[i] : "type" + type;
}

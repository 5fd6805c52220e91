// Netlink's C structs as they lie in a message (uapi netlink.h, if_addr.h,
// neighbour.h, if_link.h): where each field is.

// struct nlmsghdr
export const NLMSG_LEN_OFF = 0;
export const NLMSG_TYPE_OFF = 4;
export const NLMSG_FLAGS_OFF = 6;
export const NLMSG_SEQ_OFF = 8;
export const NLMSG_PID_OFF = 12;

// struct nlattr
export const NLA_LEN_OFF = 0;
export const NLA_TYPE_OFF = 2;

// struct nlmsgerr: the errno, then the request's nlmsghdr (and, uncapped, the rest of it).
export const NLMSGERR_ERROR_OFF = 0;
export const NLMSGERR_MSG_OFF = 4;

// struct ifa_cacheinfo
export const IFA_CI_PREFERED = 0;
export const IFA_CI_VALID = 4;
export const IFA_CI_CSTAMP = 8;
export const IFA_CI_TSTAMP = 12;

// struct nda_cacheinfo
export const NDA_CI_CONFIRMED = 0;
export const NDA_CI_USED = 4;
export const NDA_CI_UPDATED = 8;
export const NDA_CI_REFCNT = 12;

// struct rtnl_link_stats64: u64 counters; rx_nohandler is the 24th (rx_otherhost_dropped follows it).
export const STATS64_U64 = 8;
export const STATS64_RX_NOHANDLER = 23 * STATS64_U64;

/** struct rta_cacheinfo: 8 u32s; rta_expires (clock ticks) is the third. */
export const RTA_CACHEINFO_LEN = 32;
export const RTA_CI_EXPIRES = 8;

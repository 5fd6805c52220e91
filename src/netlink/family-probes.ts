// The probes' attributes (netrt ping, arping), declared into our family's
// attribute set when this module loads: only builds with the probes (and the
// host CLI, which decodes their answers) import it, so the budgeted boards
// carry none of these declarations.
import { GENL_ATTRS, NETRT_A_LLADDR, NETRT_A_RTT, NETRT_A_SIZE, NETRT_A_TIMEOUT, NETRT_A_TTL } from "./family";
import { NLA_BINARY, NLA_U32, NLA_U8 } from "./policy";

if (GENL_ATTRS.find(NETRT_A_TIMEOUT) < 0)
  GENL_ATTRS.a(NETRT_A_TIMEOUT, "NETRT_A_TIMEOUT", NLA_U32)
    .a(NETRT_A_SIZE, "NETRT_A_SIZE", NLA_U32)
    .a(NETRT_A_RTT, "NETRT_A_RTT", NLA_U32)
    .a(NETRT_A_TTL, "NETRT_A_TTL", NLA_U8)
    .sized(NETRT_A_LLADDR, "NETRT_A_LLADDR", NLA_BINARY, 6);

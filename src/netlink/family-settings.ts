// The settings commands' attributes, declared into our family's set when
// this module loads: only builds with the settings feature (and the host
// CLI) import it.
import { SETTINGS_MAX } from "../config/settings";
import { GENL_ATTRS, NETRT_A_CONFIG, NETRT_A_CONFIG_STATUS } from "./family";
import { NLA_BINARY, NLA_U8 } from "./policy";

if (GENL_ATTRS.find(NETRT_A_CONFIG) < 0)
  GENL_ATTRS.sized(NETRT_A_CONFIG, "NETRT_A_CONFIG", NLA_BINARY, SETTINGS_MAX).a(
    NETRT_A_CONFIG_STATUS,
    "NETRT_A_CONFIG_STATUS",
    NLA_U8,
  );

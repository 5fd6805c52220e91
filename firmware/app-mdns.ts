// The mDNS responder (a board feature, "services": { "mdns": true }):
// <hostname>.local on eth0, the hostname's first label (the DHCP one).
import { LOG_WARN } from "../hal/types";
import { MdnsResponder } from "../src/apps/mdns";
import { hostKey } from "../src/apps/dns";
import { boardHostname, type Device } from "./device";
import { addStop } from "./services";

export function addMdns(dev: Device, onName: ((name: string) => void) | undefined): void {
  const eth = dev.eth;
  if (eth === undefined) return;
  const host =
    dev.dhcp !== undefined ? dev.dhcp.cfg.hostname : boardHostname(dev.board.name, dev.board.hostname, eth.hwaddr);
  let label = "";
  for (let i = 0; i < host.length && host.charCodeAt(i) !== 46; i++) label += host.charAt(i);
  const key = hostKey(label);
  if (key === undefined || label.length > 63) {
    dev.platform.log.write(LOG_WARN, "mdns: '" + host + "' cannot be a name in .local");
    return;
  }
  const r = new MdnsResponder(dev.stack, eth, key, onName);
  const err = r.start();
  if (err < 0) dev.platform.log.write(LOG_WARN, "mdns: cannot listen on 5353: errno " + -err);
  dev.mdnsName = () => (r.ready() ? r.name : "");
  addStop(dev, () => r.stop());
}

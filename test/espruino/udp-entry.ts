// EspruinoUdpMac on the interpreter: every frame it reads is written back,
// so the test sees whether a full-size frame arrives whole.
import { alloc, len } from "@hal/bytes";
import { EspruinoUdpMac } from "../../hal/espruino/host";

declare const console: { log(msg: string): void };
/** Prepended by the test: [this end's port, the test's port]. */
declare const PORTS: number[];

const mac: EspruinoUdpMac = new EspruinoUdpMac(
  {
    onReadable: () => {
      let f = mac.read();
      while (f !== undefined) {
        console.log("FRAME " + len(f));
        mac.write(f);
        f = mac.read();
      }
    },
    onLinkChange: (up: boolean) => console.log("LINK " + (up ? "up" : "down")),
  },
  alloc(6),
  9000,
  PORTS[0],
  PORTS[1],
);

// Simulated Wi-Fi on the virtual clock: access points (SSID, BSSID, channel,
// signal, passphrase) each bridging onto a SimSegment, and stations that
// scan, associate with the strongest access point of their network, lose the
// association when it goes (or fades), and re-associate by themselves,
// roaming to another access point of the same network when there is one.
// Portable code (no Map), like the rest of the sim binding.
import { len } from "@hal/bytes";
import { MacBase } from "../mac-base";
import type { Bytes, Clock, MacOptions, WifiMac, WifiNetwork } from "../types";
import type { SimMac, SimSegment } from "./link";

const SCAN_MS = 120;
const ASSOCIATE_MS = 40;
/** A station retries association this often while its network is out of reach. */
const RETRY_MS = 500;

export class SimAccessPoint {
  up = true;
  constructor(
    readonly ssid: string,
    readonly bssid: Bytes,
    readonly channel: number,
    public rssi: number,
    readonly passphrase: string,
    /** The wired side: its LAN. */
    readonly lan: SimSegment,
  ) {}
}

export class SimAir {
  readonly aps: SimAccessPoint[] = [];
  private stations: SimWifiMac[] = [];

  constructor(readonly clock: Clock) {}

  addAccessPoint(
    ssid: string,
    bssid: Bytes,
    channel: number,
    rssi: number,
    passphrase: string,
    lan: SimSegment,
  ): SimAccessPoint {
    const ap = new SimAccessPoint(ssid, bssid, channel, rssi, passphrase, lan);
    this.aps.push(ap);
    return ap;
  }

  station(hwaddr: Bytes, o: MacOptions, mtu: number): SimWifiMac {
    const s = new SimWifiMac(this, hwaddr, o, mtu);
    this.stations.push(s);
    return s;
  }

  /** An access point switched off or back on; its stations notice at once. */
  setUp(ap: SimAccessPoint, up: boolean): void {
    ap.up = up;
    if (!up) for (let i = 0; i < this.stations.length; i++) this.stations[i].lost(ap);
  }

  /** The strongest access point of `ssid` that is on, or undefined. */
  best(ssid: string): SimAccessPoint | undefined {
    let best: SimAccessPoint | undefined = undefined;
    for (let i = 0; i < this.aps.length; i++) {
      const ap = this.aps[i];
      if (ap.up && ap.ssid === ssid && (best === undefined || ap.rssi > best.rssi)) best = ap;
    }
    return best;
  }
}

export class SimWifiMac extends MacBase implements WifiMac {
  private ap: SimAccessPoint | undefined = undefined;
  /** Our port on the access point's LAN while associated. */
  private port: SimMac | undefined = undefined;
  private ssid = "";
  private passphrase = "";
  private wanted = false;
  private open = true;
  private pendingTimer = -1;
  /** Associations made (the first and every roam or reconnect). */
  associations = 0;

  constructor(
    private readonly air: SimAir,
    readonly hwaddr: Bytes,
    o: MacOptions,
    mtu: number,
  ) {
    super(o, 68, 1500, mtu, 16);
  }

  /** The radio is on while the MAC is open. */
  carrier(): boolean {
    return this.open;
  }

  dormant(): boolean {
    return this.ap === undefined;
  }

  rssi(): number {
    return this.ap !== undefined ? this.ap.rssi : 0;
  }

  bssid(): Bytes | undefined {
    return this.ap !== undefined ? this.ap.bssid : undefined;
  }

  scan(done: (networks: WifiNetwork[]) => void): void {
    this.air.clock.set(() => {
      const out: WifiNetwork[] = [];
      for (let i = 0; i < this.air.aps.length; i++) {
        const ap = this.air.aps[i];
        if (ap.up)
          out.push({
            ssid: ap.ssid,
            bssid: ap.bssid,
            channel: ap.channel,
            rssi: ap.rssi,
            secure: ap.passphrase !== "",
          });
      }
      out.sort((a, b) => b.rssi - a.rssi);
      done(out);
    }, SCAN_MS);
  }

  connect(ssid: string, passphrase: string): void {
    this.ssid = ssid;
    this.passphrase = passphrase;
    this.wanted = true;
    if (this.ap !== undefined) this.leave();
    this.schedule(ASSOCIATE_MS);
  }

  disconnect(): void {
    this.wanted = false;
    if (this.pendingTimer >= 0) this.air.clock.clear(this.pendingTimer);
    this.pendingTimer = -1;
    if (this.ap !== undefined) this.leave();
  }

  /** The access point went away: dormant, then look for another of the same network. */
  lost(ap: SimAccessPoint): void {
    if (this.ap !== ap) return;
    this.leave();
    if (this.wanted) this.schedule(ASSOCIATE_MS);
  }

  write(frame: Bytes): boolean {
    if (this.port === undefined || !this.fits(len(frame), 0)) {
      this.counters.txDropped++;
      return false;
    }
    this.sent(len(frame));
    return this.port.write(frame);
  }

  close(): void {
    this.disconnect();
    this.open = false;
  }

  private schedule(ms: number): void {
    if (this.pendingTimer >= 0) this.air.clock.clear(this.pendingTimer);
    this.pendingTimer = this.air.clock.set(() => {
      this.pendingTimer = -1;
      this.associate();
    }, ms);
  }

  private associate(): void {
    if (!this.wanted || !this.open || this.ap !== undefined) return;
    const ap = this.air.best(this.ssid);
    if (ap === undefined) {
      this.schedule(RETRY_MS);
      return;
    }
    if (ap.passphrase !== this.passphrase) {
      // A refused key is not retried: it will not get better.
      this.wanted = false;
      if (this.o.onError !== undefined) this.o.onError("wifi: " + this.ssid + " refused the passphrase");
      return;
    }
    this.ap = ap;
    this.associations++;
    this.port = ap.lan.attach(
      this.hwaddr,
      { onReadable: () => this.pull(), onLinkChange: () => undefined },
      this.mtu(),
    );
    if (this.o.onDormantChange !== undefined) this.o.onDormantChange(false);
  }

  private leave(): void {
    const port = this.port;
    this.ap = undefined;
    this.port = undefined;
    if (port !== undefined) port.close();
    if (this.o.onDormantChange !== undefined) this.o.onDormantChange(true);
  }

  /** Frames from the LAN, through the access point, to us. */
  private pull(): void {
    const port = this.port;
    if (port === undefined) return;
    for (let f = port.read(); f !== undefined; f = port.read()) this.enqueue(f);
  }
}

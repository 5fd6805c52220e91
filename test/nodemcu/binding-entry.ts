// Runs pieces of the NodeMCU binding on a real Lua against the calling
// conventions of NodeMCU's modules, recorded as they are documented:
// rtctime.get() answers seconds, microseconds and rate as three results;
// uart0 is the console (setup with an echo flag, on() without an id), and
// NodeMCU-ESP32's other UARTs take their pins in setup, are started, and
// are read with the id first. Each call made is printed for the test.
/// <reference path="../../hal/lua/lua-api.ts" />
import { alloc, set8 } from "@hal/bytes";
import {
  integerFirmwareProblem,
  NodeMcuClock,
  nodeMcuEpoch,
  nodeMcuIdentity,
  NodeMcuSerial,
} from "../../hal/lua/platform";

type RtcGet = (this: void) => LuaMultiReturn<[number, number, number]>;
type DataCb = (this: void, d: string) => void;
interface UartLike {
  setup(
    this: void,
    id: number,
    baud: number,
    bits: number,
    parity: number,
    stop: number,
    x: number | { tx: number; rx: number },
  ): number;
  on(this: void, a: unknown, b: unknown, c: unknown, d: unknown, e?: unknown): void;
  write(this: void, id: number, s: string): void;
  start?: (this: void, id: number) => boolean;
  stop?: (this: void, id: number) => void;
  PARITY_NONE: number;
  STOPBITS_1: number;
}
const g = _G as unknown as {
  rtctime: { get: RtcGet } | undefined;
  uart: UartLike;
  print(this: void, s: string): void;
  tostring(this: void, v: unknown): string;
};

g.rtctime = undefined;
g.print("epoch absent " + nodeMcuEpoch());
g.rtctime = { get: () => $multi(0, 0, 0) };
g.print("epoch unset " + nodeMcuEpoch());
g.rtctime = { get: () => $multi(1764000000, 250000, 0) };
g.print("epoch set " + nodeMcuEpoch());

// This interpreter's own arithmetic (floats), then what an integer build gives.
g.print("numbers here " + g.tostring(integerFirmwareProblem(7 / 2, 4294967296 + 1)));
g.print("numbers integer build " + g.tostring(integerFirmwareProblem(3, 1)));

let cb: DataCb | undefined = undefined;
const show = (v: unknown): string =>
  typeof v === "function"
    ? "fn"
    : typeof v === "object" && v !== null
      ? "{tx=" + (v as { tx: number }).tx + ",rx=" + (v as { rx: number }).rx + "}"
      : g.tostring(v);
function recordingUart(esp32: boolean): UartLike {
  const u: UartLike = {
    setup: (id, baud, bits, parity, stop, x) => {
      g.print("setup " + id + " " + baud + " " + bits + " " + parity + " " + stop + " " + show(x));
      return baud;
    },
    on: (a, b, c, d, e) => {
      g.print("on " + show(a) + " " + show(b) + " " + show(c) + " " + show(d) + (e !== undefined ? " " + show(e) : ""));
      if (typeof c === "function") cb = c as DataCb;
      if (typeof d === "function") cb = d as DataCb;
    },
    write: (id, s) => g.print("write " + id + " " + s),
    PARITY_NONE: 7,
    STOPBITS_1: 9,
  };
  if (esp32) {
    u.start = (id) => {
      g.print("start " + id);
      return true;
    };
    u.stop = (id) => g.print("stop " + id);
  }
  return u;
}

function exercise(port: string, esp32: boolean, pins: { tx: string | number; rx: string | number }): void {
  g.print("-- " + port + (esp32 ? " esp32" : " esp8266"));
  g.uart = recordingUart(esp32);
  cb = undefined;
  const s = new NodeMcuSerial(
    {
      port: port,
      baud: 115200,
      onReadable: (n: number) => g.print("readable " + n),
      onError: (m: string) => g.print("error " + m),
    },
    pins,
  );
  if (cb === undefined) return;
  (cb as DataCb)("hi");
  const b = s.read();
  g.print("read " + (b === undefined ? "nothing" : "bytes"));
  const out = alloc(2);
  set8(out, 0, 0x6f);
  set8(out, 1, 0x6b);
  s.write(out);
  s.close();
}

exercise("uart0", false, { tx: "", rx: "" });
exercise("uart2", true, { tx: 17, rx: 16 });
exercise("uart2", false, { tx: 17, rx: 16 });

// tmr as NodeMCU has it: alarm() raises an error above 6,870,947 ms. Time
// moves only when this script says; each single alarm is printed as armed,
// and an ALARM_AUTO one (the clock's wrap poll) fires every interval.
interface FakeAlarm {
  at: number;
  cb: (this: void, t: unknown) => void;
  live: boolean;
  /** ALARM_AUTO's interval (it fires again after each run); 0 for a single alarm. */
  every: number;
}
let fakeNow = 0;
const alarms: FakeAlarm[] = [];
const gt = _G as unknown as { tmr: unknown; error(this: void, m: string): void };
gt.tmr = {
  ALARM_SINGLE: 0,
  ALARM_AUTO: 1,
  now: () => (fakeNow * 1000) % 2147483648,
  create: () => {
    const a: FakeAlarm = { at: -1, cb: () => undefined, live: false, every: 0 };
    return {
      alarm: (_self: unknown, ms: number, mode: number, cb: (this: void, t: unknown) => void) => {
        if (ms > 6870947) gt.error("invalid interval");
        if (mode === 0) g.print("alarm " + ms);
        a.at = fakeNow + ms;
        a.cb = cb;
        a.live = true;
        a.every = mode === 0 ? 0 : ms;
        alarms.push(a);
        return true;
      },
      unregister: () => {
        a.live = false;
      },
    };
  },
};
function advanceTo(t: number): void {
  for (;;) {
    let next: FakeAlarm | undefined = undefined;
    for (const a of alarms) if (a.live && a.at <= t && (next === undefined || a.at < next.at)) next = a;
    if (next === undefined) break;
    fakeNow = next.at;
    if (next.every > 0) next.at += next.every;
    else next.live = false;
    next.cb(undefined);
  }
  fakeNow = t;
}
g.print("-- tmr");
const clock = new NodeMcuClock();
clock.onFault = (m: string) => g.print("fault " + (m.indexOf("boom") >= 0 ? "boom" : m));
let fired = -1;
// A day's lease: 86,400,000 ms, above tmr's ceiling.
clock.set(() => {
  fired = fakeNow;
}, 86400000);
const cancelled = clock.set(() => g.print("cancelled timer fired"), 7000000);
clock.clear(cancelled);
clock.set(() => gt.error("boom"), 5);
advanceTo(86399999);
g.print("fired before " + fired);
advanceTo(86400000);
g.print("fired at " + fired + " faults " + clock.faults + " pending " + clock.pending());

// The unit's identity, which its MAC is derived from: the ESP8266's chip id, else the factory MAC.
g.print("-- identity");
const gi = _G as unknown as { node: { chipid?: () => number }; wifi: unknown };
gi.node = { chipid: () => 10723963 };
gi.wifi = undefined;
g.print("identity " + nodeMcuIdentity());
gi.node = {};
gi.wifi = { sta: { getmac: () => "24:0a:c4:12:34:56" } };
g.print("identity " + nodeMcuIdentity());
gi.wifi = undefined;
g.print("identity [" + nodeMcuIdentity() + "]");

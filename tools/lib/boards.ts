// Board files: read, validate (every error names the file and the field),
// and turned into the BoardConfig the firmware is built with.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BoardConfig, SpiPins } from "../../firmware/board";
import { ROOT } from "./paths";
import { RUNTIMES, type Runtime } from "./targets";

/** What the firmware reports as its version (package.json's "version"). */
export const PACKAGE_VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** MAC drivers this build has, and the runtimes each runs on. */
export const DRIVERS: Record<string, Runtime[]> = {
  udp: ["node", "lua51", "lua53", "espruino"],
  w5500: ["espruino", "lua51", "lua53"],
  enc28j60: ["espruino", "lua51", "lua53"],
};
/** Drivers that talk SPI: their boards must name the bus and pins. */
export const SPI_DRIVERS = ["w5500", "enc28j60"];
/** Drivers boards may name that are not written yet. */
export const PENDING_DRIVERS: Record<string, string> = {};

export interface Board {
  file: string;
  runtime: Runtime;
  config: BoardConfig;
  /** Why the MAC driver is missing from this build, if it is. */
  driverNote?: string;
  /**
   * The most memory the board may use after boot, a lease and 32 ARP entries
   * (`"memory": { "budget": N }`): Espruino variables (on a 32-bit
   * interpreter, code in Storage), or for Lua the heap in bytes on 32-bit
   * Lua besides the code itself and the bare interpreter's own. The memory
   * budget test holds each board to it.
   */
  memoryBudget?: number;
  /**
   * Espruino (`"memory": { "parameters": "arguments" }`): functions read their
   * parameters from `arguments`, a variable less per parameter for as long as
   * the code is loaded, for calls that take about twice as long.
   */
  parametersFromArguments?: boolean;
}

export class BoardError extends Error {}

type Json = Record<string, unknown>;

function field<T>(
  file: string,
  obj: Json,
  key: string,
  type: "string" | "number" | "boolean" | "object",
  where = "",
): T {
  const v = obj[key];
  const name = where + key;
  if (v === undefined) throw new BoardError(`${file}: missing "${name}"`);
  if (type === "object" ? typeof v !== "object" || v === null || Array.isArray(v) : typeof v !== type) {
    throw new BoardError(`${file}: "${name}" must be a ${type}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/**
 * NodeMCU's UARTs: uart0 is the console on both chips; the ESP8266 (Lua 5.1
 * builds) receives on no other, and the ESP32's uart1/uart2 need their GPIOs.
 */
function checkNodeMcuUart(file: string, runtime: string, c: BoardConfig["control"]): void {
  if (!["none", "uart0", "uart1", "uart2"].includes(c.uart))
    throw new BoardError(
      `${file}: "control.uart" must be uart0, uart1, uart2 or none on NodeMCU, got ${JSON.stringify(c.uart)}`,
    );
  if (runtime === "lua51" && (c.uart === "uart1" || c.uart === "uart2"))
    throw new BoardError(
      `${file}: "control.uart" ${c.uart}: an ESP8266 receives on uart0 only (its uart1 is transmit-only)`,
    );
  if ((c.uart === "uart1" || c.uart === "uart2") && (typeof c.pins.tx !== "number" || typeof c.pins.rx !== "number"))
    throw new BoardError(`${file}: "control.pins" must give ${c.uart}'s tx and rx as GPIO numbers`);
}

/** Every field a board file may have, by where it sits: a misspelt one is an error, not silently ignored. */
const KNOWN_FIELDS: Record<string, string[]> = {
  "": [
    "name",
    "description",
    "runtime",
    "mac",
    "control",
    "lltable",
    "dhcp",
    "ipv4",
    "hostname",
    "logLevel",
    "memory",
    "services",
    "program",
    "ipv6",
  ],
  "services.": ["sockets", "tcp", "dns", "sntp", "mdns", "networkjs"],
  "services.tcp.": ["connections", "buffer", "chip"],
  "ipv6.": ["identifiers"],
  "services.dns.": ["servers"],
  "services.sntp.": ["servers"],
  "memory.": ["budget", "parameters"],
  "mac.": ["driver", "hwaddr", "mtu", "bus", "pins", "spiBaud"],
  "mac.pins.": ["sck", "miso", "mosi", "cs", "reset", "int"],
  "control.": ["uart", "baud", "maxFrame", "pins", "probes", "settings"],
  "control.pins.": ["tx", "rx"],
  "lltable.": ["capacity"],
  "dhcp.": ["enabled", "profile", "probe", "rapidCommit", "vendorClass"],
  "ipv4.": ["address", "gateway"],
};

function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** The known name nearest to `name` (for "did you mean"). */
export function nearest(name: string, known: string[]): string {
  let best = known[0];
  for (const k of known) if (editDistance(name, k) < editDistance(name, best)) best = k;
  return best;
}

function checkFields(file: string, obj: unknown, where: string): void {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return;
  const known = KNOWN_FIELDS[where];
  for (const [k, v] of Object.entries(obj as Json)) {
    if (!known.includes(k))
      throw new BoardError(`${file}: unknown field "${where}${k}" (did you mean "${where}${nearest(k, known)}"?)`);
    if (KNOWN_FIELDS[`${where}${k}.`] !== undefined) checkFields(file, v, `${where}${k}.`);
  }
}

/** A unicast MAC address written like 02:00:00:00:00:01, or a BoardError naming `what`. */
export function checkUnicastMac(file: string, what: string, v: string): void {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v))
    throw new BoardError(`${file}: "${what}" must look like 02:00:00:00:00:01`);
  if (parseInt(v.slice(0, 2), 16) % 2 === 1)
    throw new BoardError(`${file}: "${what}" ${v} is a group (multicast) address; a station needs a unicast one`);
}

/**
 * "services": what the device's program may use, each a feature left out of
 * builds that do not enable it: "sockets" (how many UDP sockets at once),
 * "tcp" (true, or { "connections": N, "buffer": bytes per direction }),
 * "dns" and "sntp" (true, or { "servers": [...] }: used when the lease names
 * none; SNTP's may be names), "mdns" (true), "networkjs" (true: Espruino's
 * own net, http and dgram over netrt's TCP, UDP sockets and DNS).
 */
const TCP_DEFAULT_CONNECTIONS = 4;
const TCP_DEFAULT_BUFFER = 2920;

/** A board's services when it names none: every one off. */
export function noServices(): NonNullable<BoardConfig["services"]> {
  return {
    sockets: 0,
    tcp: 0,
    tcpBuffer: 0,
    tcpChip: false,
    dns: false,
    dnsServers: [],
    sntp: false,
    sntpServers: [],
    mdns: false,
    networkjs: false,
  };
}

function parseServices(file: string, v: unknown): NonNullable<BoardConfig["services"]> {
  const out = noServices();
  if (v === undefined) return out;
  const s = field<Json>(file, { services: v }, "services", "object");
  if (s.sockets !== undefined) {
    out.sockets = field<number>(file, s, "sockets", "number", "services.");
    if (!Number.isInteger(out.sockets) || out.sockets < 0 || out.sockets > 16)
      throw new BoardError(`${file}: "services.sockets" must be an integer within 0..16`);
  }
  if (s.tcp !== undefined && s.tcp !== false) {
    out.tcp = TCP_DEFAULT_CONNECTIONS;
    out.tcpBuffer = TCP_DEFAULT_BUFFER;
    if (s.tcp !== true) {
      const t = field<Json>(file, s, "tcp", "object", "services.");
      if (t.connections !== undefined) out.tcp = field<number>(file, t, "connections", "number", "services.tcp.");
      if (t.buffer !== undefined) out.tcpBuffer = field<number>(file, t, "buffer", "number", "services.tcp.");
      if (t.chip !== undefined) out.tcpChip = field<boolean>(file, t, "chip", "boolean", "services.tcp.");
      if (out.tcpChip) {
        // The chip's sockets 1..7, with the chip's 2 KB buffers each way.
        if (t.buffer !== undefined)
          throw new BoardError(`${file}: "services.tcp.buffer" is the chip's with "chip": 2 KB per socket`);
        out.tcpBuffer = 2048;
        if (t.connections === undefined) out.tcp = TCP_DEFAULT_CONNECTIONS;
        if (!Number.isInteger(out.tcp) || out.tcp < 1 || out.tcp > 7)
          throw new BoardError(`${file}: "services.tcp.connections" must be within 1..7 with "chip" (sockets 1..7)`);
      }
    }
    if (!Number.isInteger(out.tcp) || out.tcp < 1 || out.tcp > 16)
      throw new BoardError(`${file}: "services.tcp.connections" must be an integer within 1..16`);
    // The window field is 16 bits (no window scaling); below two segments of 536, TCP crawls.
    if (!Number.isInteger(out.tcpBuffer) || out.tcpBuffer < 1072 || out.tcpBuffer > 65535)
      throw new BoardError(`${file}: "services.tcp.buffer" must be an integer within 1072..65535`);
  }
  const servers = (key: "dns" | "sntp", names: boolean): [boolean, string[]] => {
    const x = s[key];
    if (x === undefined || x === false) return [false, []];
    if (x === true) return [true, []];
    const o = field<Json>(file, s, key, "object", "services.");
    const list = o.servers === undefined ? [] : o.servers;
    if (!Array.isArray(list) || list.some((e) => typeof e !== "string"))
      throw new BoardError(`${file}: "services.${key}.servers" must be a list of strings`);
    for (const e of list as string[]) {
      const ok = /^(\d{1,3}\.){3}\d{1,3}$/.test(e) || (names && /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9])?$/i.test(e));
      if (!ok)
        throw new BoardError(
          `${file}: "services.${key}.servers": ${JSON.stringify(e)} is not an IPv4 address${names ? " or a host name" : ""}`,
        );
    }
    return [true, list as string[]];
  };
  [out.dns, out.dnsServers] = servers("dns", false);
  [out.sntp, out.sntpServers] = servers("sntp", true);
  if (s.mdns !== undefined) out.mdns = field<boolean>(file, s, "mdns", "boolean", "services.");
  if (s.networkjs !== undefined) out.networkjs = field<boolean>(file, s, "networkjs", "boolean", "services.");
  // NetworkJS's sockets are netrt's: without TCP, Espruino's net and http would have none.
  if (out.networkjs && out.tcp === 0)
    throw new BoardError(`${file}: "services.networkjs" needs "services.tcp" (its sockets are netrt's TCP)`);
  if (out.sntpServers.some((e) => !/^(\d{1,3}\.){3}\d{1,3}$/.test(e)) && !out.dns)
    throw new BoardError(
      `${file}: "services.sntp.servers" names hosts: the board needs "services.dns" to resolve them`,
    );
  return out;
}

export function parseBoard(file: string, text: string): Board {
  let raw: Json;
  try {
    raw = JSON.parse(text) as Json;
  } catch (e) {
    throw new BoardError(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new BoardError(`${file}: must be a JSON object`);
  checkFields(file, raw, "");
  const name = field<string>(file, raw, "name", "string");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new BoardError(`${file}: "name" must be lowercase letters, digits and dashes`);
  if (path.basename(file, ".json") !== name) throw new BoardError(`${file}: "name" must match the file name`);
  const runtime = field<string>(file, raw, "runtime", "string");
  if (!RUNTIMES.includes(runtime as Runtime))
    throw new BoardError(`${file}: "runtime" must be one of ${RUNTIMES.join(", ")}, got "${runtime}"`);
  const mac = field<Json>(file, raw, "mac", "object");
  const driver = field<string>(file, mac, "driver", "string", "mac.");
  // Without one, each unit derives its own from its chip's identity (E.getSerial(), node.chipid(), the factory MAC).
  const hwaddr = mac.hwaddr === undefined ? "" : field<string>(file, mac, "hwaddr", "string", "mac.");
  if (hwaddr !== "") checkUnicastMac(file, "mac.hwaddr", hwaddr);
  const mtu = field<number>(file, mac, "mtu", "number", "mac.");
  if (mtu < 68 || mtu > 9000) throw new BoardError(`${file}: "mac.mtu" must be within 68..9000`);
  let bus = "";
  let pins: SpiPins = { sck: -1, miso: -1, mosi: -1, cs: -1, reset: -1, int: -1 };
  let spiBaud = 0;
  if (SPI_DRIVERS.includes(driver)) {
    bus = field<string>(file, mac, "bus", "string", "mac.");
    const p = field<Json>(file, mac, "pins", "object", "mac.");
    const pin = (k: keyof SpiPins): string | number => {
      const v = p[k];
      if (typeof v === "string" && /^[A-Z]{1,2}\d{1,2}$/.test(v)) return v;
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 48) return v;
      throw new BoardError(
        `${file}: "mac.pins.${k}" must be a pin name like "B13" or "D8", or a GPIO number, got ${JSON.stringify(v)}`,
      );
    };
    // The chip's reset and interrupt lines are optional: without them the drivers reset by command and poll.
    pins = {
      sck: pin("sck"),
      miso: pin("miso"),
      mosi: pin("mosi"),
      cs: pin("cs"),
      reset: p.reset === undefined ? -1 : pin("reset"),
      int: p.int === undefined ? -1 : pin("int"),
    };
    spiBaud = mac.spiBaud === undefined ? 8000000 : field<number>(file, mac, "spiBaud", "number", "mac.");
    if (!Number.isInteger(spiBaud) || spiBaud < 100000 || spiBaud > 40000000)
      throw new BoardError(`${file}: "mac.spiBaud" must be an integer within 100000..40000000`);
  }
  // "control": false leaves the control channel out of the build.
  let controlConfig: BoardConfig["control"] = {
    enabled: false,
    uart: "",
    baud: 0,
    maxFrame: 0,
    pins: { tx: "", rx: "" },
    probes: false,
    settings: false,
  };
  if (raw.control !== false) {
    const control = field<Json>(file, raw, "control", "object");
    const cpins = control.pins === undefined ? {} : field<Json>(file, control, "pins", "object", "control.");
    const uartPin = (k: string): string | number => {
      const v = cpins[k];
      if (v === undefined) return "";
      if (
        (typeof v === "string" && /^[A-Z]{1,2}\d{1,2}$/.test(v)) ||
        (typeof v === "number" && Number.isInteger(v) && v >= 0)
      )
        return v;
      throw new BoardError(
        `${file}: "control.pins.${k}" must be a pin name or a GPIO number, got ${JSON.stringify(v)}`,
      );
    };
    const baud = field<number>(file, control, "baud", "number", "control.");
    if (!Number.isInteger(baud) || baud < 1200 || baud > 4000000)
      throw new BoardError(`${file}: "control.baud" must be an integer within 1200..4000000`);
    // The longest control message either way; three buffers of it live on the device.
    const maxFrame =
      control.maxFrame === undefined ? 512 : field<number>(file, control, "maxFrame", "number", "control.");
    if (!Number.isInteger(maxFrame) || maxFrame < 256 || maxFrame > 8192)
      throw new BoardError(`${file}: "control.maxFrame" must be an integer within 256..8192`);
    controlConfig = {
      enabled: true,
      uart: field<string>(file, control, "uart", "string", "control."),
      baud,
      maxFrame,
      pins: { tx: uartPin("tx"), rx: uartPin("rx") },
      // netrt ping / arping from the device: a feature a board turns on ("probes": true).
      probes: control.probes === undefined ? false : field<boolean>(file, control, "probes", "boolean", "control."),
      // Settings kept across reboots (netrt save): a feature a board turns on ("settings": true).
      settings:
        control.settings === undefined ? false : field<boolean>(file, control, "settings", "boolean", "control."),
    };
    if (runtime === "lua51" || runtime === "lua53") checkNodeMcuUart(file, runtime, controlConfig);
  }
  const lltable = field<Json>(file, raw, "lltable", "object");
  const capacity = field<number>(file, lltable, "capacity", "number", "lltable.");
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1024)
    throw new BoardError(`${file}: "lltable.capacity" must be an integer within 1..1024`);
  const dhcp = field<Json>(file, raw, "dhcp", "object");
  const profile = field<string>(file, dhcp, "profile", "string", "dhcp.");
  if (profile !== "rfc2131" && profile !== "fast")
    throw new BoardError(`${file}: "dhcp.profile" must be "rfc2131" or "fast"`);
  const probe = dhcp.probe === undefined ? "strict" : dhcp.probe;
  if (probe !== "strict" && probe !== "quick" && probe !== "off")
    throw new BoardError(`${file}: "dhcp.probe" must be "strict", "quick" or "off"`);
  const rapidCommit = dhcp.rapidCommit === undefined ? false : dhcp.rapidCommit;
  if (typeof rapidCommit !== "boolean") throw new BoardError(`${file}: "dhcp.rapidCommit" must be a boolean`);
  const vendorClass = dhcp.vendorClass === undefined ? "netrt" : dhcp.vendorClass;
  if (typeof vendorClass !== "string" || vendorClass.length > 255)
    throw new BoardError(`${file}: "dhcp.vendorClass" must be a string of at most 255 characters`);

  // Optional static IPv4 configuration: "address" as a.b.c.d/len, "gateway" as a.b.c.d.
  let ipv4 = { address: "", gateway: "" };
  if (raw.ipv4 !== undefined) {
    const v4 = field<Json>(file, raw, "ipv4", "object");
    const address = typeof v4.address === "string" ? v4.address : "";
    const gateway = typeof v4.gateway === "string" ? v4.gateway : "";
    if (address !== "" && !/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(address))
      throw new BoardError(`${file}: "ipv4.address" must look like 192.0.2.10/24`);
    if (gateway !== "" && !/^(\d{1,3}\.){3}\d{1,3}$/.test(gateway))
      throw new BoardError(`${file}: "ipv4.gateway" must look like 192.0.2.1`);
    ipv4 = { address, gateway };
  }

  const services = parseServices(file, raw.services);
  if (services.tcpChip && driver !== "w5500")
    throw new BoardError(
      `${file}: "services.tcp.chip" needs a W5500 ("mac.driver": "w5500"); this board has ${driver}`,
    );
  if (services.networkjs && runtime !== "espruino")
    throw new BoardError(
      `${file}: "services.networkjs" is Espruino's (its NetworkJS module); this board runs ${runtime}`,
    );
  const program = raw.program === undefined ? false : field<boolean>(file, raw, "program", "boolean");
  // "ipv6": true (identifiers from the MAC), or { "identifiers": "eui64" | "stable" } (RFC 7217's, from a stored secret).
  let ipv6 = false;
  let ipv6Stable = false;
  if (typeof raw.ipv6 === "object" && raw.ipv6 !== null && !Array.isArray(raw.ipv6)) {
    const six = raw.ipv6 as Json;
    const ids = six.identifiers === undefined ? "eui64" : field<string>(file, six, "identifiers", "string", "ipv6.");
    if (ids !== "eui64" && ids !== "stable")
      throw new BoardError(`${file}: "ipv6.identifiers" is "eui64" or "stable", got ${JSON.stringify(ids)}`);
    ipv6 = true;
    ipv6Stable = ids === "stable";
  } else if (raw.ipv6 !== undefined) ipv6 = field<boolean>(file, raw, "ipv6", "boolean");

  let available = false;
  let driverNote: string | undefined;
  if (DRIVERS[driver] !== undefined) {
    if (!DRIVERS[driver].includes(runtime as Runtime))
      throw new BoardError(`${file}: MAC driver "${driver}" does not run on ${runtime}`);
    available = true;
  } else if (PENDING_DRIVERS[driver] !== undefined) {
    driverNote = `${name}: MAC driver "${driver}": ${PENDING_DRIVERS[driver]}; this artifact boots without a network interface`;
  } else {
    throw new BoardError(
      `${file}: unknown MAC driver "${driver}" (known: ${[...Object.keys(DRIVERS), ...Object.keys(PENDING_DRIVERS)].join(", ")})`,
    );
  }
  const config: BoardConfig = {
    name,
    version: PACKAGE_VERSION,
    runtime,
    mac: { driver, available, hwaddr: hwaddr.toLowerCase(), mtu, bus, pins, spiBaud },
    control: controlConfig,
    lltableCapacity: capacity,
    ipv4,
    dhcp: {
      enabled: field<boolean>(file, dhcp, "enabled", "boolean", "dhcp."),
      profile,
      probe,
      rapidCommit,
      vendorClass,
    },
    // Without one: the board's name and the last two bytes of the unit's MAC.
    hostname: raw.hostname === undefined ? "" : field<string>(file, raw, "hostname", "string"),
    logLevel: typeof raw.logLevel === "number" ? raw.logLevel : 1,
  };
  // Only what a board uses goes into its config (the config is a live object on the device).
  if (services.dns || services.sntp || services.mdns || services.sockets > 0 || services.tcp > 0)
    config.services = services;
  if (program) config.program = true;
  if (ipv6) config.ipv6 = true;
  if (ipv6Stable) config.ipv6Stable = true;
  let memoryBudget: number | undefined;
  let parametersFromArguments: boolean | undefined;
  if (raw.memory !== undefined) {
    const memory = field<Json>(file, raw, "memory", "object");
    if (memory.budget === undefined && memory.parameters === undefined)
      throw new BoardError(`${file}: "memory" needs a "budget" or "parameters"`);
    // Only a board the memory bench can run states a budget; a chip board is measured through its host twin.
    if (memory.budget !== undefined) {
      memoryBudget = field<number>(file, memory, "budget", "number", "memory.");
      if (!Number.isInteger(memoryBudget) || memoryBudget <= 0)
        throw new BoardError(`${file}: "memory.budget" must be a positive integer`);
    }
    if (memory.parameters !== undefined) {
      const how = field<string>(file, memory, "parameters", "string", "memory.");
      if (how !== "named" && how !== "arguments")
        throw new BoardError(`${file}: "memory.parameters" must be "named" or "arguments", got ${JSON.stringify(how)}`);
      if (how === "arguments" && runtime !== "espruino")
        throw new BoardError(`${file}: "memory.parameters": "arguments" is for Espruino builds only`);
      parametersFromArguments = how === "arguments";
    }
  }
  return { file, runtime: runtime as Runtime, config, driverNote, memoryBudget, parametersFromArguments };
}

/** The board names in `dir` (a board's file is its name plus .json). */
export function boardNames(dir = path.join(ROOT, "boards")): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => f.slice(0, -5));
}

/**
 * Reads and validates board files: all of them, or only those named in
 * `only` (a broken board file then stops only a build that includes it).
 */
export function loadBoards(dir = path.join(ROOT, "boards"), only?: string[]): Board[] {
  const names = boardNames(dir);
  if (only !== undefined && only.length > 0) {
    const unknown = only.filter((n) => !names.includes(n));
    if (unknown.length > 0)
      throw new BoardError(
        `unknown board: ${unknown.map((n) => `${n} (did you mean ${nearest(n, names)}?)`).join(", ")}; boards: ${names.join(", ")}`,
      );
  }
  return names
    .filter((n) => only === undefined || only.length === 0 || only.includes(n))
    .map((n) => parseBoard(`boards/${n}.json`, fs.readFileSync(path.join(dir, `${n}.json`), "utf8")));
}

// ip(8)'s command-line grammar, as iproute2 6.x parses it: options are
// single-dash words matched by prefix in a fixed order (so "-s" is -stats,
// "-b" is -batch, "-br" is -brief), objects and commands likewise ("a s" is
// "address show", "l s" is "link set"), usage errors exit 255. netrt's own
// options come after ip's in that order, so none of them steals an
// abbreviation ip users type ("-p" stays -pretty; "-po" is -port).
import { UsageError } from "./args";

/** The global options: ip's, then netrt's. */
export interface Globals {
  port?: string;
  /** `-port` with no path: list the serial ports. */
  listPorts: boolean;
  baud: number;
  timeout: number;
  pcap?: string;
  key?: string;
  json: boolean;
  pretty: boolean;
  details: boolean;
  /** -s given this many times. */
  stats: number;
  brief: boolean;
  oneline: boolean;
  color: boolean;
  /** -t: a timestamp line before each monitor event; -ts: a short one in front. */
  timestamp: number;
  family: "any" | "inet" | "inet6" | "link";
  human: boolean;
  iec: boolean;
  force: boolean;
  batch?: string;
  /** -save: after the command succeeds, store the device's settings (netrt save). */
  save: boolean;
}

export function defaults(): Globals {
  return {
    listPorts: false,
    baud: 115200,
    timeout: 3000,
    json: false,
    pretty: false,
    details: false,
    stats: 0,
    brief: false,
    oneline: false,
    color: false,
    timestamp: 0,
    family: "any",
    human: false,
    iec: false,
    force: false,
    save: false,
  };
}

/** iproute2's matches(): `arg` is a non-empty prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

/** Thrown by -help, -Version and `help`: print `text` (stdout when `out`), exit with `code`. */
export class Exit extends Error {
  constructor(
    readonly text: string,
    readonly code: number,
    readonly out = false,
  ) {
    super(text);
  }
}

const FAMILIES: Record<string, Globals["family"]> = {
  inet: "inet",
  inet6: "inet6",
  link: "link",
  "-4": "inet",
  "-6": "inet6",
  "-0": "link",
};

interface Option {
  word: string;
  /** -4, -6, -0 and the like match only whole. */
  exact?: boolean;
  /** Takes the next argument (or `=value`, for netrt's own). */
  value?: boolean;
  /** What it does; absent: an ip option this device has nothing for. */
  set?: (g: Globals, v: string) => void;
}

const positive = (what: string, v: string): number => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`Error: argument "${v}" is wrong: invalid ${what}`);
  return Number(v);
};

/** In iproute2's order: the first that matches wins. */
const OPTIONS: Option[] = [
  { word: "-loops", value: true },
  {
    word: "-family",
    value: true,
    set: (g, v) => {
      if (v === "help") throw new Exit(USAGE, 255);
      const f = FAMILIES[v];
      if (f === undefined) throw new UsageError(`Error: argument "${v}" is wrong: invalid protocol family`);
      g.family = f;
    },
  },
  { word: "-4", exact: true, set: (g) => (g.family = "inet") },
  { word: "-6", exact: true, set: (g) => (g.family = "inet6") },
  { word: "-0", exact: true, set: (g) => (g.family = "link") },
  { word: "-M", exact: true },
  { word: "-B", exact: true },
  { word: "-human", set: (g) => (g.human = true) },
  { word: "-human-readable", set: (g) => (g.human = true) },
  { word: "-iec", set: (g) => (g.iec = true) },
  { word: "-stats", set: (g) => g.stats++ },
  { word: "-statistics", set: (g) => g.stats++ },
  { word: "-details", set: (g) => (g.details = true) },
  { word: "-resolve" },
  { word: "-oneline", set: (g) => (g.oneline = true) },
  { word: "-timestamp", set: (g) => (g.timestamp = Math.max(g.timestamp, 1)) },
  { word: "-tshort", set: (g) => (g.timestamp = 2) },
  {
    word: "-Version",
    set: () => {
      throw new Exit(`netrt utility, ${VERSION}\n`, 0, true);
    },
  },
  { word: "-force", set: (g) => (g.force = true) },
  { word: "-batch", value: true, set: (g, v) => (g.batch = v) },
  { word: "-brief", set: (g) => (g.brief = true) },
  { word: "-json", set: (g) => (g.json = true) },
  { word: "-pretty", set: (g) => (g.pretty = true) },
  { word: "-rcvbuf", value: true },
  // -color[=always|auto|never] is matched apart, here in the order.
  { word: "-color" },
  {
    word: "-help",
    set: () => {
      throw new Exit(USAGE, 255);
    },
  },
  { word: "-netns", value: true },
  { word: "-Numeric", set: () => undefined },
  { word: "-all" },
  { word: "-echo", exact: true },
  // netrt's own.
  { word: "-port", set: (g, v) => (g.port = v) },
  { word: "-baud", value: true, set: (g, v) => (g.baud = positive("baud rate", v)) },
  { word: "-timeout", value: true, set: (g, v) => (g.timeout = positive("timeout", v)) },
  { word: "-pcap", value: true, set: (g, v) => (g.pcap = v) },
  { word: "-key", value: true, set: (g, v) => (g.key = v) },
  { word: "-save", set: (g) => (g.save = true) },
];

const OWN = ["-port", "-baud", "-timeout", "-pcap", "-key"];

/** Whether `opt` (one dash) is -color[=…]; sets it. As iproute2: a value other than always/auto/never is no match. */
function color(g: Globals, opt: string, isTty: boolean): boolean {
  const eq = opt.indexOf("=");
  const name = eq < 0 ? opt : opt.slice(0, eq);
  if (!matches(name, "-color")) return false;
  const v = eq < 0 ? "always" : opt.slice(eq + 1);
  if (v !== "always" && v !== "auto" && v !== "never") return false;
  g.color = v === "always" || (v === "auto" && isTty);
  return true;
}

/**
 * Reads the options in front of the object. Returns the globals and the
 * words from the object on. Throws UsageError (ip's text, exit 255) or Exit.
 */
export function parseOptions(argv: string[], isTty = false): { g: Globals; rest: string[] } {
  const g = defaults();
  let i = 0;
  for (; i < argv.length; i++) {
    const given = argv[i];
    if (given === "--") {
      i++;
      break;
    }
    if (!given.startsWith("-") || given === "-") break;
    // GNU's --help (not ip's -help, which exits 255): the usage on stdout, exit 0, as installed tools answer it.
    if (given === "--help") throw new Exit(USAGE, 0, true);
    const opt = given.startsWith("--") ? given.slice(1) : given;
    const o = OPTIONS.find((x) => (x.exact === true ? x.word === opt : matches(opt, x.word)));
    if ((o === undefined || o.word === "-color") && color(g, opt, isTty)) continue;
    // netrt's own valued options also take -opt=value, as most tools do.
    const eq = opt.indexOf("=");
    const own = eq > 0 ? OPTIONS.find((x) => OWN.includes(x.word) && matches(opt.slice(0, eq), x.word)) : undefined;
    if (o === undefined && own !== undefined) {
      own.set!(g, opt.slice(eq + 1));
      continue;
    }
    if (o === undefined || o.word === "-color")
      throw new UsageError(`Option "${given}" is unknown, try "netrt -help".`);
    if (o.word === "-port") {
      // The path is optional: `netrt -port` alone lists the serial ports.
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("-")) g.listPorts = true;
      else g.port = argv[++i];
      continue;
    }
    let v = "";
    if (o.value === true) {
      if (i + 1 >= argv.length) throw new Exit(USAGE, 255);
      v = argv[++i];
    }
    if (o.set === undefined)
      throw new UsageError(`Option "${given}" is not supported by netrt: the device has no ${what(o.word)}.`);
    o.set(g, v);
  }
  return { g, rest: argv.slice(i) };
}

function what(word: string): string {
  const w: Record<string, string> = {
    "-loops": "flush loops (a flush is one pass)",
    "-M": "MPLS",
    "-B": "bridge",
    "-resolve": "name resolver",
    "-rcvbuf": "socket buffer",
    "-netns": "network namespaces",
    "-all": "network namespaces",
    "-echo": "echo of requests",
  };
  return w[word] ?? "such option";
}

/** Kept equal to package.json's version by a test (the compiled CLI has no package.json to read). */
export const VERSION = "netrt-0.3.0, ip grammar of iproute2-6.1";

export const USAGE = `Usage: netrt [ OPTIONS ] OBJECT { COMMAND | help }
       netrt [ -force ] -batch filename
where  OBJECT := { address | link | neighbour | route | monitor | dhcp | auth | ping | arping |
                   config | save | agent | help }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -h[uman-readable] | -iec |
                    -f[amily] { inet | inet6 | link } | -4 | -6 | -0 |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -c[olor] | -br[ief] | -j[son] | -p[retty] | -N[umeric] |
                    -po[rt] [PATH] | -bau[d] RATE | -timeo[ut] MS | -pc[ap] FILE | -k[ey] HEX |
                    -sa[ve] }
       -port PATH is a serial port, a pty or tcp://host:port (default: $NETRT_PORT);
       -port alone lists the serial ports, marking those a device answers on.
`;

/** ip's objects in its order (so abbreviations resolve as in ip), then netrt's own. */
export const OBJECTS: string[] = [
  "address",
  "addrlabel",
  "maddress",
  "route",
  "rule",
  "neighbor",
  "neighbour",
  "ntable",
  "ntbl",
  "link",
  "l2tp",
  "fou",
  "ila",
  "macsec",
  "tunnel",
  "tunl",
  "tuntap",
  "tap",
  "token",
  "tcpmetrics",
  "tcp_metrics",
  "monitor",
  "xfrm",
  "mroute",
  "mrule",
  "netns",
  "netconf",
  "vrf",
  "sr",
  "nexthop",
  "mptcp",
  "ioam",
  "stats",
  "help",
  // netrt's
  "dhcp",
  "auth",
  "agent",
  "ping",
  "arping",
  "config",
  "save",
];

/** The object an abbreviation names, as ip resolves it; undefined when none. */
export function objectOf(word: string): string | undefined {
  return OBJECTS.find((o) => matches(word, o));
}

/**
 * A command word of an object: `table` in iproute2's order, each entry a
 * word or [word, exact alias]. Returns the full word, or throws ip's
 * "Command … is unknown" (exit 255).
 */
export function commandOf(word: string, table: (string | [string, string])[], object: string): string {
  for (const e of table) {
    if (typeof e === "string" ? matches(word, e) : matches(word, e[0]) || word === e[1])
      return typeof e === "string" ? e : e[0];
  }
  throw new UsageError(`Command "${word}" is unknown, try "netrt ${object} help".`);
}

/**
 * Splits a batch line as iproute2's makeargs does: blanks separate words,
 * "double" and 'single' quotes group them, # starts a comment.
 */
export function splitLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length || line[i] === "#") break;
    let w = "";
    if (line[i] === '"' || line[i] === "'") {
      const q = line[i++];
      const end = line.indexOf(q, i);
      if (end < 0) throw new UsageError(`Unterminated quoted string`);
      w = line.slice(i, end);
      i = end + 1;
    } else {
      while (i < line.length && !/\s/.test(line[i])) w += line[i++];
    }
    out.push(w);
  }
  return out;
}

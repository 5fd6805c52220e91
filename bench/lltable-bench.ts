// The lltable's cost on each runtime: bytes per entry (its buffer, and the
// runtime's own accounting of a full 64-entry table), lookups and inserts
// per second. Portable; prints BENCH lines like the bytes benchmark.
import { alloc, len, set8 } from "@hal/bytes";
import { SimClock } from "../hal/sim/clock";
import type { Bytes } from "../hal/types";
import { defaultLltableParams, Lltable, type LltableHost } from "../src/net/lltable";
import type { BenchProbe } from "./bytes-program";

const CAP = 64;
const BASE = 0xc0a80000; // 192.168.0.0: the table's own on-link world

class NullHost implements LltableHost {
  solicit(): void {}
  transmit(): void {}
  onLink(): boolean {
    return true;
  }
  event(): void {}
}

export function runLltableBench(out: (line: string) => void, probe: BenchProbe): void {
  const mac: Bytes = alloc(6);
  set8(mac, 0, 2);
  const clock = new SimClock();
  const host = new NullHost();
  // Several full tables, so one table's cost stands out of the runtime's noise.
  const K = 8;
  const tables: Lltable[] = [];
  const before = probe.mem();
  for (let k = 0; k < K; k++) {
    const tk = new Lltable(defaultLltableParams(CAP), clock, host);
    for (let i = 0; i < CAP; i++) tk.input(BASE + i * 3, mac, 0, true, true);
    tables.push(tk);
  }
  const after = probe.mem();
  const t = tables[0];
  out("BENCH lltable_entry_bytes " + Math.floor(len(t.store) / CAP) + " bytes");
  out("BENCH lltable64_mem " + Math.floor((after - before) / K) + " " + probe.memUnit);

  const n = 20000;
  let hits = 0;
  let start = probe.now();
  for (let i = 0; i < n; i++) if (t.lookup(BASE + (i % CAP) * 3) >= 0) hits++;
  let ms = Math.max(probe.now() - start, 0.001);
  out("BENCH lltable_lookups_per_s " + Math.floor((n / ms) * 1000) + " ops/s");
  out("BENCH lltable_lookup_hits " + hits + " -");

  // Inserts into a full table: each evicts the least recently used entry.
  // Time-boxed (about 300 ms) so the slow interpreters finish too.
  let m = 0;
  start = probe.now();
  while (probe.now() - start < 300) {
    for (let k = 0; k < 16; k++) t.input(BASE + 0x10000 + m + k, mac, 0, true, true);
    m += 16;
  }
  ms = Math.max(probe.now() - start, 0.001);
  out("BENCH lltable_inserts_full_per_s " + Math.floor((m / ms) * 1000) + " ops/s");

  // Inserts with room: remove one of the newest entries and add it back.
  const top = BASE + 0x10000 + m - 1;
  let r = 0;
  start = probe.now();
  while (probe.now() - start < 300) {
    for (let k = 0; k < 16; k++) {
      const ip = top - ((r + k) % CAP);
      t.remove(ip, true);
      t.input(ip, mac, 0, true, true);
    }
    r += 16;
  }
  ms = Math.max(probe.now() - start, 0.001);
  m = r;
  out("BENCH lltable_remove_insert_per_s " + Math.floor((m / ms) * 1000) + " ops/s");
  if (t.count() !== CAP) out("BENCH lltable_count_wrong " + t.count() + " -");
}

// The kernel's netlink captures (test/vectors/netlink-kernel, copied from the team's reference data).
import * as fs from "node:fs";
import * as path from "node:path";

export const VECTORS = path.join(__dirname, "..", "vectors", "netlink-kernel");

export interface Exchange {
  name: string;
  request?: string;
  replies?: string[];
  notifications?: string[];
  trigger?: string;
}

export function loadVectors(): Exchange[] {
  return fs
    .readdirSync(VECTORS)
    .filter((f) => f.endsWith(".json") && f !== "meta.json")
    .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(fs.readFileSync(path.join(VECTORS, f), "utf8")) }));
}

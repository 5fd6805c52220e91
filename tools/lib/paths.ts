import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BUILD = path.join(ROOT, "build");
export const DIST = path.join(ROOT, "dist");

export function rel(p: string): string {
  return path.relative(ROOT, p) || ".";
}

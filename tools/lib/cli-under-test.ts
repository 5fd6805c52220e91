// The host CLI as the integration tests run it: compiled from the sources
// once per test process, as npm pack compiles it, then started with plain
// node (`spawn(NODE, [CLI, ...args])`): about 0.3 s sooner per command
// than through tsx, over hundreds of commands.
import * as path from "node:path";
import { buildCli } from "../build-cli";
import { BUILD } from "./paths";

export const NODE = process.execPath;
export const CLI = path.join(BUILD, "test-cli", "netrt.js");

let compiled: Promise<string> | undefined;

/** Compiles the CLI to CLI (once per process); await it before the first command. */
export function compileCli(): Promise<string> {
  if (compiled === undefined) compiled = buildCli(CLI);
  return compiled;
}

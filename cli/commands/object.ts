// What netrt.ts needs of each object (address, link, …): its commands in
// iproute2's order (for abbreviations), which of them this device has, the
// default one, its help text, and how to run one.
import type { Channel } from "../transport";
import type { Globals } from "../grammar";

export interface ObjectDef {
  /** iproute2's command words in its order: a word, or [word, exact alias] ("chg"). */
  commands: (string | [string, string])[];
  /** The commands this device has (the rest are ip's, refused by name). */
  supported: string[];
  /** The command when none is given. */
  default: string;
  usage: string;
  /** Runs `cmd` (a full word from `commands`) with the words after it. */
  run(g: Globals, ch: Channel, cmd: string, args: string[]): Promise<void>;
}

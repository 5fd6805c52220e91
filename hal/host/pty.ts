// The host board's "UART": a pseudo-terminal pair made by socat. The
// firmware holds one end; the other end (a symlink the firmware logs) is
// what the host CLI opens, exactly as it would open /dev/ttyUSB0.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Bytes, Serial, SerialOptions } from "../types";
import { HostSerial } from "./serial";

export class PtySerial implements Serial {
  private socat: ChildProcess;
  private inner: HostSerial | undefined = undefined;
  private closed = false;
  readonly devicePath: string;

  /** `cliPath`: where the CLI's end appears (a symlink to /dev/pts/N). */
  constructor(
    readonly cliPath: string,
    o: SerialOptions,
  ) {
    this.devicePath = cliPath + ".device";
    for (const p of [cliPath, this.devicePath]) fs.rmSync(p, { force: true });
    this.socat = spawn("socat", [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${cliPath}`], { stdio: ["ignore", "ignore", "pipe"] });
    this.socat.on("error", (e) => o.onError?.(`socat: ${e.message}`));
    this.socat.on("exit", (code) => {
      if (!this.closed) o.onError?.(`socat exited (${code})`);
    });
    const until = Date.now() + 5000;
    const poll = (): void => {
      if (this.closed) return;
      if (fs.existsSync(this.devicePath) && fs.existsSync(cliPath)) {
        this.inner = new HostSerial({ ...o, port: this.devicePath });
        return;
      }
      if (Date.now() > until) o.onError?.("the pseudo-terminal did not appear (is socat installed?)");
      else setTimeout(poll, 10);
    };
    poll();
  }

  /** Resolves once both ends exist and the firmware's end is open. */
  async ready(): Promise<void> {
    while (this.inner === undefined) {
      if (this.closed) throw new Error("closed");
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.inner.opened();
  }

  read(): Bytes | undefined {
    return this.inner?.read();
  }

  write(data: Bytes): void {
    this.inner?.write(data);
  }

  close(): void {
    this.closed = true;
    this.inner?.close();
    this.socat.kill("SIGTERM");
    for (const p of [this.cliPath, this.devicePath]) fs.rmSync(p, { force: true });
  }
}

// The host board's "UART": a pseudo-terminal pair made by socat. The
// firmware holds one end; the other end (a symlink the firmware logs) is
// what the host CLI opens, exactly as it would open /dev/ttyUSB0. Both
// directions cross at the board's baud rate (LineRate), as on a real UART.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import type { Bytes, Serial, SerialOptions } from "../types";
import { LineRate } from "./line-rate";
import { HostSerial } from "./serial";
import { spawnTied } from "./tied";

export class PtySerial implements Serial {
  private socat: ChildProcess;
  private inner: HostSerial | undefined = undefined;
  private closed = false;
  private readonly toCli: LineRate;
  private readonly fromCli: LineRate;
  private arrived: Buffer[] = [];
  readonly devicePath: string;

  /** `cliPath`: where the CLI's end appears (a symlink to /dev/pts/N). */
  constructor(
    readonly cliPath: string,
    o: SerialOptions,
  ) {
    this.devicePath = cliPath + ".device";
    this.toCli = new LineRate(o.baud, (b) => this.inner?.write(new Uint8Array(b) as unknown as Bytes));
    this.fromCli = new LineRate(o.baud, (b) => {
      this.arrived.push(b);
      o.onReadable(b.length);
    });
    for (const p of [cliPath, this.devicePath]) fs.rmSync(p, { force: true });
    // Tied to us: a firmware killed outright must not leave its pty pair behind.
    this.socat = spawnTied(["socat", `pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${cliPath}`]);
    this.socat.on("error", (e) => o.onError?.(`socat: ${e.message}`));
    this.socat.on("exit", (code) => {
      if (!this.closed) o.onError?.(`socat exited (${code})`);
    });
    const until = Date.now() + 5000;
    const poll = (): void => {
      if (this.closed) return;
      if (fs.existsSync(this.devicePath) && fs.existsSync(cliPath)) {
        const inner = new HostSerial({
          ...o,
          port: this.devicePath,
          onReadable: () => {
            const b = inner.read();
            if (b !== undefined) this.fromCli.push(Buffer.from(b as unknown as Uint8Array));
          },
        });
        this.inner = inner;
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
    if (this.arrived.length === 0) return undefined;
    const all = Buffer.concat(this.arrived);
    this.arrived = [];
    return new Uint8Array(all) as unknown as Bytes;
  }

  write(data: Bytes): void {
    // Copied: the channel reuses its frame buffer once write() returns.
    this.toCli.push(Buffer.from(data as unknown as Uint8Array));
  }

  close(): void {
    this.closed = true;
    this.toCli.close();
    this.fromCli.close();
    this.inner?.close();
    this.socat.kill("SIGTERM");
    for (const p of [this.cliPath, this.devicePath]) fs.rmSync(p, { force: true });
  }
}

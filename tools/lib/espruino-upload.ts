// Uploads code to an Espruino board through the espruino package's
// JavaScript API (EspruinoTools) rather than its CLI, whose "Unable to
// connect!" on a port it cannot open exits 0: here a connection that fails
// is an error, and the bytes sent are reported as they go.

export class EspruinoUploadError extends Error {}

export interface EspruinoUpload {
  port: string;
  baud: number;
  /** The board's name, told to the tools so they never look it up online. */
  board: string;
  code: string;
  timeoutMs: number;
  /** Bytes of the upload sent so far, of the total. */
  onProgress(sent: number, total: number): void;
  /** Done as soon as the board prints this after the upload (else once it has been quiet for a while). */
  until?: RegExp;
}

type Tools = any;
declare const Espruino: Tools;

let initialised: Promise<void> | undefined;

/** EspruinoTools, loaded once per process (it installs itself as a global), its chatter kept out of our output. */
function tools(log: string[]): Promise<void> {
  if (initialised !== undefined) return initialised;
  initialised = quietly(
    log,
    () => new Promise<void>((resolve) => (require("espruino") as { init(cb: () => void): void }).init(() => resolve())),
  );
  return initialised;
}

/** Runs `f` with console output collected into `log` (EspruinoTools logs every byte it sends). */
async function quietly<T>(log: string[], f: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  const keep = (...a: unknown[]): void => {
    log.push(a.map(String).join(" "));
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  console.log = keep;
  console.warn = keep;
  console.error = keep;
  console.info = keep;
  try {
    return await f();
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * Connects, uploads `code` so the board runs it at every power-up
 * (SAVE_ON_SEND: to Storage, then run), waits until the board has been
 * quiet for a moment, disconnects. Resolves with what the board printed.
 */
export async function uploadToEspruino(u: EspruinoUpload): Promise<string> {
  const log: string[] = [];
  await tools(log);
  return quietly(log, () => upload(u, log));
}

function upload(u: EspruinoUpload, log: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const cfg = Espruino.Config;
    cfg.BAUD_RATE = String(u.baud);
    cfg.BLUETOOTH_LOW_ENERGY = false;
    cfg.BLUETOOTH_LOW_ENERGY_DBUS = false;
    cfg.SAVE_ON_SEND = 1;
    cfg.RESET_BEFORE_SEND = true;
    cfg.MINIFICATION_LEVEL = "";
    cfg.SET_TIME_ON_WRITE = false;
    cfg.ENV_ON_CONNECT = false;
    // A network device is found only when named here.
    cfg.SERIAL_TCPIP = /^tcp:\/\//.test(u.port) ? [u.port] : [];
    // Every module the firmware requires is built in: nothing to fetch.
    const env = Espruino.Core.Env.getData();
    env.BOARD = u.board;
    env.info = { name: u.board, builtin_modules: ["Storage", "dgram", "net", "fs"] };
    // The node serial device lists only the ports the OS enumerates; a pty or
    // a named path the user gave is a port too.
    const serial = (Espruino.Core.Serial.devices as Tools[]).find((d) => d.name === "Node Serial");
    if (serial !== undefined && !serial.netrtPatched && !/^tcp:\/\//.test(u.port)) {
      const list = serial.getPorts;
      serial.getPorts = (cb: (ports: { path: string }[], instant: boolean) => void) =>
        list((ports: { path: string }[], instant: boolean) =>
          cb(ports.some((p) => p.path === u.port) ? ports : [...ports, { path: u.port }], instant),
        );
      serial.netrtPatched = true;
    }
    let total = 0;
    let sent = 0;
    Espruino.Core.Status = {
      setStatus: (_text: string, n?: number) => {
        if (n !== undefined && n > 0) {
          total = n;
          sent = 0;
          u.onProgress(0, total);
        }
      },
      hasProgress: () => total > 0,
      incrementProgress: (n: number) => {
        sent = Math.min(total, sent + n);
        u.onProgress(sent, total);
      },
    };
    let output = "";
    let settled = false;
    let quiet: NodeJS.Timeout | undefined;
    let uploaded = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (quiet !== undefined) clearTimeout(quiet);
      const close = (): void => (err === undefined ? resolve(output) : reject(err));
      if (Espruino.Core.Serial.isConnected()) {
        Espruino.Core.Serial.close();
        setTimeout(close, 200);
      } else close();
    };
    const deadline = setTimeout(
      () =>
        finish(
          new EspruinoUploadError(
            `${u.port}: the upload did not finish within ${u.timeoutMs / 1000} s (${sent} of ${total} bytes sent)`,
          ),
        ),
      u.timeoutMs,
    );
    // Once the code is sent, wait for what the firmware prints as it starts, or for the board to go quiet.
    let sentAt = 0;
    const settle = (): void => {
      if (quiet !== undefined) clearTimeout(quiet);
      if (u.until !== undefined && u.until.test(output.slice(sentAt))) {
        finish();
        return;
      }
      quiet = setTimeout(() => finish(), u.until !== undefined ? 8000 : 2500);
    };
    Espruino.Core.Serial.startListening((data: ArrayBuffer) => {
      output += Buffer.from(data).toString("latin1");
      if (uploaded) settle();
    });
    Espruino.Core.Serial.open(
      u.port,
      (status: unknown) => {
        if (status === undefined) {
          const why = log
            .filter((l) => /error|not found|cannot|unable/i.test(l))
            .slice(-3)
            .join("; ");
          finish(new EspruinoUploadError(`cannot connect to ${u.port}${why !== "" ? `: ${why}` : ""}`));
          return;
        }
        Espruino.callProcessor("transformForEspruino", u.code, (code: string) => {
          sentAt = output.length;
          Espruino.Core.CodeWriter.writeToEspruino(code, () => {
            uploaded = true;
            u.onProgress(total, total);
            settle();
          });
        });
      },
      () => {
        if (!settled)
          finish(
            uploaded
              ? undefined
              : new EspruinoUploadError(
                  `${u.port} disconnected before the upload finished (${sent} of ${total} bytes sent)`,
                ),
          );
      },
    );
  });
}

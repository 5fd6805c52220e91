// Flashing an Espruino board: the build, then the espruino package's JavaScript API with SAVE_ON_SEND.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import cliProgress from "cli-progress";
import { buildAll } from "../lib/build";
import { EspruinoUploadError, uploadToEspruino } from "../lib/espruino-upload";
import { withNetrtEnv } from "../lib/espruino-host";
import { ROOT } from "../lib/paths";
import { ESPRUINO_REPL, FlashError, FlashOptions, envSettings, expectPrompt } from "./common";

export async function flashEspruino(o: FlashOptions, bar: cliProgress.SingleBar): Promise<void> {
  const [artifact] = await buildAll([o.board], { hwaddr: o.mac, hostname: o.hostname });
  let file = path.join(ROOT, artifact.file);
  if (o.env.length > 0) {
    // Settings a host bundle reads at start (espruino-host's NETRT_ENV), in front of the code.
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-")), "firmware.js");
    fs.writeFileSync(file, withNetrtEnv(envSettings(o), fs.readFileSync(path.join(ROOT, artifact.file), "utf8")));
  }
  bar.update(1, { stage: `connect ${o.port}` });
  await expectPrompt(ESPRUINO_REPL, o.port, o.baud, 5000);
  bar.update(2, { stage: `upload ${artifact.bytes} bytes to Storage` });
  const t0 = Date.now();
  let output: string;
  try {
    output = await uploadToEspruino({
      port: o.port,
      baud: o.baud,
      board: o.board,
      code: fs.readFileSync(file, "utf8"),
      timeoutMs: o.timeout * 1000,
      until: new RegExp(`netrt \\S+ on ${o.board}[^\\n]*\\n`),
      onProgress: (sent, total) => {
        const secs = (Date.now() - t0) / 1000;
        const left = sent > 0 && sent < total ? Math.ceil((secs * (total - sent)) / sent) : 0;
        bar.update(2 + (total > 0 ? sent / total : 0), {
          stage: `upload: ${sent} of ${total} bytes${left > 0 ? `, about ${left} s left` : ""}`,
        });
      },
    });
  } catch (e) {
    if (e instanceof EspruinoUploadError) throw new FlashError(`${e.message}; nothing was uploaded`);
    throw e;
  }
  bar.update(3, { stage: "check it runs" });
  const lines = output.split(/\r?\n/);
  const booted = lines.find((l) => new RegExp(`netrt \\S+ on ${o.board}`).test(l));
  if (booted === undefined)
    throw new FlashError(`uploaded, but the firmware did not report itself:\n${lines.slice(-15).join("\n")}`);
  bar.update(4, { stage: "done" });
  bar.stop();
  console.log(
    `${o.board}: ${artifact.bytes} bytes in Storage on ${o.port}; it starts at every power-up. It said: ${booted
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
      .replace(/^>+/, "")
      .trim()}`,
  );
}

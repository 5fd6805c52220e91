// The CLI's transport as a host should be: requests made together go out
// one at a time (the device's reply queue is one frame deep), each frame
// behind a delimiter, and every one gets its own answer. Driven over a
// loopback TCP socket into a simulated device's control channel.
import { strict as assert } from "node:assert";
import * as net from "node:net";
import { len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { Channel } from "../../cli/transport";
import * as C from "../../src/netlink/constants";
import { ControlChannel } from "../../src/netlink/channel";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { IFI_INDEX, IFINFOMSG } from "../../src/netlink/schemas";
import { MemoryStorage } from "../../hal/sim/storage";
import { SimRandom } from "../../hal/sim/random";
import { Net } from "../net/helpers";

describe("the CLI's transport", function () {
  it("sends requests made together one at a time, each behind a delimiter, and matches every answer", async function () {
    const sim = new Net();
    const node = sim.node(10, "192.0.2.10/24");
    let sock: net.Socket | undefined;
    let zeros = 0;
    const dev = new ControlChannel(
      node.stack,
      sim.clock,
      {
        write: (d: Bytes) => sock?.write(Buffer.from(d as unknown as Uint8Array).subarray(0, len(d))),
        driverName: () => "sim",
      },
      { baud: 115200, maxMessage: 512 },
      new MemoryStorage(1024),
      new SimRandom(1),
    );
    const server = net.createServer((s) => {
      sock = s;
      s.on("data", (d: Buffer) => {
        for (const b of d) if (b === 0) zeros++;
        dev.input(new Uint8Array(d) as unknown as Bytes, 0, d.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    // The device's clock runs in steps while the test waits.
    const tick = setInterval(() => sim.clock.advance(50), 2);
    const ch = new Channel(5000);
    try {
      await ch.open(`tcp://127.0.0.1:${port}`, 115200);
      const asks = [];
      for (let i = 0; i < 40; i++)
        asks.push(
          ch.request(PROTO_ROUTE, C.RTM_GETLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 1 + (i % 2))),
        );
      const answers = await Promise.all(asks);
      answers.forEach((a, i) => {
        assert.equal(a.length, 1, `request ${i}: one link`);
        assert.equal(a[0].header.index, 1 + (i % 2));
      });
      assert.equal(dev.rtnl.counters.repliesDropped, 0, "the device never had to drop an answer");
      // COBS leaves no zero inside a frame: two per request are the delimiter before it and the one ending it.
      assert.equal(zeros, 2 * 40, "every request opens with a delimiter");
    } finally {
      clearInterval(tick);
      ch.close();
      server.close();
    }
  });
});

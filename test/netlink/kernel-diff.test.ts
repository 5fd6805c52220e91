// The control channel against the Linux kernel: every case's request bytes
// go to a fresh namespace set up like the device and to the device itself;
// errors, flags, echoes, extended-ack TLVs and offsets, the messages
// answered, the notifications and the state afterwards must agree, or the
// case names the deliberate difference and the parts it touches (and only
// those may differ). docs/CONTROL-PROTOCOL.md lists the differences.
import { strict as assert } from "node:assert";
import { isDeepStrictEqual } from "node:util";
import { cases } from "./kernel-cases";
import {
  askDevice,
  askKernel,
  type KernelResult,
  notificationShapes,
  oracleMissing,
  type Part,
  shapes,
} from "./kernel-diff";

describe("control channel vs the Linux kernel (differential)", function () {
  this.timeout(120000);
  const all = cases();
  let kernel: KernelResult[] = [];
  const tally = { match: 0, deliberate: 0, differ: 0 };

  before(async function () {
    const why = oracleMissing();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    kernel = await askKernel(all);
  });

  after(function () {
    if (kernel.length > 0)
      console.log(
        `      ${all.length} cases: ${tally.match} match the kernel, ${tally.deliberate} differ on purpose, ${tally.differ} differ`,
      );
  });

  it("has at least 150 cases with distinct names", function () {
    assert.ok(all.length >= 150, `${all.length} cases`);
    assert.equal(new Set(all.map((c) => c.name)).size, all.length);
  });

  all.forEach((c, i) => {
    it(c.name, function () {
      const k = kernel[i];
      assert.equal(k.error, undefined, k.error);
      const d = askDevice(c);
      const got: Record<Part, unknown> = {
        replies: d.replies.map(shapes),
        notifications: notificationShapes(d.notifications),
        state: d.state,
      };
      const want: Record<Part, unknown> = {
        replies: k.replies.map(shapes),
        notifications: notificationShapes(k.notifications),
        state: k.state,
      };
      const mayDiffer = c.deliberate?.parts ?? [];
      const differing = (Object.keys(got) as Part[]).filter((p) => !isDeepStrictEqual(got[p], want[p]));
      for (const p of differing)
        if (!mayDiffer.includes(p)) {
          tally.differ++;
          assert.deepEqual(got[p], want[p], `${p} differ from the kernel's`);
        }
      if (c.deliberate === undefined) {
        tally.match++;
        return;
      }
      tally.deliberate++;
      assert.ok(
        differing.length > 0,
        `listed as a deliberate difference, but the device now answers as the kernel does: ${c.deliberate.why}`,
      );
    });
  });
});

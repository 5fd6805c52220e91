// The soak bench's machinery on two virtual days (npm run bench -- --only
// soak runs the year): the checks it applies hold, and they catch an
// address that goes away.
import { strict as assert } from "node:assert";
import { soak, soakProblems } from "../../bench/soak";

describe("soak (two virtual days of a 60 s lease at 10 % loss, control channel subscribed)", function () {
  this.timeout(120000);
  it("renews all day, never loses the address, keeps timers, lltable and heap flat", function () {
    const r = soak(2);
    assert.deepEqual(soakProblems(r), []);
    assert.ok(r.days[1].renewals > 2000, `${r.days[1].renewals} renewals on day 2`);
    assert.ok(r.days[1].framesLost > 1000);
    assert.ok(r.days[1].notifications > r.days[0].notifications, "notifications keep flowing");
  });
  it("its checks report an expired lease and time without the address", function () {
    const r = soak(1);
    r.days[0].expiries = 1;
    r.days[0].secondsWithoutAddress = 30;
    assert.equal(soakProblems(r).length, 2);
  });
});

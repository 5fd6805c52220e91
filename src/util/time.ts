// Wall-clock milliseconds as ISO 8601 text (UTC), without Date (no runtime
// globals in the core): days to a civil date as in Howard Hinnant's
// days_from_civil inverse, valid for any date after 1970.

function pad(v: number, n: number): string {
  let s = "" + v;
  while (s.length < n) s = "0" + s;
  return s;
}

/** "2026-12-02T19:40:05.123Z" for `ms` since 1970. */
export function isoTime(ms: number): string {
  const t = Math.floor(ms);
  const days = Math.floor(t / 86400000);
  let rest = t - days * 86400000;
  // Shift to an era starting 0000-03-01 so leap days fall at a year's end.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const min = Math.floor(rest / 60000);
  rest -= min * 60000;
  const sec = Math.floor(rest / 1000);
  return (
    pad(y, 4) +
    "-" +
    pad(m, 2) +
    "-" +
    pad(d, 2) +
    "T" +
    pad(h, 2) +
    ":" +
    pad(min, 2) +
    ":" +
    pad(sec, 2) +
    "." +
    pad(rest - sec * 1000, 3) +
    "Z"
  );
}

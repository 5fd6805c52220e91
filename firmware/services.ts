// What the services (firmware/app-*.ts) share; only builds with one carry it.
import {
  EACCES,
  EADDRINUSE,
  ECONNREFUSED,
  ECONNRESET,
  EHOSTUNREACH,
  EINVAL,
  EMSGSIZE,
  ENETDOWN,
  ENETUNREACH,
  ENOSPC,
  ENOTCONN,
  EPIPE,
  ETIMEDOUT,
} from "../src/net/errno";
import type { Device } from "./device";

const ERRNO_NAMES: [number, string][] = [
  [EACCES, "EACCES"],
  [EADDRINUSE, "EADDRINUSE"],
  [ECONNREFUSED, "ECONNREFUSED"],
  [ECONNRESET, "ECONNRESET"],
  [EHOSTUNREACH, "EHOSTUNREACH"],
  [EINVAL, "EINVAL"],
  [EMSGSIZE, "EMSGSIZE"],
  [ENETDOWN, "ENETDOWN"],
  [ENETUNREACH, "ENETUNREACH"],
  [ENOSPC, "ENOSPC"],
  [ENOTCONN, "ENOTCONN"],
  [EPIPE, "EPIPE"],
  [ETIMEDOUT, "ETIMEDOUT"],
];

/** -errno as its name ("ECONNRESET"), for the program. */
export function errnoName(err: number): string {
  for (let i = 0; i < ERRNO_NAMES.length; i++) if (ERRNO_NAMES[i][0] === -err) return ERRNO_NAMES[i][1];
  return "errno " + -err;
}

/** Adds a service's stop to the device's list. */
export function addStop(dev: Device, stop: () => void): void {
  if (dev.stopServices === undefined) dev.stopServices = [];
  dev.stopServices.push(stop);
}

/** Stops the device's services (mDNS says goodbye) before its lease is released. */
export function stopServices(dev: Device): void {
  const list = dev.stopServices;
  if (list !== undefined) for (let i = 0; i < list.length; i++) list[i]();
}

// What the services (firmware/app-*.ts) share; only builds with one carry it.
import type { Device } from "./device";

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

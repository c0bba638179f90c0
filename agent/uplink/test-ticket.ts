import type { Clock } from '../../platform/clock.ts';
import type { Device } from '../devices/device.ts';
import type { Printer } from '../devices/printer-port.ts';
import { UplinkError } from './errors.ts';

/**
 * The print-test-ticket command on a built box: a `test` job queued on the configured
 * printer (`printer:` in the box configuration). Answered once queued: the printer's
 * queue survives paper-out and retries, and reports the job's fate in its own events.
 */
export function testTicketPrinter(o: { devices: ReadonlyMap<string, Device>; printerId: string | undefined; clubName: string; clock: Clock }): (jobId: string) => Promise<{ printer: string }> {
  return async (jobId) => {
    if (o.printerId === undefined) throw new UplinkError('UPLINK_NO_PRINTER', 'no printer configured on this box');
    const device = o.devices.get(o.printerId);
    if (device?.kind !== 'printer') throw new UplinkError('UPLINK_NO_PRINTER', `configured printer "${o.printerId}" is not a printer device of this box`);
    await (device as Printer).enqueue({ kind: 'test', jobId, clubName: o.clubName, at: o.clock.now() });
    return { printer: o.printerId };
  };
}

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { encode, type CommandResultMessage } from '../../protocol/mqtt/index.ts';
import type { Device } from '../devices/device.ts';
import { EscposPrinter } from '../devices/printer/escpos-printer.ts';
import { MockTransport } from '../transport/mock.ts';
import { CommandRunner } from './commands.ts';
import { testTicketPrinter } from './test-ticket.ts';

function setup(printerId: string | undefined) {
  const clock = new ManualClock();
  const printer = new EscposPrinter({ id: 'desk', transport: new MockTransport('desk'), clock, logger: silentLogger });
  const devices = new Map<string, Device>([['desk', printer]]);
  const results: CommandResultMessage[] = [];
  const runner = new CommandRunner({
    target: {
      openLane: () => Promise.reject(new Error('unused')),
      setLockdown: () => undefined,
      restartDevice: async () => undefined,
      restartAgent: () => undefined,
      diagnostics: () => ({}),
      printTestTicket: testTicketPrinter({ devices, printerId, clubName: 'Club Nord', clock }),
    },
    clock,
    logger: silentLogger,
    sendResult: (m) => results.push(m),
  });
  const send = (commandId: string) => runner.onMessage(encode('command', { v: 1, commandId, issuedAt: clock.now(), expiresAt: clock.now() + 1000, operator: 'bob', ticket: null, kind: 'print-test-ticket', args: {} }));
  return { printer, results, send };
}

describe('print-test-ticket on a box', () => {
  it('queues a test job on the configured printer and answers succeeded with the job id', async () => {
    const t = setup('desk');
    const queued: string[] = [];
    t.printer.onJob((jobId, state) => queued.push(`${jobId}:${state}`));
    await t.send('cmd-p1');
    expect(t.results).toMatchObject([{ commandId: 'cmd-p1', status: 'succeeded', output: { jobId: 'test-cmd-p1', printer: 'desk' }, error: null }]);
    expect(queued).toEqual(['test-cmd-p1:queued']);
    expect(t.printer.jobState('test-cmd-p1')).toBe('queued');
  });

  it('answers failed UPLINK_NO_PRINTER when the box has no printer configured', async () => {
    const t = setup(undefined);
    await t.send('cmd-p2');
    expect(t.results).toMatchObject([{ commandId: 'cmd-p2', status: 'failed', error: { code: 'UPLINK_NO_PRINTER' } }]);
  });

  it('answers failed UPLINK_NO_PRINTER when the configured printer is not a device of the box', async () => {
    const t = setup('lobby');
    await t.send('cmd-p3');
    expect(t.results).toMatchObject([{ commandId: 'cmd-p3', status: 'failed', error: { code: 'UPLINK_NO_PRINTER', message: expect.stringContaining('lobby') } }]);
    expect(t.printer.jobState('test-cmd-p3')).toBeUndefined();
  });
});

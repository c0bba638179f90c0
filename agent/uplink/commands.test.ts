import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { createTeeLogger, silentLogger } from '../../platform/log.ts';
import { encode, type CommandMessage, type CommandResultMessage } from '../../protocol/mqtt/index.ts';
import { CommandRunner, type CommandTarget } from './commands.ts';
import { LogRing } from './log-ring.ts';

function setup(extra: Partial<CommandTarget> = {}) {
  const clock = new ManualClock();
  const results: CommandResultMessage[] = [];
  const opened: { laneId: string; operator: string; note: string }[] = [];
  let restarts = 0;
  let release: () => void = () => undefined;
  const target: CommandTarget = {
    async openLane(laneId, _direction, operator, note) {
      // The turnstile takes a while: the clock may move meanwhile.
      await new Promise<void>((r) => (release = r));
      opened.push({ laneId, operator, note });
      return { seq: 42 };
    },
    setLockdown: () => undefined,
    restartDevice: async () => undefined,
    restartAgent: () => restarts++,
    diagnostics: () => ({ ok: true }),
    ...extra,
  };
  const runner = new CommandRunner({ target, clock, logger: silentLogger, sendResult: (m) => results.push(m) });
  const open = (id: string, expiresIn = 30_000): CommandMessage => ({ v: 1, commandId: id, issuedAt: clock.now(), expiresAt: clock.now() + expiresIn, operator: 'alice@support', ticket: 'SUP-1', kind: 'open-lane', args: { laneId: 'entry', direction: 'in', reason: 'badge broken' } });
  return { clock, results, opened, runner, open, release: () => release(), restarts: () => restarts };
}

describe('CommandRunner', () => {
  it('opens a lane with the operator, ticket and command id in the journal note, and answers succeeded', async () => {
    const t = setup();
    const done = t.runner.onMessage(encode('command', t.open('cmd-1')));
    await Promise.resolve();
    t.release();
    await done;
    expect(t.opened).toEqual([{ laneId: 'entry', operator: 'alice@support', note: 'badge broken [ticket SUP-1] [remote cmd-1]' }]);
    expect(t.results).toMatchObject([{ commandId: 'cmd-1', status: 'succeeded', output: { seq: 42 }, error: null }]);
  });

  it("runs the doctor with the fleet's rights version and the issue time, and answers with its report", async () => {
    const seen: unknown[] = [];
    const report = { v: 1 as const, startedAt: 0, durationMs: 5, checks: [{ kind: 'printer' as const, subject: 'printer', status: 'fail' as const, durationMs: 3000, code: 'DOCTOR_DEVICE_TIMEOUT', message: 'no answer within 3000 ms', facts: {} }] };
    const t = setup({ diagnose: async (request) => (seen.push(request), report) });
    const issuedAt = t.clock.now() - 200;
    await t.runner.onMessage(encode('command', { v: 1, commandId: 'cmd-doc', issuedAt, expiresAt: issuedAt + 60_000, operator: 'alice', ticket: null, kind: 'diagnose', args: { fleetRightsVersion: 7 } }));
    expect(seen).toEqual([{ fleetRightsVersion: 7, issuedAt }]);
    expect(t.results).toMatchObject([{ commandId: 'cmd-doc', status: 'succeeded', message: 'doctor: 1 checks, 1 failed, 0 warnings', output: report }]);
    const bare = setup();
    await bare.runner.onMessage(encode('command', { v: 1, commandId: 'cmd-doc2', issuedAt, expiresAt: issuedAt + 60_000, operator: 'alice', ticket: null, kind: 'diagnose', args: { fleetRightsVersion: null } }));
    expect(bare.results).toMatchObject([{ status: 'failed', error: { code: 'UPLINK_COMMAND_UNSUPPORTED' } }]);
  });

  it('answers expired, and does nothing, for a command that expired before it arrived', async () => {
    const t = setup();
    const command = t.open('cmd-2', 1000);
    t.clock.advance(1001);
    await t.runner.onMessage(encode('command', command));
    expect(t.opened).toEqual([]);
    expect(t.results).toMatchObject([{ commandId: 'cmd-2', status: 'expired', error: { code: 'UPLINK_COMMAND_EXPIRED' } }]);
  });

  it('runs a redelivered command once and repeats its result', async () => {
    const t = setup();
    const bytes = encode('command', { v: 1, commandId: 'cmd-3', issuedAt: t.clock.now(), expiresAt: t.clock.now() + 1000, operator: 'bob', ticket: null, kind: 'restart-agent', args: {} });
    await t.runner.onMessage(bytes);
    await t.runner.onMessage(bytes);
    expect(t.restarts()).toBe(1);
    expect(t.results.map((r) => [r.commandId, r.status])).toEqual([['cmd-3', 'succeeded'], ['cmd-3', 'succeeded']]);
  });

  it('rejects an invalid command it can identify, with the contract error code', async () => {
    const t = setup();
    await t.runner.onMessage(new TextEncoder().encode(JSON.stringify({ v: 1, commandId: 'cmd-4', kind: 'self-destruct' })));
    await t.runner.onMessage(new TextEncoder().encode('not json'));
    expect(t.results).toMatchObject([{ commandId: 'cmd-4', status: 'rejected', error: { code: 'MQTT_PAYLOAD_INVALID' } }]);
  });

  it('answers failed with a coded error when the box cannot do it', async () => {
    const t = setup();
    await t.runner.onMessage(encode('command', { v: 1, commandId: 'cmd-5', issuedAt: t.clock.now(), expiresAt: t.clock.now() + 1000, operator: 'bob', ticket: null, kind: 'print-test-ticket', args: {} }));
    expect(t.results).toMatchObject([{ commandId: 'cmd-5', status: 'failed', error: { code: 'UPLINK_COMMAND_UNSUPPORTED' } }]);
  });

  it('answers fetch-logs with the last lines the agent logged, newest last', async () => {
    const ring = new LogRing(100);
    const agentLogger = createTeeLogger('agent', { level: 'silent', base: { box: 'box-1' } }, ring);
    const t = setup({ fetchLogs: (lines) => Promise.resolve(ring.tail(lines)) });
    for (let i = 1; i <= 5; i++) agentLogger.info({ i }, `line ${i}`);
    agentLogger.debug('below the ring level');
    await t.runner.onMessage(encode('command', { v: 1, commandId: 'cmd-6', issuedAt: t.clock.now(), expiresAt: t.clock.now() + 1000, operator: 'bob', ticket: null, kind: 'fetch-logs', args: { lines: 3 } }));
    expect(t.results).toMatchObject([{ commandId: 'cmd-6', status: 'succeeded', error: null }]);
    const lines = (t.results[0]?.output as { lines: string[] }).lines;
    // The remote-command line itself is logged by the runner's own logger, not this one.
    expect(lines.map((l) => (JSON.parse(l) as { msg: string; box: string; component: string }).msg)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(JSON.parse(lines[2] ?? '{}')).toMatchObject({ component: 'agent', box: 'box-1', i: 5 });
  });

  it('answers fetch-logs failed UPLINK_COMMAND_UNSUPPORTED when the agent keeps no log buffer', async () => {
    const t = setup();
    await t.runner.onMessage(encode('command', { v: 1, commandId: 'cmd-7', issuedAt: t.clock.now(), expiresAt: t.clock.now() + 1000, operator: 'bob', ticket: null, kind: 'fetch-logs', args: { lines: 3 } }));
    expect(t.results).toMatchObject([{ commandId: 'cmd-7', status: 'failed', error: { code: 'UPLINK_COMMAND_UNSUPPORTED' } }]);
  });
});

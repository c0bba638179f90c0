import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, topicFor, type CommandMessage } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, nextMessage, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

/**
 * A test MQTT client plays the box: it decodes each command with the contract's decoder
 * and refuses one whose expiry has passed by its clock (the fleet's ManualClock, i.e. the
 * box and the fleet agree on time), as the agent must.
 */
describe('remote commands over MQTT', () => {
  let f: TestFleet;
  let box: MqttClient;
  const held: CommandMessage[] = [];
  let holdNext = false;

  const answer = (m: CommandMessage) => {
    const expired = f.clock.now() > m.expiresAt;
    const result = {
      v: 1 as const,
      commandId: m.commandId,
      status: expired ? ('expired' as const) : ('succeeded' as const),
      ts: f.clock.now(),
      message: expired ? 'command arrived after its expiry' : `done: ${m.kind}`,
      output: expired ? undefined : { kind: m.kind },
      error: expired ? { code: 'COMMAND_EXPIRED', message: 'expired before execution' } : null,
    };
    box.publish(topicFor('commandResult', 'box-cmd-1'), Buffer.from(encode('commandResult', result)), { qos: 1 }, () => undefined);
  };

  const show = async (id: string): Promise<Json> => (await f.call('viewer', 'GET', `/v1/commands/${id}`)).body;

  beforeAll(async () => {
    f = await startTestFleet();
    await f.call('admin', 'PUT', '/v1/clubs/club-c', { name: 'C', timezone: 'Europe/Paris' });
    const creds = await enrollBox(f, 'box-cmd-1', 'club-c');
    box = await connectBox(f.mqttUrl, 'box-cmd-1', creds.password);
    await box.subscribeAsync(topicFor('command', 'box-cmd-1'), { qos: 1 });
    box.on('message', (topic, payload) => {
      if (topic !== topicFor('command', 'box-cmd-1')) return;
      const decoded = decode('command', payload);
      if (!decoded.ok) throw new Error(decoded.error.message);
      if (holdNext) {
        holdNext = false;
        held.push(decoded.value);
        return;
      }
      answer(decoded.value);
    });
  });
  afterAll(async () => {
    await box.endAsync(true);
    await f.close();
  });

  it('delivers an open-lane command and stores the box answer: pending -> succeeded', async () => {
    const sent = await f.call('support', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'open-lane', args: { laneId: 'entry-1', direction: 'in', reason: 'badge broken' }, ttlSeconds: 30 }, { 'x-ticket': 'SUP-9' });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ kind: 'open-lane', status: 'pending', ticket: 'SUP-9', operator: expect.stringMatching(/^support-user#/) });
    const done = await eventually(async () => {
      const c = await show(sent.body.id);
      return c.status === 'pending' ? undefined : c;
    }, 'the command result');
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ status: 'succeeded', output: { kind: 'open-lane' } });
    const audit = await f.call('admin', 'GET', '/v1/audit?action=command.send');
    expect(audit.body.entries[0]).toMatchObject({ target: 'box-cmd-1', ticket: 'SUP-9', detail: expect.objectContaining({ commandId: sent.body.id, kind: 'open-lane' }) });
  });

  it('lets no viewer open a lane', async () => {
    const r = await f.call('viewer', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'open-lane', args: { laneId: 'entry-1', direction: 'in', reason: 'x' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('API_FORBIDDEN');
  });

  it('shows expired when the expiry passes without an answer', async () => {
    holdNext = true;
    const sent = await f.call('technician', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'restart-agent', args: {}, ttlSeconds: 10 });
    await eventually(() => (held.length === 1 ? true : undefined), 'the box to receive the command');
    expect((await show(sent.body.id)).status).toBe('pending');
    f.clock.advance(10_001);
    const shown = await show(sent.body.id);
    expect(shown.status).toBe('expired');
    expect(shown.result).toBeNull();
  });

  it('has the box refuse a command that reaches it after its expiry', async () => {
    holdNext = true;
    const sent = await f.call('technician', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'print-test-ticket', args: {}, ttlSeconds: 5 });
    await eventually(() => (held.length === 2 ? true : undefined), 'the box to receive the command');
    f.clock.advance(6_000);
    answer(held[1] as CommandMessage);
    const refused = await eventually(async () => {
      const c = await show(sent.body.id);
      return c.result ? c : undefined;
    }, 'the refusal');
    expect(refused.status).toBe('expired');
    expect(refused.result).toMatchObject({ status: 'expired', error: { code: 'COMMAND_EXPIRED' } });
  });

  it('refuses commands for unknown, pending and revoked boxes, and bad arguments, with codes', async () => {
    expect((await f.call('support', 'POST', '/v1/boxes/box-nope/commands', { kind: 'restart-agent', args: {} })).body.error.code).toBe('BOX_NOT_FOUND');
    await f.call('technician', 'POST', '/v1/boxes', { id: 'box-cmd-2', clubId: 'club-c' });
    expect((await f.call('support', 'POST', '/v1/boxes/box-cmd-2/commands', { kind: 'restart-agent', args: {} })).body.error.code).toBe('COMMAND_BOX_NOT_ACTIVE');
    const bad = await f.call('support', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'fetch-logs', args: { lines: 999_999 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('API_VALIDATION_FAILED');
    const unknownKind = await f.call('support', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'format-disk', args: {} });
    expect(unknownKind.body.error.code).toBe('API_VALIDATION_FAILED');
  });

  it('ignores a result for another box\'s command and a malformed result', async () => {
    const list = await f.call('viewer', 'GET', '/v1/boxes/box-cmd-1/commands');
    const before = list.body.commands.map((c: Json) => c.status);
    await box.publishAsync(topicFor('commandResult', 'box-cmd-1'), Buffer.from('{"v":1,"commandId":'), { qos: 1 });
    await box.publishAsync(
      topicFor('commandResult', 'box-cmd-1'),
      Buffer.from(encode('commandResult', { v: 1, commandId: 'cmd-000000000000000000000000', status: 'failed', ts: f.clock.now(), message: null, error: null })),
      { qos: 1 },
    );
    const ping = nextMessage(box, topicFor('command', 'box-cmd-1'));
    await f.call('support', 'POST', '/v1/boxes/box-cmd-1/commands', { kind: 'run-diagnostics', args: {} });
    await ping;
    const after = (await f.call('viewer', 'GET', '/v1/boxes/box-cmd-1/commands')).body.commands.slice(1).map((c: Json) => c.status);
    expect(after).toEqual(before);
  });

  it('audits each command with its kind and how it ended, filterable by box, actor and action', async () => {
    const audit = async (q: string): Promise<Json[]> => {
      const r = await f.call('support', 'GET', `/v1/audit?${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.entries;
    };
    const sent = await audit('action=command.send&boxId=box-cmd-1&limit=100');
    expect(sent.every((e) => e.target === 'box-cmd-1' && e.action === 'command.send')).toBe(true);
    const byKind = new Map(sent.filter((e) => e.command).map((e) => [e.command.kind, e.command]));
    expect(byKind.get('open-lane')).toMatchObject({ status: 'succeeded', error: null });
    expect(byKind.get('restart-agent')).toMatchObject({ status: 'expired', error: null });
    expect(byKind.get('print-test-ticket')).toMatchObject({ status: 'expired', error: expect.stringContaining('COMMAND_EXPIRED') });
    expect(sent.find((e) => e.command?.kind === 'open-lane')).toMatchObject({ outcome: 'done', ticket: 'SUP-9' });
    // A refused call is audited as refused, with no command.
    const [refused] = await audit('action=command.send&boxId=box-cmd-2');
    expect(refused).toMatchObject({ outcome: 'refused', command: null, detail: expect.objectContaining({ status: 409 }) });
    const actor = sent[0]?.actor as string;
    const mine = await audit(`actor=${encodeURIComponent(actor)}&limit=1000`);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.actor === actor)).toBe(true);
    const r = await f.call('support', 'GET', '/v1/audit?limit=1');
    expect(r.body.actions).toEqual(expect.arrayContaining(['alert.acknowledge', 'box.create', 'command.send', 'token.revoke']));
    expect(r.body.nextBefore).toBe(r.body.entries[0].id);
  });
});

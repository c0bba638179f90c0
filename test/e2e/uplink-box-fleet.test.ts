import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustableClock, enrollOn, memberWithBadge, startE2eBox, startFleetAt, until, zoneGym, type E2eBox, type E2eFleet } from '../support/uplink-e2e.ts';

/**
 * Agent + fleet in one process: the real fleet service (embedded aedes broker on an
 * ephemeral port, SQLite file, ingest, API) and a whole box (config, journal and rights
 * SQLite files, lanes, decide(), test reader and turnstile over mock transports) joined by
 * the real uplink over MQTT.
 */
describe('uplink end to end: badge, rights, commands', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-e2e-'));
  const clock = adjustableClock();
  let fleet: E2eFleet;
  let box: E2eBox;
  const boxId = 'box-e2e-1';
  const passes = async () => (await fleet.call('admin', 'GET', `/v1/passes?boxId=${boxId}`)).body.passes as { memberId: string | null; granted: boolean; outcome: string; operator?: string }[];
  const journal = () => box.box.journal.readAfter(0, 1000);

  beforeAll(async () => {
    fleet = await startFleetAt(join(dir, 'fleet'));
    const password = await enrollOn(fleet, boxId, 'club-e2e');
    expect((await fleet.call('admin', 'POST', '/v1/clubs/club-e2e/rights', { upserts: { zones: [zoneGym], ...memberWithBadge(1, '100001') } })).status).toBe(200);
    box = await startE2eBox({ dir: join(dir, 'box'), boxId, url: fleet.mqttUrl, password, clock });
    // The box asks for a snapshot at its first connect; the fleet then adds the ticket key the
    // box announced to the club's rights (a second version).
    await until(() => (box.box.rights.version() >= 2 ? true : undefined), 'the first rights snapshot and the box ticket key');
  }, 120_000);

  afterAll(async () => {
    await box?.stop();
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a badge at the reader becomes a pass visible through the fleet API, and the box reports health and state', async () => {
    box.badge(100001);
    const seen = await until(async () => {
      const list = await passes();
      return list.length > 0 ? list : undefined;
    }, 'the pass in the fleet API');
    expect(seen[0]).toMatchObject({ memberId: 'm-1', granted: true });
    const state = await until(async () => {
      const b = (await fleet.call('admin', 'GET', `/v1/boxes/${boxId}`)).body;
      return b.latestHealth && b.online ? b : undefined;
    }, 'a health report in the fleet');
    expect(state).toMatchObject({ agentVersion: '0.1.0-e2e', online: true });
    expect(state.devices.map((d: { deviceId: string }) => d.deviceId).sort()).toEqual(['reader-entry', 'tripod-entry']);
    // The fleet's ack moves the box's outbox cursor.
    await until(() => (box.box.journal.stats().ackedSeq === box.box.journal.stats().lastSeq ? true : undefined), 'the outbox cursor at the end');
  });

  it('a rights change through the API decides the next badge at the box', async () => {
    const before = journal().length;
    box.badge(100002);
    await until(() => (journal().length > before ? true : undefined), 'the denial journaled');
    expect(journal().at(-1)).toMatchObject({ outcome: 'denied', reason: 'unknown-credential' });

    const base = box.box.rights.version();
    const changed = await fleet.call('admin', 'POST', '/v1/clubs/club-e2e/rights', { upserts: memberWithBadge(2, '100002') });
    const next = base + 1;
    expect(changed.body).toMatchObject({ version: next, boxesNotified: 1 });
    await until(() => (box.box.rights.version() === next ? true : undefined), 'the delta applied at the box');
    const count = journal().length;
    // The EM4100 driver reports a tag once per presentation: let the first one end.
    await new Promise((r) => setTimeout(r, 1500));
    box.badge(100002);
    await until(() => (journal().length > count ? true : undefined), 'the grant journaled');
    expect(journal().at(-1)).toMatchObject({ outcome: 'passed', memberId: 'm-2', rightsVersion: next });
    // The box reported the version it decides with (retained rights/status, stored by ingest).
    await until(async () => ((await fleet.call('admin', 'GET', `/v1/boxes/${boxId}`)).body.rightsVersion === next ? true : undefined), 'the new rights/status in the fleet');
  });

  it('a remote open-lane is carried out and journaled as a manual pass with the operator and ticket', async () => {
    const sent = await fleet.call('admin', 'POST', `/v1/boxes/${boxId}/commands`, { kind: 'open-lane', args: { laneId: 'entry', direction: 'in', reason: 'badge forgotten' }, ticket: 'SUP-77', ttlSeconds: 600 });
    expect(sent.status).toBe(202);
    const id = sent.body.id ?? sent.body.commandId;
    const done = await until(async () => {
      const c = (await fleet.call('admin', 'GET', `/v1/commands/${id}`)).body;
      return c.status !== 'pending' ? c : undefined;
    }, 'the command result');
    expect(done.status).toBe('succeeded');
    const manual = journal().find((p) => p.outcome === 'manual' || p.reason === 'manual-open');
    expect(manual?.operator).toBeTruthy();
    expect(manual?.note).toContain('SUP-77');
  });

  it('a command that expired while the box was offline is answered expired and not carried out', async () => {
    await box.uplink.stop();
    const manualBefore = journal().filter((p) => p.reason === 'manual-open').length;
    const sent = await fleet.call('admin', 'POST', `/v1/boxes/${boxId}/commands`, { kind: 'open-lane', args: { laneId: 'entry', direction: 'in', reason: 'late' }, ttlSeconds: 60 });
    expect(sent.status).toBe(202);
    const id = sent.body.id ?? sent.body.commandId;
    // The box comes back two minutes later (its clock says so): the broker delivers the queued command.
    clock.offsetMs = 120_000;
    box.uplink.start();
    const done = await until(async () => {
      const c = (await fleet.call('admin', 'GET', `/v1/commands/${id}`)).body;
      return c.result ? c : undefined;
    }, 'the expired answer');
    expect(done.status).toBe('expired');
    expect(journal().filter((p) => p.reason === 'manual-open')).toHaveLength(manualBefore);
    clock.offsetMs = 0;
  });
});

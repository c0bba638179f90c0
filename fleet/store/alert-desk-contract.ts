/** The alert desk's part of the repository contract (sqlite-store.test.ts, pg-store.test.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetStore } from './repositories.ts';
import type { ContractStore } from './store-contract.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const key = (boxId: string) => ({ boxId, rule: 'box-offline', subject: boxId });

export function alertDeskContract(engine: string, open: () => Promise<ContractStore>): void {
  describe(`${engine} store: the alert desk`, () => {
  let c: ContractStore;
  let store: FleetStore;

  beforeEach(async () => {
    c = await open();
    store = c.store;
    await store.clubs.upsert({ id: 'club-1', name: 'One', timezone: 'Europe/Paris', openingHours: {} }, T0);
    await store.boxes.create({ id: 'box-a', clubId: 'club-1', status: 'active' }, T0);
    await store.boxes.create({ id: 'box-b', clubId: null, status: 'active' }, T0);
  });
  afterEach(() => c.dispose());

  const raise = async (boxId: string) => (await store.alerts.raise(key(boxId), { severity: 'warning', message: 'offline', detail: {} }, T0)).alert;

    it('acknowledges and assigns an alert, and reads it back with its box club', async () => {
      const a = await raise('box-a');
      expect(await store.alertDesk.acknowledge(a.id, 'tech@club', 'on it', T0 + 1)).toBe(true);
      expect(await store.alertDesk.assign(a.id, 'lea', T0 + 2)).toBe(true);
      expect(await store.alertDesk.acknowledge(a.id + 99, 'tech@club', null, T0)).toBe(false);
      expect((await store.alertDesk.handling([a.id])).get(a.id)).toEqual({ clubId: 'club-1', acknowledgedAt: T0 + 1, acknowledgedBy: 'tech@club', ackNote: 'on it', assignee: 'lea' });
      expect((await store.alertDesk.alertWithClub(a.id))?.clubId).toBe('club-1');
    });

    it('finds the silence covering a box, a rule or a club, and ends it', async () => {
      const desk = store.alertDesk;
      const club = await desk.addSilence({ scope: 'club', target: 'club-1', until: T0 + 60_000, note: null, createdBy: 't', createdAt: T0 });
      await desk.addSilence({ scope: 'rule', target: 'printer-paper', until: T0 + 120_000, note: null, createdBy: 't', createdAt: T0 });
      expect((await desk.silenceFor({ boxId: 'box-a', rule: 'box-offline', clubId: 'club-1' }, T0))?.id).toBe(club.id);
      expect(await desk.silenceFor({ boxId: 'box-b', rule: 'box-offline', clubId: null }, T0)).toBeUndefined();
      expect(await desk.silenceFor({ boxId: 'box-a', rule: 'box-offline', clubId: 'club-1' }, T0 + 60_000)).toBeUndefined();
      expect(await desk.endSilence(club.id, T0 + 10)).toBe(true);
      expect(await desk.endSilence(club.id, T0 + 20)).toBe(false);
      expect((await desk.activeSilences(T0 + 20)).map((s) => s.scope)).toEqual(['rule']);
    });

    it('queues one delivery per alert and matching subscription, however often it is asked', async () => {
      const desk = store.alertDesk;
      const every = await desk.addSubscription({ channel: 'webhook', target: 'http://hooks.example/a', secret: 's', role: null, clubId: null, createdAt: T0 });
      await desk.addSubscription({ channel: 'email', target: 'other@club.example', secret: null, role: null, clubId: 'club-2', createdAt: T0 });
      const a = await raise('box-a');
      expect(await desk.enqueue(a.id, 'club-1', T0)).toBe(1);
      expect(await desk.enqueue(a.id, 'club-1', T0 + 5)).toBe(0);
      const [d] = await desk.due(T0, 10);
      expect(d).toMatchObject({ alertId: a.id, subscriptionId: every.id, channel: 'webhook', status: 'pending', attempts: 0 });
      await desk.attemptFailed(d!.id, 'refused', null);
      expect(await desk.due(T0 + 1_000, 10)).toEqual([]);
      expect(await desk.deliveries({ status: 'failed', limit: 5 })).toMatchObject([{ id: d!.id, attempts: 1, lastError: 'refused' }]);
      expect(await desk.retry(d!.id, T0 + 2_000)).toBe(true);
      await desk.delivered(d!.id, T0 + 3_000);
      expect(await desk.deliveries({ alertId: a.id, limit: 5 })).toMatchObject([{ status: 'delivered', deliveredAt: T0 + 3_000 }]);
    });

    it('takes part in a store transaction: a rollback undoes what tx.alertDesk wrote', async () => {
      const a = await raise('box-a');
      await expect(
        store.transaction(async (tx) => {
          await tx.alertDesk.acknowledge(a.id, 'tech@club', null, T0 + 1);
          await tx.alertDesk.addSilence({ scope: 'box', target: 'box-a', until: T0 + 60_000, note: null, createdBy: 't', createdAt: T0 });
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect((await store.alertDesk.handling([a.id])).get(a.id)?.acknowledgedAt).toBeNull();
      expect(await store.alertDesk.activeSilences(T0)).toEqual([]);
    });
  });
}

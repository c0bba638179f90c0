import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { DeskAuth } from './desk-auth.ts';
import { DeskRoutes, sessionCookie } from './desk-routes.ts';
import type { PageBox } from './desk-state.ts';

const T = Date.UTC(2026, 0, 5, 21, 0);
const REFRESH_MS = 30_000;

/** A box whose figures the test sets: the people counted inside and the day's entries. */
function fakeBox(now: { inside: number; entries: number }, relayed: (() => void)[] = []): PageBox {
  return {
    boxId: 'club-1',
    boxName: 'Accueil',
    timeZone: 'Europe/Paris',
    laneSpecs: [{ id: 'entry', kind: 'entry', zone: 'club', turnstile: 'turnstile', readers: [{ reader: 'reader' }] }],
    deviceConfigs: [],
    devices: new Map(),
    lanes: { occupancy: () => now.inside, lane: () => ({ phase: 'idle' }), onRelayed: (l: () => void) => (relayed.push(l), () => void relayed.splice(relayed.indexOf(l), 1)) } as unknown as PageBox['lanes'],
    journal: { readAfter: () => [], stats: () => ({ lastSeq: 0 }), history: { figuresSince: () => ({ entries: now.entries, manualEntries: 0, refusals: {} }) } } as unknown as PageBox['journal'],
    rights: { view: () => ({ zone: () => ({ name: 'Club', timezone: 'Europe/Paris' }), member: () => undefined }), clubName: 'Club Test' } as unknown as PageBox['rights'],
    tickets: { countSince: () => ({ day: 0, guest: 0 }) } as unknown as PageBox['tickets'],
  };
}

/** An open event stream as the desk page holds it: the events it received, by name. */
function screen(): { res: ServerResponse; events: { event: string; data: unknown }[] } {
  const events: { event: string; data: unknown }[] = [];
  const res = Object.assign(new EventEmitter(), {
    writeHead: () => res,
    write(text: string) {
      const m = /^event: (\S+)\ndata: (.*)\n\n$/s.exec(text);
      if (m) events.push({ event: m[1] as string, data: JSON.parse(m[2] as string) });
      return true;
    },
    end: () => res,
  });
  return { res: res as unknown as ServerResponse, events };
}

describe('the desk screen without passes', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => void vi.useRealTimers());

  it('gets the occupancy and the figures again when time alone changes them, and nothing when they do not change', async () => {
    const clock = new ManualClock(T);
    const now = { inside: 3, entries: 7 };
    const auth = new DeskAuth('4821', clock);
    const login = auth.login('4821', 'Léa', '10.0.0.5');
    if (!login.ok) throw new Error(login.error.code);
    const desk = new DeskRoutes(fakeBox(now), auth, clock, 300, REFRESH_MS);
    const { res, events } = screen();
    const req = { method: 'GET', headers: { cookie: `${sessionCookie('club-1')}=${login.token}` } } as unknown as IncomingMessage;
    expect(await desk.handle(req, res, new URL('http://box/api/desk/events'))).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['state']);

    vi.advanceTimersByTime(REFRESH_MS); // the first refresh tells the screen what it shows
    const shown = events.length;
    vi.advanceTimersByTime(3 * REFRESH_MS);
    expect(events.length).toBe(shown);

    // The stays of the three people inside reach their maximum: nobody passes, the figure drops.
    now.inside = 0;
    clock.advance(REFRESH_MS);
    vi.advanceTimersByTime(REFRESH_MS);
    expect(events.slice(shown).find((e) => e.event === 'zones')?.data).toEqual([{ id: 'club', name: 'Club', inside: 0 }]);

    // Midnight: the day's figures start again.
    now.entries = 0;
    const before = events.length;
    vi.advanceTimersByTime(REFRESH_MS);
    expect(events.slice(before).find((e) => e.event === 'figures')?.data).toMatchObject({ entries: 0 });
    desk.close();
  });

  it('gets the figure at once when the club’s other boxes’ passages change it (no pass in this box’s journal)', async () => {
    const clock = new ManualClock(T);
    const now = { inside: 3, entries: 7 };
    const relayed: (() => void)[] = [];
    const auth = new DeskAuth('4821', clock);
    const login = auth.login('4821', 'Léa', '10.0.0.5');
    if (!login.ok) throw new Error(login.error.code);
    const desk = new DeskRoutes(fakeBox(now, relayed), auth, clock, 300, REFRESH_MS);
    const { res, events } = screen();
    const req = { method: 'GET', headers: { cookie: `${sessionCookie('club-1')}=${login.token}` } } as unknown as IncomingMessage;
    await desk.handle(req, res, new URL('http://box/api/desk/events'));
    now.inside = 4;
    for (const l of relayed) l();
    expect(events.find((e) => e.event === 'zones')?.data).toEqual([{ id: 'club', name: 'Club', inside: 4 }]);
    desk.close();
  });
});

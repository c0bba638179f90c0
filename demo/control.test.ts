import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.ts';
import type { ClubBox } from './club-box.ts';
import { startDemoControl, type DemoControl } from './control.ts';

/** A box with recording stand-ins for the parts the control acts on. */
function fakeBox(boxId: string) {
  const calls: string[] = [];
  const reader = (lane: string) => ({ present: (c: { tag: number }) => calls.push(`${lane} present ${c.tag}`), remove: () => calls.push(`${lane} remove`) });
  const box = {
    boxId,
    printer: { goSilent: (on: boolean) => calls.push(`printer silent ${on}`) },
    launcher: { start: () => calls.push('launcher start'), stop: async () => void calls.push('launcher stop') },
    readers: { entry: reader('entry'), exit: reader('exit') },
  } as unknown as ClubBox;
  return { box, calls };
}

let control: DemoControl | undefined;
afterEach(async () => {
  await control?.close();
  control = undefined;
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${control?.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('demo control surface', () => {
  it('silences a printer, powers a box off and on, holds a badge to a reader, on the loopback interface', async () => {
    const clock = new ManualClock();
    const a = fakeBox('lyon-01');
    control = await startDemoControl([a.box], { port: 0 }, clock);
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('POST', '/boxes/lyon-01/printer', { silent: true })).body).toEqual({ boxId: 'lyon-01', power: 'on', printer: { silent: true } });
    expect((await call('POST', '/boxes/lyon-01/power', { on: false })).body).toMatchObject({ power: 'off' });
    await call('POST', '/boxes/lyon-01/power', { on: false });
    await call('POST', '/boxes/lyon-01/power', { on: true });
    expect((await call('POST', '/boxes/lyon-01/badge', { lane: 'entry', tag: 10000111 })).body).toMatchObject({ presented: { lane: 'entry', tag: 10000111 } });
    clock.advance(400);
    expect(a.calls).toEqual(['printer silent true', 'launcher stop', 'launcher start', 'entry present 10000111', 'entry remove']);
    expect((await call('GET', '/boxes')).body).toEqual({ boxes: [{ boxId: 'lyon-01', power: 'on', printer: { silent: true } }] });
  });

  it('answers coded errors for an unknown box, a bad body and an unknown control', async () => {
    control = await startDemoControl([fakeBox('lyon-01').box], { port: 0 }, new ManualClock());
    expect(await call('POST', '/boxes/paris-9/printer', { silent: true })).toMatchObject({ status: 404, body: { error: { code: 'DEMO_BOX_UNKNOWN' } } });
    expect(await call('POST', '/boxes/lyon-01/printer', { silent: 'yes' })).toMatchObject({ status: 400, body: { error: { code: 'DEMO_BAD_REQUEST' } } });
    expect(await call('POST', '/boxes/lyon-01/badge', { lane: 'side', tag: 1 })).toMatchObject({ status: 400, body: { error: { code: 'DEMO_BAD_REQUEST' } } });
    expect((await fetch(`${control.url}/boxes/lyon-01/power`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect(await call('DELETE', '/boxes')).toMatchObject({ status: 404, body: { error: { code: 'DEMO_NOT_FOUND' } } });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ClubBox } from './club-box.ts';
import { startDemoControl } from './control.ts';

/** A box with recording stand-ins for the parts the printer and power routes act on. */
function fakeBox(boxId: string) {
  const calls: string[] = [];
  const box = {
    boxId,
    printer: { goSilent: (on: boolean) => calls.push(`printer silent ${on}`) },
    launcher: { start: () => calls.push('launcher start'), stop: async () => void calls.push('launcher stop') },
  } as unknown as ClubBox;
  return { box, calls };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function control(boxes: ClubBox[]) {
  const c = await startDemoControl({ boxes: () => boxes, fleet: { running: () => true, stop: async () => undefined, start: async () => undefined } }, 0);
  close = c.close;
  return async (path: string, body: unknown) => {
    const res = await fetch(`${c.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

describe('demo control surface: printer and power', () => {
  it('silences a box printer and powers a box off and on', async () => {
    const a = fakeBox('lyon-01');
    const post = await control([a.box]);
    expect(await post('/boxes/lyon-01/printer', { silent: true })).toEqual({ status: 200, body: { silent: true } });
    expect(await post('/boxes/lyon-01/power', { on: false })).toEqual({ status: 200, body: { on: false } });
    expect(await post('/boxes/lyon-01/power', { on: true })).toEqual({ status: 200, body: { on: true } });
    expect(await post('/boxes/lyon-01/printer', { silent: false })).toEqual({ status: 200, body: { silent: false } });
    expect(a.calls).toEqual(['printer silent true', 'launcher stop', 'launcher start', 'printer silent false']);
  });

  it('answers coded errors for an unknown box and a bad body, and changes nothing', async () => {
    const a = fakeBox('lyon-01');
    const post = await control([a.box]);
    expect(await post('/boxes/paris-9/printer', { silent: true })).toMatchObject({ status: 404, body: { error: { code: 'CONTROL_NO_BOX' } } });
    expect(await post('/boxes/lyon-01/printer', { silent: 'yes' })).toMatchObject({ status: 400, body: { error: { code: 'CONTROL_BAD_REQUEST' } } });
    expect(await post('/boxes/lyon-01/power', {})).toMatchObject({ status: 400, body: { error: { code: 'CONTROL_BAD_REQUEST' } } });
    expect(a.calls).toEqual([]);
  });
});

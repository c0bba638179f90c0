import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

/*
 * The dashboard's server side on a real fleet (SQLite file, embedded broker, HTTP on an
 * ephemeral port): static files under /ui/ and nothing else from disk, /v1/me per role,
 * and the change stream that tells a dashboard what to refetch.
 */
describe('fleet dashboard routes', () => {
  let f: TestFleet;
  let base: string;

  beforeAll(async () => {
    f = await startTestFleet();
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    const a = f.svc.api.server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    await f.close();
  });

  it('serves the dashboard files and refuses anything outside them', async () => {
    const index = await f.call(null, 'GET', '/ui/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.body).toContain('<script type="module" src="/ui/app.js">');
    const js = await f.call(null, 'GET', '/ui/app.js');
    expect(js.headers['content-type']).toContain('text/javascript');
    for (const path of ['/ui/..%2F..%2Fpackage.json', '/ui/../../package.json', '/ui/box/..%2F..%2Froutes.ts', '/ui/routes.ts', '/ui/live.ts', '/ui/nope.js', '/ui/vendor/uPlot.cjs.js']) expect((await f.call(null, 'GET', path)).status, path).toBe(404);
    // Section modules in a sub-folder, and the chart library from its package.
    expect((await f.call(null, 'GET', '/ui/box/sections.js')).body).toContain('export const SECTIONS');
    const uplot = await f.call(null, 'GET', '/ui/vendor/uPlot.esm.js');
    expect(uplot.headers['content-type']).toContain('text/javascript');
    expect(uplot.body).toContain('export { uPlot as default }');
    expect((await f.call(null, 'GET', '/')).headers.location).toBe('/ui/');
  });

  it('sends the browser security headers with every dashboard file (CSP, no framing, nosniff)', async () => {
    for (const path of ['/ui/', '/ui/app.js', '/ui/box/view.js', '/ui/nope.js']) {
      const res = await f.call(null, 'GET', path);
      expect(res.headers['content-security-policy'], path).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('tells each role who it is and what it may do', async () => {
    expect((await f.call(null, 'GET', '/v1/me')).status).toBe(401);
    const viewer = await f.call('viewer', 'GET', '/v1/me');
    expect(viewer.body).toMatchObject({ role: 'viewer' });
    expect(viewer.body.permissions).not.toContain('commands.send');
    const support = await f.call('support', 'GET', '/v1/me');
    expect(support.body.permissions).toEqual(expect.arrayContaining(['commands.send', 'passes.read', 'audit.read']));
  });

  it('streams a change notice naming what changed, only to authenticated callers', async () => {
    expect((await fetch(`${base}/v1/stream`)).status).toBe(401);
    expect((await f.call('admin', 'PUT', '/v1/clubs/club-live', { name: 'Live', timezone: 'Europe/Paris' })).status).toBeLessThan(300);
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/stream`, { headers: { authorization: `Bearer ${f.tokens.viewer}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += value;
      }
    };
    await until(/event: hello/);
    // A box is created (boxes change, and the audit log records it); nothing is sent before the next probe.
    expect((await f.call('technician', 'POST', '/v1/boxes', { id: 'box-live-1', clubId: 'club-live' })).status).toBe(201);
    f.clock.advance(1000);
    await until(/event: change\ndata: (.*)\n\n/);
    const topics = JSON.parse(/event: change\ndata: (.*)\n\n/.exec(text)?.[1] ?? '{}').topics as string[];
    expect(topics).toEqual(expect.arrayContaining(['boxes', 'audit']));
    expect(topics).not.toContain('passes');
    controller.abort();
  });
});

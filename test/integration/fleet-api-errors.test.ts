import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../fleet/api/errors.ts';
import { enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

describe('coded errors: validation, parsing, size, unknown routes; nothing crashes on bad bodies', () => {
  let f: TestFleet;
  beforeAll(async () => {
    f = await startTestFleet({ enrollmentRateLimit: { perKey: 100_000, total: 100_000, windowMs: 60_000 } });
    await f.call('admin', 'PUT', '/v1/clubs/club-e', { name: 'E', timezone: 'Europe/Paris' });
    await enrollBox(f, 'box-e-1', 'club-e');
  });
  afterAll(async () => {
    await f.close();
  });

  it('maps schema violations to 400 API_VALIDATION_FAILED with the field path', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/boxes', { id: 'Not A Box Id', clubId: 'club-e' }, 'body/id'],
      ['POST', '/v1/boxes', { id: 'box-e-9' }, 'body/clubId'],
      ['POST', '/v1/boxes', { id: 'box-e-9', clubId: 'club-e', extra: 1 }, 'body'],
      ['PUT', '/v1/boxes/box-e-1/tags', { tags: ['UPPER CASE'] }, 'body/tags/0'],
      ['POST', '/v1/boxes/box-e-1/commands', { kind: 'open-lane', args: { laneId: 'l1', direction: 'sideways', reason: 'x' } }, 'body'],
      ['POST', '/v1/tokens', { name: 'x', role: 'root' }, 'body/role'],
      ['GET', '/v1/boxes?limit=0', undefined, 'querystring/limit'],
      ['GET', '/v1/boxes/Bad_Id', undefined, 'params/boxId'],
      ['GET', '/v1/passes/export?from=10', undefined, 'querystring/to'],
    ];
    for (const [method, url, body, path] of cases) {
      const r = await f.call('admin', method, url, body);
      expect(r.status, `${method} ${url}`).toBe(400);
      expect(r.body.error.code).toBe('API_VALIDATION_FAILED');
      expect(r.body.error.message.startsWith(path), `${r.body.error.message} starts with ${path}`).toBe(true);
      expect(r.body.error.detail.issues[0].path.startsWith(path)).toBe(true);
    }
  });

  it('refuses a JSON body in a charset other than UTF-8 instead of reading it as UTF-8', async () => {
    const auth = { authorization: `Bearer ${f.tokens.admin}` };
    const utf16 = Buffer.from(JSON.stringify({ name: 'Club É', timezone: 'Europe/Paris' }), 'utf16le');
    const r = await f.svc.api.inject({ method: 'PUT', url: '/v1/clubs/club-cs', headers: { ...auth, 'content-type': 'application/json; charset=utf-16' }, payload: utf16 });
    expect(r.statusCode).toBe(415);
    expect(r.json().error).toMatchObject({ code: 'API_UNSUPPORTED_CHARSET', detail: { charset: 'utf-16' } });
    expect((await f.call('admin', 'GET', '/v1/clubs')).body.clubs.some((c: { id: string }) => c.id === 'club-cs')).toBe(false);
    const ok = await f.svc.api.inject({ method: 'POST', url: '/v1/tokens', headers: { ...auth, 'content-type': 'application/json; charset=UTF-8' }, payload: JSON.stringify({ name: 'Équipe', role: 'viewer' }) });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().info.name).toBe('Équipe');
  });

  it('refuses a token that would be created already expired', async () => {
    const past = await f.call('admin', 'POST', '/v1/tokens', { name: 'late', role: 'viewer', expiresAt: f.clock.now() - 1 });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe('TOKEN_EXPIRY_PAST');
    expect((await f.call('admin', 'POST', '/v1/tokens', { name: 'now', role: 'viewer', expiresAt: f.clock.now() })).body.error.code).toBe('TOKEN_EXPIRY_PAST');
    expect((await f.call('admin', 'POST', '/v1/tokens', { name: 'later', role: 'viewer', expiresAt: f.clock.now() + 60_000 })).status).toBe(201);
  });

  it('answers unreadable, wrongly typed, oversized bodies and unknown routes with their codes', async () => {
    const auth = { authorization: `Bearer ${f.tokens.admin}` };
    const inject = (o: InjectOptions) => f.svc.api.inject(o);
    const broken = await inject({ method: 'POST', url: '/v1/boxes', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"id": "box-' });
    expect([broken.statusCode, broken.json().error.code]).toEqual([400, 'API_BAD_REQUEST']);
    const text = await inject({ method: 'POST', url: '/v1/boxes', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'API_UNSUPPORTED_MEDIA_TYPE']);
    const huge = await inject({ method: 'POST', url: '/v1/boxes', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ id: 'box-x', clubId: 'c', name: 'x'.repeat(1_100_000) }) });
    expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'API_PAYLOAD_TOO_LARGE']);
    const nowhere = await inject({ method: 'GET', url: '/v1/nothing-here', headers: auth });
    expect([nowhere.statusCode, nowhere.json().error.code]).toEqual([404, 'API_NOT_FOUND']);
    // No body at all on an options-only route means no options; required fields still are.
    await inject({ method: 'POST', url: '/v1/boxes', headers: auth, payload: { id: 'box-e-2', clubId: 'club-e' } });
    expect((await inject({ method: 'POST', url: '/v1/boxes/box-e-2/revoke', headers: auth })).statusCode).toBe(200);
    const noBody = await inject({ method: 'POST', url: '/v1/tokens', headers: auth });
    expect([noBody.statusCode, noBody.json().error.message]).toEqual([400, 'body/name: must have required properties name, role']);
    const empty = await inject({ method: 'POST', url: '/v1/tokens', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(Object.keys(API_ERRORS)).toContain(empty.json().error.code);
  });

  it('never answers 5xx to random bodies on any state-changing route, and every error carries a catalog code', async () => {
    const doc = (await f.call(null, 'GET', '/openapi.json')).body;
    const targets: [string, string][] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        if (method !== 'post' && method !== 'put') continue;
        targets.push([method.toUpperCase(), path.replace('{boxId}', 'box-e-1').replace('{clubId}', 'club-e').replace('{enrollmentId}', 'enr_000000000000000000000000').replace('{tokenId}', 'tok_000000000000')]);
      }
    }
    expect(targets.length).toBeGreaterThan(10);
    const codes = new Set(Object.keys(API_ERRORS));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.jsonValue({ maxDepth: 3 }), async ([method, url], body) => {
        const r = await f.svc.api.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${f.tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        expect(r.statusCode, `${method} ${url} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
        if (r.statusCode >= 400) expect(codes.has(r.json().error.code)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('serves the OpenAPI JSON, the docs UI and Prometheus metrics', async () => {
    const doc = await f.call(null, 'GET', '/openapi.json');
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await f.svc.api.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    const metrics = await f.svc.api.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    for (const name of ['fleet_http_requests_total', 'fleet_http_request_duration_seconds', 'fleet_boxes_online', 'fleet_alerts_open', 'fleet_passes_ingested_total']) expect(metrics.body).toContain(name);
    expect(metrics.body).toMatch(/fleet_http_requests_total\{method="PUT",route="\/v1\/clubs\/:clubId",status="200"\} 1/);
  });
});

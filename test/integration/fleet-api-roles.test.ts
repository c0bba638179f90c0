import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiInstance } from '../../fleet/api/context.ts';
import { installRoutePolicy } from '../../fleet/api/route-policy.ts';
import type { Role } from '../../fleet/store/token-registry.ts';
import type { MqttClient } from 'mqtt';
import { decode, encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, ROLE_LIST, sha256Hex, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

interface RouteCase {
  /** Who may: V(iewer) T(echnician) S(upport) A(dmin), "-" for may not, or "public". */
  may: string;
  /** A request that succeeds for a permitted caller (fresh state made per call where needed). */
  make: () => Promise<{ url: string; body?: unknown; headers?: Record<string, string> }>;
  /** Audit action of a state-changing route. */
  audit?: string;
}

const uid = () => randomBytes(4).toString('hex');

describe('role checks on every route, audit rows for every state-changing call', () => {
  let f: TestFleet;
  let commandId = '';
  let doctorBox: MqttClient | undefined;
  const newPending = async (): Promise<string> => {
    const code = (await f.call('admin', 'POST', '/v1/enrollment-codes', { clubId: 'club-m' })).body.code;
    const r = await f.call(null, 'POST', '/v1/enrollments', { code, hardware: {}, agentVersion: '1', pollSecretHash: sha256Hex('poll-secret-0123456789') });
    return r.body.enrollmentId;
  };
  const newBox = async (): Promise<string> => {
    const id = `box-m-${uid()}`;
    await f.call('admin', 'POST', '/v1/boxes', { id, clubId: 'club-m' });
    return id;
  };
  let alertId = 0;
  const newSubscription = () => f.svc.api.ctx.desk.addSubscription({ channel: 'email', target: `x-${uid()}@club.example`, secret: null, role: null, clubId: 'club-none', createdAt: f.clock.now() });
  /** A delivery failed for good, for an alert of its own. */
  const failedDelivery = async (): Promise<number> => {
    const desk = f.svc.api.ctx.desk;
    const sub = await newSubscription();
    const { alert } = await f.svc.fleet.store.alerts.raise({ boxId: 'box-m-1', rule: `test-${uid()}`, subject: '' }, { severity: 'warning', message: 'test', detail: {} }, f.clock.now());
    await desk.enqueue(alert.id, 'club-none', f.clock.now());
    const d = (await desk.deliveries({ alertId: alert.id, limit: 5 })).find((x) => x.subscriptionId === sub.id) as { id: number };
    await desk.attemptFailed(d.id, 'refused', null);
    return d.id;
  };
  const range = `from=0&to=${Date.now() + 86_400_000}`;
  const octet = { 'content-type': 'application/octet-stream' };
  const rolloutBody = { name: 'role test', version: '1.2.3', targetName: 'role-test.tar.gz', hardware: 'rbx-a1', target: { boxes: ['box-m-1'] } };
  /** A fresh draft rollout over box-m-1 (earlier live ones cancelled, so box-m-1 is free), moved through `actions`. */
  const draft = async (...actions: ('start' | 'pause')[]): Promise<string> => {
    const engine = f.svc.api.ctx.rollouts;
    for (const r of await f.svc.api.ctx.rolloutStore.live()) if (r.state !== 'cancelled') await engine.act(r.id, 'cancel');
    const { id } = await engine.create({ ...rolloutBody, channel: 'stable', target: { boxes: ['box-m-1'], clubs: [], tags: [] }, canary: 0, percents: [100], successThresholdPct: 100, errorThresholdPct: 10, maxAttempts: 1, jobTimeoutMs: 60_000, prefetch: false, maintenance: { outsideOpeningHours: false, idleMinutes: null } }, 'test', null);
    for (const a of actions) await engine.act(id, a);
    return id;
  };

  /** A declared upload of the 6 bytes "bundle" (sent whole when `sent`); its id. */
  const upload = async (sent: boolean): Promise<string> => {
    const id = (await f.call('admin', 'POST', '/v1/updates/uploads', { name: `u-${uid()}.tar.gz`, length: 6, sha256: sha256Hex('bundle') })).body.uploadId as string;
    if (sent) await f.call('admin', 'PUT', `/v1/updates/uploads/${id}`, Buffer.from('bundle'), { ...octet, 'content-range': 'bytes 0-5/6' });
    return id;
  };

  const ROUTES: Record<string, RouteCase> = {
    'GET /v1/boxes': { may: 'VTSA', make: async () => ({ url: '/v1/boxes?clubId=club-m&status=active' }) },
    'GET /v1/box-facets': { may: 'VTSA', make: async () => ({ url: '/v1/box-facets' }) },
    'GET /v1/boxes/{boxId}': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1' }) },
    'POST /v1/boxes': { may: '-T-A', audit: 'box.create', make: async () => ({ url: '/v1/boxes', body: { id: `box-n-${uid()}`, clubId: 'club-m' } }) },
    'POST /v1/boxes/{boxId}/enrollment-code': { may: '-T-A', audit: 'box.enrollment-code', make: async () => ({ url: '/v1/boxes/box-m-1/enrollment-code', body: {} }) },
    'PUT /v1/boxes/{boxId}/tags': { may: '-T-A', audit: 'box.tags', make: async () => ({ url: '/v1/boxes/box-m-1/tags', body: { tags: ['pilot'] } }) },
    'POST /v1/boxes/{boxId}/revoke': { may: '-T-A', audit: 'box.revoke', make: async () => ({ url: `/v1/boxes/${await newBox()}/revoke`, body: {} }) },
    'GET /v1/boxes/{boxId}/health': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1/health' }) },
    'GET /v1/boxes/{boxId}/commands': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1/commands' }) },
    'POST /v1/boxes/{boxId}/commands': { may: '-TSA', audit: 'command.send', make: async () => ({ url: '/v1/boxes/box-m-1/commands', body: { kind: 'open-lane', args: { laneId: 'l1', direction: 'in', reason: 'test' } } }) },
    'GET /v1/commands/{commandId}': { may: 'VTSA', make: async () => ({ url: `/v1/commands/${commandId}` }) },
    'POST /v1/enrollments': {
      may: 'public',
      audit: 'enrollment.present',
      make: async () => ({ url: '/v1/enrollments', body: { code: (await f.call('admin', 'POST', '/v1/enrollment-codes', { clubId: 'club-m' })).body.code, hardware: {}, agentVersion: '1', pollSecretHash: sha256Hex('poll-secret-0123456789') } }),
    },
    'POST /v1/enrollments/{enrollmentId}/poll': { may: 'public', make: async () => ({ url: `/v1/enrollments/${await newPending()}/poll`, body: { pollSecret: 'poll-secret-0123456789' } }) },
    'GET /v1/enrollments': { may: 'VTSA', make: async () => ({ url: '/v1/enrollments?status=pending' }) },
    'GET /v1/enrollments/{enrollmentId}': { may: 'VTSA', make: async () => ({ url: `/v1/enrollments/${await newPending()}` }) },
    'POST /v1/enrollments/{enrollmentId}/accept': { may: '-T-A', audit: 'enrollment.accept', make: async () => ({ url: `/v1/enrollments/${await newPending()}/accept`, body: {} }) },
    'POST /v1/enrollments/{enrollmentId}/reject': { may: '-T-A', audit: 'enrollment.reject', make: async () => ({ url: `/v1/enrollments/${await newPending()}/reject`, body: {} }) },
    'POST /v1/enrollment-codes': { may: '-T-A', audit: 'enrollment-code.create', make: async () => ({ url: '/v1/enrollment-codes', body: { clubId: 'club-m' } }) },
    'GET /v1/events': { may: 'VTSA', make: async () => ({ url: '/v1/events?clubId=club-m' }) },
    'GET /v1/alerts': { may: 'VTSA', make: async () => ({ url: '/v1/alerts?status=open' }) },
    'GET /v1/passes': { may: '--SA', make: async () => ({ url: '/v1/passes?clubId=club-m' }) },
    'GET /v1/passes/export': { may: '--SA', make: async () => ({ url: `/v1/passes/export?${range}&format=csv` }) },
    'GET /v1/reports/card-sharing': { may: '--SA', make: async () => ({ url: `/v1/reports/card-sharing?${range}` }) },
    'GET /v1/reports/entry-exit': { may: '--SA', make: async () => ({ url: `/v1/reports/entry-exit?${range}&clubId=club-m` }) },
    'GET /v1/reports/passes-per-hour': { may: '--SA', make: async () => ({ url: `/v1/reports/passes-per-hour?from=0&to=${30 * 86_400_000}&clubId=club-m` }) },
    'GET /v1/clubs': { may: 'VTSA', make: async () => ({ url: '/v1/clubs' }) },
    'PUT /v1/clubs/{clubId}': { may: '---A', audit: 'club.upsert', make: async () => ({ url: `/v1/clubs/club-${uid()}`, body: { name: 'New', timezone: 'Europe/Paris' } }) },
    'GET /v1/clubs/{clubId}/rights': { may: '--SA', make: async () => ({ url: '/v1/clubs/club-m/rights' }) },
    'POST /v1/clubs/{clubId}/rights': { may: '---A', audit: 'rights.upsert', make: async () => ({ url: '/v1/clubs/club-m/rights', body: { upserts: { members: [{ id: `m-${uid()}`, displayName: 'X', subscriptionEnd: null, blockingAlerts: [] }] } } }) },
    'GET /v1/tokens': { may: '---A', make: async () => ({ url: '/v1/tokens' }) },
    'POST /v1/tokens': { may: '---A', audit: 'token.create', make: async () => ({ url: '/v1/tokens', body: { name: 'ci', role: 'viewer' } }) },
    'POST /v1/tokens/{tokenId}/revoke': { may: '---A', audit: 'token.revoke', make: async () => ({ url: `/v1/tokens/${(await f.svc.api.ctx.tokens.create('tmp', 'viewer', f.clock.now())).row.id}/revoke`, body: {} }) },
    'GET /v1/audit': { may: '--SA', make: async () => ({ url: '/v1/audit?limit=5' }) },
    'PUT /v1/updates/artifacts/{name}': { may: '--SA', audit: 'artifact.upload', make: async () => ({ url: `/v1/updates/artifacts/b-${uid()}.tar.gz`, body: Buffer.from('bundle'), headers: octet }) },
    'PUT /v1/updates/metadata/{name}': { may: '--SA', audit: 'repository.metadata', make: async () => ({ url: '/v1/updates/metadata/timestamp.json', body: Buffer.from('{}'), headers: octet }) },
    'GET /v1/updates/artifacts': { may: 'VTSA', make: async () => ({ url: '/v1/updates/artifacts' }) },
    'POST /v1/updates/uploads': { may: '--SA', audit: 'artifact.upload-start', make: async () => ({ url: '/v1/updates/uploads', body: { name: `u-${uid()}.tar.gz`, length: 6, sha256: sha256Hex('bundle') } }) },
    'PUT /v1/updates/uploads/{uploadId}': { may: '--SA', make: async () => ({ url: `/v1/updates/uploads/${await upload(false)}`, body: Buffer.from('bundle'), headers: { ...octet, 'content-range': 'bytes 0-5/6' } }) },
    'POST /v1/updates/uploads/{uploadId}/complete': { may: '--SA', audit: 'artifact.upload', make: async () => ({ url: `/v1/updates/uploads/${await upload(true)}/complete`, body: {} }) },
    'GET /v1/updates/releases': { may: 'VTSA', make: async () => ({ url: '/v1/updates/releases' }) },
    'GET /v1/updates/hardware': { may: 'VTSA', make: async () => ({ url: '/v1/updates/hardware' }) },
    'GET /repository/metadata/{name}': { may: 'public', make: async () => ({ url: '/repository/metadata/timestamp.json' }) },
    'GET /repository/targets/{name}': { may: 'public', make: async () => ({ url: '/repository/targets/role-test.tar.gz' }) },
    'POST /v1/rollouts': { may: '--SA', audit: 'rollout.create', make: async () => ({ url: '/v1/rollouts', body: rolloutBody }) },
    'GET /v1/rollouts': { may: 'VTSA', make: async () => ({ url: '/v1/rollouts?state=draft' }) },
    'GET /v1/rollouts/{rolloutId}': { may: 'VTSA', make: async () => ({ url: `/v1/rollouts/${await draft()}` }) },
    'GET /v1/rollouts/{rolloutId}/boxes': { may: 'VTSA', make: async () => ({ url: `/v1/rollouts/${await draft()}/boxes` }) },
    'POST /v1/rollouts/{rolloutId}/start': { may: '--SA', audit: 'rollout.start', make: async () => ({ url: `/v1/rollouts/${await draft()}/start`, body: {} }) },
    'POST /v1/rollouts/{rolloutId}/pause': { may: '--SA', audit: 'rollout.pause', make: async () => ({ url: `/v1/rollouts/${await draft('start')}/pause`, body: {} }) },
    'POST /v1/rollouts/{rolloutId}/resume': { may: '--SA', audit: 'rollout.resume', make: async () => ({ url: `/v1/rollouts/${await draft('start', 'pause')}/resume`, body: {} }) },
    'POST /v1/rollouts/{rolloutId}/cancel': { may: '--SA', audit: 'rollout.cancel', make: async () => ({ url: `/v1/rollouts/${await draft()}/cancel`, body: {} }) },
    'POST /v1/rollouts/{rolloutId}/retry-failed': {
      may: '--SA',
      audit: 'rollout.retry-failed',
      make: async () => {
        const id = await draft('start');
        await f.svc.api.ctx.rolloutStore.updateBox(id, 'box-m-1', { state: 'failed' }, f.clock.now());
        return { url: `/v1/rollouts/${id}/retry-failed`, body: {} };
      },
    },
    'GET /v1/boxes/{boxId}/updates': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1/updates' }) },
    'GET /v1/me': { may: 'VTSA', make: async () => ({ url: '/v1/me' }) },
    'POST /v1/alerts/{alertId}/acknowledge': { may: '-TSA', audit: 'alert.acknowledge', make: async () => ({ url: `/v1/alerts/${alertId}/acknowledge`, body: { note: 'on it' } }) },
    'POST /v1/alerts/{alertId}/assign': { may: '-TSA', audit: 'alert.assign', make: async () => ({ url: `/v1/alerts/${alertId}/assign`, body: { assignee: 'alice' } }) },
    'GET /v1/silences': { may: 'VTSA', make: async () => ({ url: '/v1/silences' }) },
    'POST /v1/silences': { may: '-TSA', audit: 'silence.create', make: async () => ({ url: '/v1/silences', body: { scope: 'box', target: 'box-m-1', minutes: 5 } }) },
    'POST /v1/silences/{silenceId}/end': { may: '-TSA', audit: 'silence.end', make: async () => ({ url: `/v1/silences/${(await f.svc.api.ctx.desk.addSilence({ scope: 'rule', target: 'x', until: f.clock.now() + 60_000, note: null, createdBy: 't', createdAt: f.clock.now() })).id}/end`, body: {} }) },
    'GET /v1/notification-subscriptions': { may: '---A', make: async () => ({ url: '/v1/notification-subscriptions' }) },
    'POST /v1/notification-subscriptions': { may: '---A', audit: 'notification.subscribe', make: async () => ({ url: '/v1/notification-subscriptions', body: { channel: 'email', target: `oncall-${uid()}@club.example`, role: 'technician' } }) },
    'POST /v1/notification-subscriptions/{subscriptionId}/remove': { may: '---A', audit: 'notification.unsubscribe', make: async () => ({ url: `/v1/notification-subscriptions/${(await newSubscription()).id}/remove`, body: {} }) },
    'GET /v1/notification-deliveries': { may: 'VTSA', make: async () => ({ url: '/v1/notification-deliveries?status=failed' }) },
    'POST /v1/notification-deliveries/{deliveryId}/retry': { may: '---A', audit: 'notification.retry', make: async () => ({ url: `/v1/notification-deliveries/${await failedDelivery()}/retry`, body: {} }) },
    'GET /v1/boxes/{boxId}/config': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1/config' }) },
    'PUT /v1/boxes/{boxId}/config': { may: '-TSA', audit: 'config.set', make: async () => ({ url: '/v1/boxes/box-m-1/config', body: { config: { box: { id: 'box-m-1' } } } }) },
    'GET /v1/members': { may: '--SA', make: async () => ({ url: '/v1/members?q=role' }) },
    'GET /v1/members/{memberId}': { may: '--SA', make: async () => ({ url: '/v1/members/m-role' }) },
    'POST /v1/boxes/{boxId}/doctor': { may: '-TSA', audit: 'box.doctor', make: async () => ({ url: '/v1/boxes/box-m-doc/doctor', body: {} }) },
    'GET /v1/boxes/{boxId}/doctor': { may: 'VTSA', make: async () => ({ url: '/v1/boxes/box-m-1/doctor' }) },
    'GET /v1/boxes/{boxId}/timeline': { may: '--SA', make: async () => ({ url: `/v1/boxes/box-m-1/timeline?from=${f.clock.now() - 86_400_000}&to=${f.clock.now()}` }) },
    'POST /v1/boxes/{boxId}/bundle': { may: '--SA', audit: 'ticket.bundle', make: async () => ({ url: '/v1/boxes/box-m-1/bundle', body: { from: f.clock.now() - 3_600_000, to: f.clock.now() } }) },
  };
  /** Registered but outside the matrix, with the reason. */
  const LONG_LIVED = new Set(['GET /v1/stream']); // never answers a permitted caller; its 401 is checked below
  /** In the matrix, left out of the OpenAPI document: the dashboard's own. */
  const HIDDEN = ['GET /v1/me'];
  const PUBLIC_PAGES = ['GET /', 'GET /ui', 'GET /ui/*', 'GET /openapi.json', 'GET /metrics', 'GET /healthz', 'GET /readyz'];
  /** fastify's `/a/:b` as OpenAPI's `/a/{b}`. */
  const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

  beforeAll(async () => {
    // Many enrollment requests from one test client: the limiter is tested in fleet-enrollment.
    f = await startTestFleet({ enrollmentRateLimit: { perKey: 100_000, total: 100_000, windowMs: 60_000 } });
    await f.call('admin', 'PUT', '/v1/clubs/club-m', { name: 'M', timezone: 'Europe/Paris' });
    await enrollBox(f, 'box-m-1', 'club-m');
    commandId = (await f.call('admin', 'POST', '/v1/boxes/box-m-1/commands', { kind: 'run-diagnostics', args: {} })).body.id;
    alertId = (await f.svc.fleet.store.alerts.raise({ boxId: 'box-m-1', rule: 'role-test', subject: '' }, { severity: 'warning', message: 'role test', detail: {} }, f.clock.now())).alert.id;
    await f.call('admin', 'POST', '/v1/clubs/club-m/rights', { upserts: { members: [{ id: 'm-role', displayName: 'Role Member', subscriptionEnd: null, blockingAlerts: [] }] } });
    // A connected box that answers the doctor (the doctor refuses offline boxes).
    doctorBox = await answeringBox(f, 'box-m-doc', 'club-m');
    await f.call('admin', 'PUT', '/v1/updates/artifacts/role-test.tar.gz', Buffer.from('bundle'), octet);
    await f.call('admin', 'PUT', '/v1/updates/metadata/timestamp.json', Buffer.from('{}'), octet);
  });
  afterAll(async () => {
    await doctorBox?.endAsync(true);
    await f.close();
  });

  it('the table covers every route of the OpenAPI document, and every documented route has schemas', async () => {
    const doc = (await f.call(null, 'GET', '/openapi.json')).body;
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        documented.push(`${method.toUpperCase()} ${path}`);
        expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${method} ${path} response schema`).toBe(true);
        expect(op.responses['400'], `${method} ${path} error schema`).toBeDefined();
        if (method === 'post' || method === 'put') expect(op.requestBody, `${method} ${path} body schema`).toBeDefined();
      }
    }
    expect(documented.sort()).toEqual(Object.keys(ROUTES).filter((k) => !HIDDEN.includes(k)).sort());
  });

  it('every registered route declared a permission or public, and each is in the matrix or a known public page', () => {
    const registered = f.svc.api.routes.filter((r) => r.method !== 'HEAD');
    const docs = registered.filter((r) => r.url === '/docs' || r.url.startsWith('/docs/'));
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((r) => r.permission === 'public')).toBe(true);
    const rest = registered.filter((r) => !docs.includes(r)).map((r) => ({ key: `${r.method} ${openApiPath(r.url)}`, permission: r.permission }));
    for (const r of rest) {
      if (r.permission === 'public') expect([...PUBLIC_PAGES, ...Object.keys(ROUTES).filter((k) => ROUTES[k]!.may === 'public')], `public route ${r.key}`).toContain(r.key);
      else expect(ROUTES[r.key] ?? LONG_LIVED.has(r.key), `route ${r.key} (${r.permission}) is not in the matrix`).toBeTruthy();
    }
    expect(rest.map((r) => r.key).sort()).toEqual([...Object.keys(ROUTES), ...PUBLIC_PAGES, ...LONG_LIVED].sort());
  });

  it('every non-public registered route refuses a caller without a token', async () => {
    for (const r of f.svc.api.routes.filter((x) => x.permission !== 'public' && x.method !== 'HEAD')) {
      const url = r.url.replace(/:[A-Za-z]+/g, 'x').replace('*', 'x');
      const res = await f.call(null, r.method, url, r.method === 'GET' ? undefined : {});
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('a route without a permission is refused at registration', async () => {
    const app = Fastify();
    const routes = installRoutePolicy(app as unknown as ApiInstance, ['/docs']);
    app.get('/v1/open', { config: { permission: 'public' } }, async () => 'x');
    app.get('/docs/page', async () => 'x');
    app.get('/v1/guarded', { config: { permission: 'fleet.read' } }, async () => 'x');
    expect(() => app.get('/v1/hidden', async () => 'x')).toThrow(/GET \/v1\/hidden declares no permission/);
    expect(() => app.get('/v1/typo', { config: { permission: 'fleet.reed' as never } }, async () => 'x')).toThrow(/declares no permission/);
    expect(routes.filter((r) => r.method === 'GET').map((r) => `${r.url} ${r.permission}`)).toEqual(['/v1/open public', '/docs/page public', '/v1/guarded fleet.read']);
    await app.close();
  });

  const letter: Record<Role, string> = { viewer: 'V', technician: 'T', support: 'S', admin: 'A' };
  for (const [route, c] of Object.entries(ROUTES)) {
    it(`${route}: ${c.may}`, async () => {
      const [method, path] = route.split(' ') as [string, string];
      for (const role of ROLE_LIST) {
        const req = await c.make();
        const allowed = c.may === 'public' || c.may.includes(letter[role]);
        const res = await f.call(role, method, req.url, req.body, { 'x-ticket': `T-${role}`, ...req.headers });
        if (!allowed) {
          expect(res.status, `${role} on ${route}`).toBe(403);
          expect(res.body.error.code).toBe('API_FORBIDDEN');
        } else expect(res.status, `${role} on ${route}: ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(300);
        if (c.audit && c.may !== 'public') {
          const row = (await f.call('admin', 'GET', `/v1/audit?action=${c.audit}&ticket=T-${role}&limit=1`)).body.entries[0];
          expect(row, `audit row of ${role} on ${route}`).toMatchObject({ actorRole: role, action: c.audit, ticket: `T-${role}`, detail: expect.objectContaining({ status: res.status }) });
        }
      }
      if (c.may !== 'public') {
        const anonReq = await c.make();
        const anon = await f.call(null, method, anonReq.url, anonReq.body, anonReq.headers);
        expect(anon.status, `no token on ${path}`).toBe(401);
        expect(anon.body.error.code).toBe('API_UNAUTHENTICATED');
      }
    });
  }

  it('public state changes are audited with the client address', async () => {
    const req = await ROUTES['POST /v1/enrollments']!.make();
    const res = await f.call(null, 'POST', req.url, req.body);
    const row = (await f.call('admin', 'GET', `/v1/audit?action=enrollment.present&target=${res.body.enrollmentId}`)).body.entries[0];
    expect(row).toMatchObject({ actor: expect.stringMatching(/^public@/), actorRole: null, detail: expect.objectContaining({ status: 202 }) });
  });

  it('a revoked or unknown token is refused', async () => {
    const { token, row } = await f.svc.api.ctx.tokens.create('gone', 'admin', f.clock.now());
    expect((await f.svc.api.inject({ method: 'GET', url: '/v1/boxes', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    await f.call('admin', 'POST', `/v1/tokens/${row.id}/revoke`, {});
    expect((await f.svc.api.inject({ method: 'GET', url: '/v1/boxes', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await f.svc.api.inject({ method: 'GET', url: '/v1/boxes', headers: { authorization: 'Bearer rbx_not-a-real-token-at-all' } })).statusCode).toBe(401);
    expect((await f.svc.api.inject({ method: 'GET', url: '/v1/boxes', headers: { authorization: `Basic ${token}` } })).statusCode).toBe(401);
  });
});

/** An enrolled box, connected and online, that answers every `diagnose` with an empty doctor report. */
async function answeringBox(f: TestFleet, boxId: string, clubId: string): Promise<MqttClient> {
  const { password } = await enrollBox(f, boxId, clubId);
  const client = await connectBox(f.mqttUrl, boxId, password);
  await client.subscribeAsync(topicFor('command', boxId), { qos: 1 });
  client.on('message', (topic, payload) => {
    const m = decode('command', payload);
    if (topic !== topicFor('command', boxId) || !m.ok) return;
    const output = { v: 1, startedAt: f.clock.now(), durationMs: 1, checks: [] };
    client.publish(topicFor('commandResult', boxId), Buffer.from(encode('commandResult', { v: 1, commandId: m.value.commandId, status: 'succeeded', ts: f.clock.now(), message: 'ok', output, error: null })), { qos: 1 });
  });
  client.publish(topicFor('state', boxId), Buffer.from(encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.0.0', bootId: 'boot-doc', ts: f.clock.now() })), { qos: 1, retain: true });
  await eventually(async () => ((await f.call('admin', 'GET', `/v1/boxes/${boxId}`)).body.online ? true : undefined), `${boxId} online`);
  return client;
}

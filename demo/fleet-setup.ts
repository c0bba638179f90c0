import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { installTrustAnchor } from '../agent/update/trust-anchor.ts';
import type { FleetApi } from '../fleet/api/app.ts';
import type { DemoClub } from './topology.ts';

type Json = Record<string, unknown>;

/** Calls the fleet API in-process (fastify inject): the same routes, auth and audit as HTTP. */
export function apiCaller(api: FleetApi, token: string) {
  return async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await api.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'x-ticket': 'DEMO-SETUP' }, ...(body === undefined ? {} : { payload: body as Json }) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {} };
  };
}
export type ApiCall = ReturnType<typeof apiCaller>;

/** The admin token kept in the data folder (0600) so that a restarted demo prints the same one. */
export async function demoAdminToken(api: FleetApi, file: string, now: number): Promise<string> {
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (saved && (await api.ctx.tokens.authenticate(saved, now))) return saved;
  const token = (await api.ctx.tokens.create('demo-admin', 'admin', now)).token;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Extra tokens for the other roles, so the dashboard's role-dependent actions can be tried. */
export async function demoRoleTokens(api: FleetApi, now: number): Promise<Record<'viewer' | 'support', string>> {
  return { viewer: (await api.ctx.tokens.create('demo-viewer', 'viewer', now)).token, support: (await api.ctx.tokens.create('demo-support', 'support', now)).token };
}

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** What the demo's box side keeps from its enrollment. */
export interface EnrolledFiles {
  /** The MQTT credentials file (0600). */
  readonly credentialsFile: string;
  /** The box's root: the trust anchor goes to <root>/trust/root.json. */
  readonly boxRoot: string;
  readonly hardware: string;
  readonly agentVersion: string;
}

/**
 * Enrolls a box the way a real one does (code, presentation with a poll-secret hash,
 * technician acceptance, poll that delivers the MQTT secret and the update repository's
 * root) and keeps the secret in the box's credentials file and the root as its trust
 * anchor. A box enrolled by an earlier run keeps its credentials.
 */
export async function enrollDemoBox(call: ApiCall, boxId: string, name: string, clubId: string, files: EnrolledFiles): Promise<void> {
  const existing = await call('GET', `/v1/boxes/${boxId}`);
  if (existing.status === 200 && existing.body.status === 'active' && existsSync(files.credentialsFile)) return;
  const issued = existing.status === 200 ? await call('POST', `/v1/boxes/${boxId}/enrollment-code`, {}) : await call('POST', '/v1/boxes', { id: boxId, clubId, name, tags: ['demo'] });
  const code = (issued.body.enrollment as { code?: string } | undefined)?.code ?? (issued.body.code as string | undefined);
  if (!code) throw new Error(`enrollment code for ${boxId}: ${issued.status} ${JSON.stringify(issued.body)}`);
  const secret = randomBytes(32).toString('base64url');
  const presented = await call('POST', '/v1/enrollments', { code, boxId, hardware: { model: files.hardware }, agentVersion: files.agentVersion, pollSecretHash: sha256Hex(secret) });
  if (presented.status !== 202) throw new Error(`enrollment of ${boxId}: ${presented.status} ${JSON.stringify(presented.body)}`);
  const id = presented.body.enrollmentId as string;
  await call('POST', `/v1/enrollments/${id}/accept`, {});
  const polled = await call('POST', `/v1/enrollments/${id}/poll`, { pollSecret: secret });
  const credentials = polled.body.credentials as { username: string; password: string } | undefined;
  if (!credentials) throw new Error(`credentials of ${boxId}: ${polled.status} ${JSON.stringify(polled.body)}`);
  if (!polled.body.trustRoot) throw new Error(`enrollment of ${boxId}: the fleet delivered no trust root (no update repository)`);
  await installTrustAnchor(files.boxRoot, polled.body.trustRoot);
  writeFileSync(files.credentialsFile, JSON.stringify({ username: credentials.username, password: credentials.password }), { mode: 0o600 });
}

const DAY = 86_400_000;

/** Creates the club and pushes its members and rights (one rights version per demo start). */
export async function seedClub(call: ApiCall, club: DemoClub, now: number): Promise<void> {
  const put = await call('PUT', `/v1/clubs/${club.id}`, { name: club.name, timezone: 'Europe/Paris' });
  if (put.status >= 300) throw new Error(`club ${club.id}: ${put.status} ${JSON.stringify(put.body)}`);
  const zone = {
    id: 'club',
    name: 'Club',
    timezone: 'Europe/Paris',
    capacity: null,
    // Open round the clock: '24:00' ends the day (with '23:59' the last minute of every day was closed).
    periods: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' })),
    exceptions: [],
    antiPassback: 'none',
    antiPassbackMinutes: null,
    minReentryMinutes: null,
    bookingWindow: null,
  };
  const members = club.members.map((m) => ({ id: m.id, displayName: m.name, subscriptionEnd: m.expired ? now - DAY : now + 365 * DAY, blockingAlerts: [] }));
  const credentials = club.members.map((m) => ({ id: `badge-${m.id}`, memberId: m.id, kind: 'badge', value: String(m.badge), validFrom: null, validTo: null }));
  const rights = club.members.map((m) => ({ id: `sub-${m.id}`, memberId: m.id, kind: 'subscription', zoneIds: ['club'], validFrom: now - 30 * DAY, validTo: m.expired ? now - DAY : now + 365 * DAY, visitsLeft: null, maxEntriesPerDay: null }));
  const pushed = await call('POST', `/v1/clubs/${club.id}/rights`, { upserts: { zones: [zone], members, credentials, rights } });
  if (pushed.status >= 300) throw new Error(`rights of ${club.id}: ${pushed.status} ${JSON.stringify(pushed.body)}`);
}

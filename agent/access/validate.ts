import { localTime, parseTimeOfDay } from './local-time.ts';
import type { RightsDeletes, RightsRecords } from './model.ts';

/**
 * Field checks of a snapshot or delta before it touches the store (the MQTT layer checks
 * the JSON shape; this checks what the rules depend on). Returns the first problem found,
 * as a path and a reason, or undefined. Cross-record integrity (unknown member, duplicate
 * credential) is left to SQLite's constraints inside the apply transaction.
 */
export function findInvalidRecord(records: Partial<RightsRecords>): string | undefined {
  const checks: [string, readonly unknown[] | undefined, (r: Rec) => string | undefined][] = [
    ['members', records.members, (r) => id(r.id)],
    ['credentials', records.credentials, credentialProblem],
    ['zones', records.zones, zoneProblem],
    ['rights', records.rights, rightProblem],
    ['alerts', records.alerts, (r) => id(r.id) ?? id(r.memberId, 'memberId') ?? optNumber(r.from, 'from') ?? optNumber(r.to, 'to')],
    ['bookings', records.bookings, (r) => id(r.id) ?? id(r.memberId, 'memberId') ?? id(r.zoneId, 'zoneId') ?? number(r.startsAt, 'startsAt')],
    ['qrKeys', records.qrKeys, (r) => id(r.keyId, 'keyId') ?? (typeof r.publicKey === 'string' ? undefined : 'publicKey: not a string')],
  ];
  for (const [kind, list, check] of checks) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${kind}: not a list`;
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      const problem = typeof item === 'object' && item !== null ? check(item as Rec) : 'not an object';
      if (problem !== undefined) return `${kind}[${i}]: ${problem}`;
    }
  }
  return undefined;
}

export function findInvalidDeletes(deletes: RightsDeletes): string | undefined {
  for (const [kind, ids] of Object.entries(deletes) as [string, unknown][]) {
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) return `deletes.${kind}: not a list of ids`;
  }
  return undefined;
}

type Rec = Record<string, unknown>;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function credentialProblem(r: Rec): string | undefined {
  if (r.kind !== 'badge' && r.kind !== 'pin' && r.kind !== 'qr') return 'kind: not badge, pin or qr';
  return id(r.id) ?? id(r.memberId, 'memberId') ?? id(r.value, 'value');
}

function zoneProblem(r: Rec): string | undefined {
  const basic = id(r.id) ?? (typeof r.name === 'string' ? undefined : 'name: not a string');
  if (basic !== undefined) return basic;
  if (typeof r.timezone !== 'string' || localTime(0, r.timezone) === undefined) return 'timezone: unknown';
  if (!Array.isArray(r.periods) || !Array.isArray(r.exceptions)) return 'periods/exceptions: not lists';
  for (const p of r.periods as Rec[]) {
    if (!Number.isInteger(p.weekday) || (p.weekday as number) < 1 || (p.weekday as number) > 7) return 'periods: weekday not 1..7';
    if (parseTimeOfDay(p.from as string) === undefined || parseTimeOfDay(p.to as string) === undefined) return 'periods: time not HH:MM';
  }
  for (const e of r.exceptions as Rec[]) {
    if (typeof e.date !== 'string' || !ISO_DATE.test(e.date)) return 'exceptions: date not YYYY-MM-DD';
    if (e.kind !== 'open' && e.kind !== 'closed') return 'exceptions: kind not open or closed';
    for (const t of [e.from, e.to]) if (t !== undefined && parseTimeOfDay(t as string) === undefined) return 'exceptions: time not HH:MM';
  }
  const apb = r.antiPassback as Rec | undefined;
  if (apb !== undefined && apb.mode !== 'none' && apb.mode !== 'strict' && !(apb.mode === 'timed' && number(apb.minutes, '') === undefined)) {
    return 'antiPassback: not none, strict or timed with minutes';
  }
  const booking = r.booking as Rec | undefined;
  if (booking !== undefined && (number(booking.beforeMinutes, '') ?? number(booking.afterMinutes, '')) !== undefined) {
    return 'booking: beforeMinutes/afterMinutes not numbers';
  }
  return optNumber(r.capacity, 'capacity') ?? optNumber(r.minReentryMinutes, 'minReentryMinutes');
}

function rightProblem(r: Rec): string | undefined {
  const basic = id(r.id) ?? id(r.memberId, 'memberId');
  if (basic !== undefined) return basic;
  if (r.kind !== 'subscription' && r.kind !== 'pack') return 'kind: not subscription or pack';
  if (!Array.isArray(r.zoneIds) || r.zoneIds.some((z) => typeof z !== 'string')) return 'zoneIds: not a list of ids';
  for (const d of [r.validFrom, r.validTo]) if (typeof d !== 'string' || !ISO_DATE.test(d)) return 'validity: date not YYYY-MM-DD';
  if (r.kind === 'pack' && number(r.visitsLeft, 'visitsLeft') !== undefined) return 'visitsLeft: a pack needs a number';
  return optNumber(r.visitsCountedUntil, 'visitsCountedUntil') ?? optNumber(r.maxEntriesPerDay, 'maxEntriesPerDay');
}

function id(v: unknown, name = 'id'): string | undefined {
  return typeof v === 'string' && v.length > 0 ? undefined : `${name}: not a non-empty string`;
}

function number(v: unknown, name: string): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? undefined : `${name}: not a finite number`;
}

function optNumber(v: unknown, name: string): string | undefined {
  return v === undefined ? undefined : number(v, name);
}

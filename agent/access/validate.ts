import { Compile } from 'typebox/compile';
import { RightsData, RightsDeletes } from '../../protocol/mqtt/index.ts';
import { localTime } from './local-time.ts';

/**
 * Checks a snapshot's data or a delta's upserts/deletes before they touch the store: the
 * contract schema (so a caller that skipped the MQTT decoder is still safe), then what the
 * rules need beyond it. Returns the first problem as "path: reason", or undefined.
 * Cross-record integrity (unknown member, duplicate credential) is left to SQLite's
 * constraints inside the apply transaction.
 */
const dataValidator = Compile(RightsData);
const deletesValidator = Compile(RightsDeletes);

export function findInvalidData(data: unknown): string | undefined {
  if (!dataValidator.Check(data)) return firstError(dataValidator.Errors(data));
  for (const [i, zone] of (data as RightsData).zones.entries()) {
    if (localTime(0, zone.timezone) === undefined) return `/zones/${i}/timezone: unknown time zone ${zone.timezone}`;
    if (zone.antiPassback === 'timed' && zone.antiPassbackMinutes === null) return `/zones/${i}/antiPassbackMinutes: timed anti-passback needs minutes`;
  }
  return undefined;
}

export function findInvalidDeletes(deletes: unknown): string | undefined {
  return deletesValidator.Check(deletes) ? undefined : firstError(deletesValidator.Errors(deletes));
}

function firstError(errors: readonly { instancePath: string; message: string; keyword: string }[]): string {
  const leaf = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0];
  return leaf === undefined ? 'does not match the rights schema' : `${leaf.instancePath || '/'}: ${leaf.message}`;
}

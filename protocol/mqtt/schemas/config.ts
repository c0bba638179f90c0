import Type from 'typebox';
import { EpochMs, NonNegInt, V } from './common.ts';

/**
 * `config/desired`, QoS 1, retained, fleet -> box: settings support may change remotely
 * (a partial box configuration: health interval, log level, offline policy...).
 */
export const ConfigDesiredMessage = Type.Object({
  v: V,
  version: NonNegInt,
  issuedAt: EpochMs,
  config: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()),
});
export type ConfigDesiredMessage = Type.Static<typeof ConfigDesiredMessage>;

/** `config/reported`, QoS 1, retained, box -> fleet: the version applied, or why not. */
export const ConfigReportedMessage = Type.Object({
  v: V,
  version: NonNegInt,
  appliedAt: EpochMs,
  status: Type.Enum(['applied', 'rejected'] as const),
  errors: Type.Array(Type.Object({ path: Type.String({ maxLength: 200 }), message: Type.String({ maxLength: 300 }) }), { maxItems: 50 }),
});
export type ConfigReportedMessage = Type.Static<typeof ConfigReportedMessage>;

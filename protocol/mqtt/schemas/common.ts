import Type from 'typebox';

/** Building blocks shared by every message of the contract. */

/** Every payload carries the schema version; a breaking change bumps it. */
export const SCHEMA_VERSION = 1 as const;
export const V = Type.Literal(SCHEMA_VERSION, { description: 'Schema version of this payload.' });

export const BOX_ID_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
export const BoxId = Type.String({ pattern: BOX_ID_PATTERN, description: 'Box identifier, also its MQTT username.' });

/** Identifiers made by either side (uuid, ulid, database ids): no spaces, no MQTT wildcards. */
export const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' });

export const EpochMs = Type.Integer({ minimum: 0, description: 'Unix time in milliseconds.' });
export const NonNegInt = Type.Integer({ minimum: 0 });
/**
 * A journal sequence number. JSON numbers above 2^53 - 1 are rounded when parsed, so two
 * passes could share a seq and one be dropped as a duplicate: refused instead.
 */
export const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Journal sequence, 1 to 2^53 - 1.' });
export const ShortText = Type.String({ maxLength: 500 });
export const Direction = Type.Union([Type.Literal('in'), Type.Literal('out')]);
export const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const CodedErrorSchema = Type.Object({ code: Type.String({ maxLength: 80 }), message: ShortText });

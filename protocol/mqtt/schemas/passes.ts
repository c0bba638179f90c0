import Type from 'typebox';
import { EXPLANATION_CUT_CODES } from '../../access/explanation.ts';
import { REASON_CODES } from '../../access/reasons.ts';
import { Direction, EpochMs, Id, Nullable, NonNegInt, Seq, V } from './common.ts';
import { PassagePart } from './occupancy.ts';

export const PASS_OUTCOMES = ['passed', 'not-passed', 'denied', 'manual', 'emergency', 'forced'] as const;
export type PassOutcome = (typeof PASS_OUTCOMES)[number];

const ExplainedInstant = Type.Object({ at: Type.Number(), local: Nullable(Type.String({ maxLength: 40 })) });

/**
 * Why a box decided as it did (protocol/access/explanation.ts, docs/mqtt-contract.md): the
 * rules evaluated in order with their outcome and facts. The envelope is checked here; the
 * facts of each rule are typed in protocol/access/explanation.ts and kept open here, so a
 * newer box's facts stay readable. At most MAX_EXPLANATION_BYTES once encoded: a box cuts
 * its own (`truncated`), and the fleet cuts one that arrives larger.
 */
export const ExplanationSchema = Type.Object({
  v: Type.Integer({ minimum: 1 }),
  rightsVersion: NonNegInt,
  at: Nullable(ExplainedInstant),
  tz: Nullable(Type.String({ maxLength: 64 })),
  rules: Type.Array(
    Type.Object({
      rule: Type.String({ minLength: 1, maxLength: 32 }),
      outcome: Type.Enum(['pass', 'fail', 'skip'] as const),
      facts: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    { maxItems: 16 },
  ),
  truncated: Type.Optional(Type.Enum(EXPLANATION_CUT_CODES)),
});
export type ExplanationMessage = Type.Static<typeof ExplanationSchema>;

/**
 * One journaled pass. `seq` is the box's monotonic journal sequence: the fleet stores
 * passes by (box, seq), so a pass sent twice is stored once.
 */
export const Pass = Type.Object({
  seq: Seq,
  /** When the outcome was known (passage confirmed, timed out, refused). */
  ts: EpochMs,
  /** When the credential was decided (equal to ts for denials). */
  decidedAt: EpochMs,
  laneId: Type.String({ minLength: 1, maxLength: 64 }),
  direction: Direction,
  outcome: Type.Enum(PASS_OUTCOMES),
  /** Why: a code of protocol/access/reasons.ts ('granted' also for a granted pass that was not used). */
  reason: Type.Enum(REASON_CODES),
  memberId: Nullable(Type.String({ maxLength: 64 })),
  credential: Type.Object({
    /** `qr`: a member's signed QR token; `ticket`: a printed ticket (day or guest pass, signed by a box). */
    kind: Type.Union([Type.Literal('badge'), Type.Literal('pin'), Type.Literal('qr'), Type.Literal('ticket'), Type.Literal('none')]),
    /** Truncated SHA-256 of the canonical credential: never the badge number itself. */
    hash: Nullable(Type.String({ pattern: '^[0-9a-f]{8,64}$' })),
  }),
  rightsVersion: Nullable(NonNegInt),
  rightId: Nullable(Type.String({ maxLength: 64 })),
  /** Front-desk or remote operator for manual opens. */
  operator: Nullable(Type.String({ maxLength: 120 })),
  note: Nullable(Type.String({ maxLength: 500 })),
  latencyUs: Nullable(NonNegInt),
  /** Every refusal and a sampled share of grants; absent on rows no rule decided (manual, emergency, forced). */
  explanation: Type.Optional(Nullable(ExplanationSchema)),
  /** Present when a person went through (schemas/occupancy.ts): the zone, and the ticket if one was used. */
  passage: Type.Optional(PassagePart),
});
export type Pass = Type.Static<typeof Pass>;

export const MAX_PASSES_PER_BATCH = 500;

/** `passes`, QoS 1: a batch in journal order (seq strictly increasing). */
export const PassBatch = Type.Object({
  v: V,
  batchId: Id,
  passes: Type.Array(Pass, { minItems: 1, maxItems: MAX_PASSES_PER_BATCH }),
});
export type PassBatch = Type.Static<typeof PassBatch>;

/**
 * `passes/ack`, QoS 1, fleet -> box, sent only after the batch's transaction committed.
 * The box advances its outbox cursor to `lastSeq`.
 */
export const PassAck = Type.Object({
  v: V,
  batchId: Id,
  firstSeq: Seq,
  lastSeq: Seq,
  /** Rows newly stored; `duplicates` were already there (a re-sent batch). */
  stored: NonNegInt,
  duplicates: NonNegInt,
  ts: EpochMs,
});
export type PassAck = Type.Static<typeof PassAck>;

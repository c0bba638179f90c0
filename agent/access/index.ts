/**
 * The access surface the lanes use: the rights store (SQLite, versioned) and the pure
 * decide() rules engine with its state types. See docs/access-rules.md.
 */
export type * from './model.ts';
export type * from './types.ts';
export type { RightsError, RightsErrorCode } from './errors.ts';
export type { AppliedVersion, RightsStatus, RightsStoreOptions, SnapshotProgress } from './store.ts';
export { RightsStore } from './store.ts';
export { decide } from './decide.ts';
export { rightsViewOf } from './view.ts';
export { emptyDecisionState } from './state.ts';
export type { ReasonCode, DecisionReasonCode } from '../../protocol/access/reasons.ts';
export { REASON_CODES, REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
export type { Explanation, RuleTrace, ExplainedInstant } from '../../protocol/access/explanation.ts';

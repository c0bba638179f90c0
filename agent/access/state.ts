import type { DecisionState, RightsView } from './types.ts';

/** A decision state with no lane history yet (box start, tests). */
export function emptyDecisionState(rights: RightsView): DecisionState {
  return { rights, occupancy: new Map(), lastPass: new Map(), recentEntries: new Map(), usedQrNonces: new Set() };
}

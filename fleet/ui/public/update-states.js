import { esc, pill } from './html.js';

/** A rollout box state (fleet/rollouts/machine.ts BOX_STATES) as a coloured label. */
export const updateStatePill = (state) => pill(state, state === 'succeeded' ? 'ok' : state === 'failed' || state === 'rolled-back' ? 'bad' : state === 'skipped' ? '' : 'warn');

/** A rollout state (ROLLOUT_STATES) as a coloured label. */
export const rolloutStatePill = (state) => pill(state, state === 'completed' ? 'ok' : state === 'halted' || state === 'cancelled' ? 'bad' : state === 'draft' ? '' : 'warn');

/** An update error: the box's (or the fleet's) plain-language message, the code as a detail. */
export const errorText = (error) => (error ? `${esc(error.message ?? '')} <span class="muted code">${esc(error.code ?? '')}</span>` : '');

import type { Decision, DecisionState, LaneContext, LaneKind } from '../access/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Credential, CredentialPresented, Reader } from '../devices/reader.ts';
import type { Direction, PassageOutcome, Turnstile, TurnstileEvent } from '../devices/turnstile-port.ts';
import type { LocalFacts, Pass, PassRecord } from '../journal/pass-record.ts';
import { credentialHash } from './credential-hash.ts';
import { Debouncer } from './debounce.ts';
import type { EmergencyState } from './emergency.ts';
import type { GrantSampler } from './grant-sampler.ts';
import { INITIAL_LANE_STATE, transition, type LaneEffect, type LaneEvent, type LaneRecord, type LaneState, type ManualOpenRequest, type Verdict } from './lane-machine.ts';
import { emergencySwitchRecord, toPassRecord, type DecisionFacts } from './pass-mapper.ts';
import type { EmergencyChange } from './emergency.ts';
import type { PassageMemory } from './passage-memory.ts';

/** A lane as configured: its readers (each facing one way), its turnstile, its zone. */
export interface LaneSpec {
  readonly id: string;
  readonly kind: LaneKind;
  readonly zone: string;
  readonly turnstile: string;
  readonly readers: readonly { readonly reader: string; readonly direction: Direction }[];
}

export type DecideFn = (credential: Credential, lane: LaneContext, now: number, state: DecisionState) => Decision;

/** Where lane outcomes go: the pass journal (resolves once the row is on disk). */
export interface PassSink {
  /** `local`: what the lanes need to rebuild their memory after a restart (never published). */
  append(pass: PassRecord, local?: LocalFacts): Promise<Pass>;
}

export interface LaneDeps {
  readonly spec: LaneSpec;
  readonly readers: readonly Reader[];
  readonly turnstile: Turnstile;
  readonly decide: DecideFn;
  readonly memory: PassageMemory;
  readonly emergency: EmergencyState;
  readonly journal: PassSink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Repeated reads of one credential within this window are dropped (see debounce.ts). */
  readonly debounceMs: number;
  /**
   * Safety net: a passage with no outcome from the turnstile after this long ends as
   * refused (a driver bug must not keep the lane busy for ever); a late outcome is dropped.
   * Set it above the turnstile's own passage window. Default 30 s.
   */
  readonly passageGuardMs?: number;
  /**
   * Called once each row of this lane is on disk, with the decision behind it (the
   * composition root records pack visits for confirmed passages).
   */
  readonly onRecorded?: (pass: Pass, decision: Decision | undefined) => void;
  /** Which grants carry their explanation (refusals always do); none without it. */
  readonly grantSampler?: GrantSampler;
}

export type ManualOpenResult = { readonly kind: 'recorded'; readonly pass: Pass } | { readonly kind: 'busy' };

/**
 * How long each chunk of a reader frame still arriving holds the turnstile's status polls:
 * renewed at every chunk, it only has to bridge the gap to the next byte (~1 ms at 9600
 * baud) and the decision, with margin. The driver bounds the total (MAX_POLL_HOLD_MS).
 */
export const FRAME_HOLD_MS = 10;

/**
 * The lane controller: feeds reader and turnstile events to the lane state machine
 * (lane-machine.ts) one at a time and carries out the effects it returns.
 */
export class Lane {
  private state: LaneState = INITIAL_LANE_STATE;
  private readonly queue: LaneEvent[] = [];
  private dispatching = false;
  private readonly debouncer: Debouncer;
  private readonly directions = new Map<string, Direction>();
  private readonly readers = new Map<string, Reader>();
  private readonly pendingManual = new Map<number, (result: ManualOpenResult) => void>();
  private nextRequestId = 1;
  /** The facts of the decision in flight: one passage per lane, so one slot. */
  private decisionFacts: DecisionFacts | undefined;
  private unsubscribe: (() => void)[] = [];
  private readonly log: Logger;
  /** Numbers the opens, so that only the outcome of the passage in flight is taken. */
  private openCount = 0;

  constructor(private readonly deps: LaneDeps) {
    this.debouncer = new Debouncer(deps.debounceMs);
    this.log = deps.logger.child({ lane: deps.spec.id });
    for (const r of deps.spec.readers) this.directions.set(r.reader, r.direction);
    for (const reader of deps.readers) this.readers.set(reader.id, reader);
  }

  get id(): string {
    return this.deps.spec.id;
  }

  get phase(): LaneState['phase'] {
    return this.state.phase;
  }

  start(): void {
    for (const reader of this.readers.values()) {
      this.unsubscribe.push(reader.onCredential((e) => this.onCredential(e)));
      // A frame on its way: keep the turnstile bus free for the unlock that may follow.
      const held = reader.onFrameStart?.(() => this.deps.turnstile.holdPolls?.(FRAME_HOLD_MS));
      if (held) this.unsubscribe.push(held);
    }
    this.unsubscribe.push(this.deps.turnstile.onEvent((e) => this.onTurnstileEvent(e)));
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /**
   * Front-desk open: journaled like any pass, with the operator and their reason, and the
   * member it lets through when staff named one.
   */
  manualOpen(operator: string, reason: string, direction: Direction = this.defaultDirection(), memberId?: string): Promise<ManualOpenResult> {
    const request: ManualOpenRequest = { requestId: this.nextRequestId++, operator, reason, direction, requestedAt: this.deps.clock.now(), ...(memberId === undefined ? {} : { memberId }) };
    return new Promise((resolve) => {
      this.pendingManual.set(request.requestId, resolve);
      this.dispatch({ kind: 'manual-open', request });
    });
  }

  /** Journals an emergency mode switch on this lane's journal line. */
  recordEmergencySwitch(change: EmergencyChange): void {
    this.append(emergencySwitchRecord(change, this.deps.spec.id, this.defaultDirection(), this.deps.clock.now()), undefined);
  }

  private defaultDirection(): Direction {
    return this.deps.spec.kind === 'exit' ? 'out' : 'in';
  }

  private onCredential(event: CredentialPresented): void {
    const direction = this.directions.get(event.readerId);
    if (direction === undefined) return;
    const hash = credentialHash(event.credential);
    if (this.debouncer.isDuplicate(hash, event.at)) {
      this.log.debug({ credentialHash: hash, reader: event.readerId }, 'duplicate read dropped');
      return;
    }
    this.dispatch({ kind: 'credential', presentation: { readerId: event.readerId, direction, credential: event.credential, hash, at: event.at } });
  }

  private onTurnstileEvent(event: TurnstileEvent): void {
    switch (event.kind) {
      case 'forced-passage':
        this.dispatch({ kind: 'forced', direction: event.direction, at: event.at });
        return;
      case 'fire-alarm':
        this.deps.emergency.setFireAlarm(`turnstile:${this.deps.turnstile.id}`, event.active);
        return;
      case 'out-of-service':
        this.log.warn({ turnstile: this.deps.turnstile.id, active: event.active, reason: event.reason }, 'turnstile out of service');
        return;
    }
  }

  private dispatch(event: LaneEvent): void {
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const step = transition(this.state, next);
        this.state = step.state;
        for (const effect of step.effects) this.run(effect);
      }
    } catch (e) {
      this.queue.length = 0;
      this.log.error({ err: e, phase: this.state.phase }, 'lane state machine fault');
    } finally {
      this.dispatching = false;
    }
  }

  private run(effect: LaneEffect): void {
    switch (effect.kind) {
      case 'decide':
        this.dispatch({ kind: 'verdict', verdict: this.verdictFor(effect.presentation.credential, effect.presentation.direction) });
        return;
      case 'open': {
        // A driver that throws instead of rejecting must not leave the lane in 'passage' for ever.
        let opened: Promise<PassageOutcome>;
        try {
          opened = this.deps.turnstile.open(effect.direction);
        } catch (e) {
          opened = Promise.reject(e);
        }
        const openId = ++this.openCount;
        const settle = (outcome: PassageOutcome) => {
          if (openId !== this.openCount || this.state.phase !== 'passage') return this.log.warn({ outcome }, 'late turnstile outcome dropped');
          this.openCount++;
          this.deps.clock.clearTimeout(guard);
          this.dispatch({ kind: 'outcome', outcome });
        };
        const guardMs = this.deps.passageGuardMs ?? DEFAULT_PASSAGE_GUARD_MS;
        const guard = this.deps.clock.setTimeout(() => settle({ kind: 'refused', code: 'OUT_OF_SERVICE', message: `no outcome from the turnstile within ${guardMs} ms` }), guardMs);
        opened.then(settle, (e: unknown) => settle(openFailure(e)));
        return;
      }
      case 'feedback':
        this.readers.get(effect.readerId)?.feedback(effect.signal).catch((e: unknown) => this.log.warn({ err: e }, 'reader feedback failed'));
        return;
      case 'log-decision': {
        const latencyUs = Math.max(0, Math.round((this.deps.clock.monotonic() - effect.presentation.at) * 1000));
        this.decisionFacts = { decidedAt: this.deps.clock.now(), latencyUs };
        this.log.info({ credentialHash: effect.presentation.hash, reader: effect.presentation.readerId, reason: effect.reason, granted: effect.granted, latencyUs }, 'decision');
        return;
      }
      case 'record':
        this.record(effect.record);
        return;
      case 'ignore-credential':
        this.log.info({ credentialHash: effect.presentation.hash, reader: effect.presentation.readerId, reason: effect.reason }, 'credential ignored');
        return;
      case 'refuse-manual':
        this.log.info({ operator: effect.request.operator, reason: effect.reason }, 'manual open refused');
        this.settleManual(effect.request.requestId, { kind: 'busy' });
        return;
    }
  }

  private verdictFor(credential: Credential, direction: Direction): Verdict {
    const mode = this.deps.emergency.mode();
    if (mode === 'fire-alarm') return { kind: 'free' };
    if (mode === 'lockdown') return { kind: 'locked' };
    const { spec, clock, memory, grantSampler } = this.deps;
    let decision: Decision;
    try {
      const now = clock.now();
      const state = grantSampler?.armed() === true ? { ...memory.state(now), explainGrant: true } : memory.state(now);
      decision = this.deps.decide(credential, { laneId: spec.id, zoneId: spec.zone, kind: spec.kind, direction }, now, state);
    } catch (e) {
      this.log.error({ err: e }, 'decide() failed');
      return { kind: 'fault', message: `decide() failed: ${(e as Error)?.message ?? String(e)}` };
    }
    if (decision.granted) grantSampler?.granted();
    return decision.granted ? { kind: 'granted', decision } : { kind: 'denied', decision };
  }

  private record(record: LaneRecord): void {
    const facts = record.kind === 'forced' || (record.kind === 'passage' && record.origin.kind === 'manual') ? undefined : this.decisionFacts;
    if (record.kind !== 'forced') this.decisionFacts = undefined;
    const decision = record.kind === 'passage' && record.origin.kind === 'credential' ? record.origin.decision : undefined;
    const confirmed = record.kind === 'forced' || (record.kind === 'passage' && record.outcome.kind === 'passed');
    const row = toPassRecord(record, this.deps.spec.id, this.deps.clock.now(), facts);
    // A person went through: the fleet relays it to the club's other boxes (occupancy per club zone).
    const pass: PassRecord = confirmed ? { ...row, passage: { zoneId: this.deps.spec.zone, ...(decision?.ticket === undefined ? {} : { ticketId: decision.ticket.id }) } } : row;
    const manualMember = record.kind === 'passage' && record.origin.kind === 'manual' ? record.origin.request.memberId : undefined;
    if (confirmed) this.deps.memory.recordPassage(this.deps.spec.zone, record.direction, pass.ts, decision, manualMember);
    const manualId = record.kind === 'passage' && record.origin.kind === 'manual' ? record.origin.request.requestId : undefined;
    this.append(pass, decision, manualId, localFacts(record, decision, confirmed));
  }

  private append(pass: PassRecord, decision: Decision | undefined, manualId?: number, local?: LocalFacts): void {
    this.deps.journal.append(pass, local).then(
      (stored) => {
        this.deps.onRecorded?.(stored, decision);
        if (manualId !== undefined) this.settleManual(manualId, { kind: 'recorded', pass: stored });
      },
      (e: unknown) => this.log.error({ err: e, pass }, 'pass could not be journaled'),
    );
  }

  private settleManual(requestId: number, result: ManualOpenResult): void {
    this.pendingManual.get(requestId)?.(result);
    this.pendingManual.delete(requestId);
  }
}

const DEFAULT_PASSAGE_GUARD_MS = 30_000;

/** What the replay at start needs and the contract row does not say (PassageMemory.replay). */
function localFacts(record: LaneRecord, decision: Decision | undefined, confirmed: boolean): LocalFacts | undefined {
  if (record.kind !== 'passage') return undefined;
  if (record.origin.kind !== 'credential') return { confirmed };
  return confirmed && decision?.qrNonce !== undefined ? { qrNonce: decision.qrNonce } : undefined;
}

function openFailure(e: unknown): PassageOutcome {
  return { kind: 'refused', code: 'OUT_OF_SERVICE', message: `turnstile open failed: ${(e as Error)?.message ?? String(e)}` };
}

import type { Decision, DecisionState, Direction, LaneContext } from '../access/index.ts';
import { REASON_LABELS_FR } from '../access/index.ts';
import type { TicketKind } from '../../protocol/access/ticket-token.ts';
import type { Credential } from '../devices/reader.ts';
import type { DecideFn } from '../lanes/lane.ts';
import { refusalAdvice } from './totem-advice.ts';

/** What the totem screen shows for one presentation (never the badge number). */
export type TotemMessage =
  | {
      readonly kind: 'welcome';
      readonly id: number;
      readonly at: number;
      readonly laneId: string;
      readonly direction: Direction;
      /** The member's display name; empty for a ticket. */
      readonly name: string;
      readonly subscriptionEnd: number | null;
      readonly memberId: string;
      /** Set when a printed ticket opened the lane. */
      readonly ticket?: TicketKind;
    }
  | {
      readonly kind: 'refused';
      readonly id: number;
      readonly at: number;
      readonly laneId: string;
      readonly direction: Direction;
      readonly reason: string;
      readonly label: string;
      /** What the member can do, in plain French. */
      readonly advice: string;
    };

/**
 * The totem's view of the lanes' decisions. `wrap()` returns the rules engine with a tap:
 * the composition root hands it to buildBox(), so the totem sees each decision with the
 * rights view it was made on (the member's name and subscription end come from there), and
 * the lanes stay unaware of any screen. Listeners run after the lane's synchronous work
 * (microtask): the open command is issued before any screen is told. Which lanes a totem
 * shows is the page server's choice (local-ui.ts).
 */
export class TotemFeed {
  private readonly listeners = new Set<(m: TotemMessage) => void>();
  private readonly recent = new Map<number, TotemMessage>();
  private nextId = 1;

  wrap(decide: DecideFn): DecideFn {
    return (credential: Credential, lane: LaneContext, now: number, state: DecisionState): Decision => {
      const decision = decide(credential, lane, now, state);
      const message = this.messageOf(decision, lane, now, state);
      queueMicrotask(() => this.publish(message));
      return decision;
    };
  }

  onMessage(listener: (m: TotemMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A member's welcome shown in the last minutes (the totem's print button refers to it by id). */
  welcome(id: number, now: number): Extract<TotemMessage, { kind: 'welcome' }> | undefined {
    const m = this.recent.get(id);
    return m?.kind === 'welcome' && m.memberId !== '' && now - m.at <= RECENT_MS ? m : undefined;
  }

  private messageOf(decision: Decision, lane: LaneContext, now: number, state: DecisionState): TotemMessage {
    const base = { id: this.nextId++, at: now, laneId: lane.laneId, direction: lane.direction };
    const member = decision.granted && decision.memberId ? state.rights.member(decision.memberId) : undefined;
    if (decision.granted && member) return { kind: 'welcome', ...base, name: member.displayName, subscriptionEnd: member.subscriptionEnd, memberId: member.id };
    if (decision.granted) return { kind: 'welcome', ...base, name: '', subscriptionEnd: null, memberId: '', ...(decision.ticket ? { ticket: decision.ticket.kind } : {}) };
    return { kind: 'refused', ...base, reason: decision.reason, label: REASON_LABELS_FR[decision.reason], advice: refusalAdvice(decision) };
  }

  private publish(message: TotemMessage): void {
    this.recent.set(message.id, message);
    for (const [id, m] of this.recent) if (message.at - m.at > RECENT_MS) this.recent.delete(id);
    for (const l of this.listeners) l(message);
  }
}

const RECENT_MS = 5 * 60_000;

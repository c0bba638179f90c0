import { REASON_LABELS_FR, type ReasonCode } from '../../protocol/access/reasons.ts';
import type { RightsView } from '../access/index.ts';
import { lastLocalMinute } from '../access/local-time.ts';
import type { Device } from '../devices/device.ts';
import type { JournalHistory } from '../journal/journal-history.ts';
import type { Pass } from '../journal/pass-record.ts';
import type { LaneSet } from '../lanes/lane-set.ts';
import type { TicketIssuer } from '../tickets/ticket-issuer.ts';
import { DEVICE_STATES, deviceNames, deviceProblem, laneNames, passView, type LaneSpecLike, type PassView } from './labels-fr.ts';
import { memberCard, type MemberCard } from './member-lookup.ts';

/** What the box pages need from a running box (agent/box/build-box.ts gives all of it). */
export interface PageBox {
  readonly boxId: string;
  readonly boxName: string;
  readonly lanes: LaneSet;
  readonly laneSpecs: readonly LaneSpecLike[];
  /** The configured devices' ids and configuration kinds (em4100, turnstile...). */
  readonly deviceConfigs: readonly { readonly id: string; readonly kind: string }[];
  readonly devices: ReadonlyMap<string, Device>;
  readonly journal: { readAfter(afterSeq: number, limit: number): Pass[]; stats(): { readonly lastSeq: number }; readonly history: JournalHistory };
  readonly rights: { view(): RightsView; readonly clubName: string | null };
  readonly tickets: TicketIssuer;
  /** The box's time zone for "today" when the rights do not know the zone's. */
  readonly timeZone: string;
}

const PHASES: Record<string, string> = { idle: 'Libre', deciding: 'Décision en cours', passage: 'Passage en cours' };

export interface DeskState {
  readonly operator: string;
  readonly box: string;
  readonly club: string;
  readonly lanes: readonly { readonly id: string; readonly name: string; readonly zone: string; readonly phase: string }[];
  readonly zones: readonly { readonly id: string; readonly name: string; readonly inside: number }[];
  readonly devices: readonly DeviceView[];
  readonly passes: readonly PassView[];
  readonly figures: Figures;
}

export interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly tone: 'ok' | 'warn' | 'bad';
  readonly problem: { readonly text: string; readonly code: string | null } | null;
}

export interface Figures {
  readonly entries: number;
  readonly manualEntries: number;
  readonly refusals: readonly { readonly reason: string; readonly count: number }[];
  readonly dayPasses: number;
  readonly guestPasses: number;
}

/** The desk's reading of the box: names computed once, figures and states on demand. */
export class DeskPresenter {
  readonly laneNames: ReadonlyMap<string, string>;
  private readonly deviceNames: ReadonlyMap<string, string>;
  private readonly zoneIds: readonly string[];

  constructor(private readonly box: PageBox) {
    this.laneNames = laneNames(box.laneSpecs);
    this.deviceNames = deviceNames(box.deviceConfigs, box.laneSpecs, this.laneNames);
    this.zoneIds = [...new Set(box.laneSpecs.map((l) => l.zone))];
  }

  state(operator: string, now: number): DeskState {
    const view = this.box.rights.view();
    return {
      operator,
      box: this.box.boxName,
      club: this.box.rights.clubName ?? this.box.boxName,
      lanes: this.box.laneSpecs.map((l) => ({ id: l.id, name: this.laneNames.get(l.id) ?? l.id, zone: this.zoneName(view, l.zone), phase: PHASES[this.box.lanes.lane(l.id).phase] ?? '' })),
      zones: this.zones(),
      devices: [...this.box.devices.values()].map((d) => this.device(d)),
      passes: this.latest(50).map((p) => this.pass(p, view)),
      figures: this.figures(now),
    };
  }

  zones(): DeskState['zones'] {
    const view = this.box.rights.view();
    return this.zoneIds.map((id) => ({ id, name: this.zoneName(view, id), inside: this.box.lanes.occupancy(id) }));
  }

  device(d: Device): DeviceView {
    const s = d.status();
    return { id: s.deviceId, name: this.deviceNames.get(s.deviceId) ?? 'Équipement', state: DEVICE_STATES[s.state], tone: s.state === 'online' ? 'ok' : s.state === 'offline' ? 'bad' : 'warn', problem: deviceProblem(s) };
  }

  pass(p: Pass, view = this.box.rights.view()): PassView {
    return passView(p, this.laneNames, (id) => view.member(id)?.displayName);
  }

  figures(now: number): Figures {
    const since = this.startOfDay(now);
    const day = this.box.journal.history.figuresSince(since);
    const tickets = this.box.tickets.countSince(since);
    return {
      entries: day.entries,
      manualEntries: day.manualEntries,
      refusals: Object.entries(day.refusals)
        .map(([reason, count]) => ({ reason: REASON_LABELS_FR[reason as ReasonCode] ?? 'Autre motif', count }))
        .sort((a, b) => b.count - a.count),
      dayPasses: tickets.day,
      guestPasses: tickets.guest,
    };
  }

  /** A member's card with the box's own facts: where they are counted inside, their last passes. */
  member(memberId: string, now: number): (MemberCard & { readonly inside: readonly { zone: string; since: number }[]; readonly passes: readonly PassView[] }) | undefined {
    const view = this.box.rights.view();
    const card = memberCard(view, memberId, now);
    if (card === undefined) return undefined;
    const inside = this.zoneIds.flatMap((z) => {
      const since = this.box.lanes.insideSince(z, memberId);
      return since === undefined ? [] : [{ zone: this.zoneName(view, z), since }];
    });
    return { ...card, inside, passes: this.box.journal.history.passesOf(memberId, 10).map((p) => this.pass(p, view)) };
  }

  isZone(zoneId: string): boolean {
    return this.zoneIds.includes(zoneId);
  }

  /** The newest `n` journal rows, newest first (seq has gaps only where rows were pruned). */
  private latest(n: number): Pass[] {
    return this.box.journal.readAfter(Math.max(0, this.box.journal.stats().lastSeq - n), n).reverse();
  }

  private startOfDay(now: number): number {
    const tz = this.box.rights.view().zone(this.zoneIds[0] ?? '')?.timezone ?? this.box.timeZone;
    return lastLocalMinute(now, tz, 0) ?? now - 86_400_000;
  }

  private zoneName(view: RightsView, zoneId: string): string {
    return view.zone(zoneId)?.name ?? 'Zone';
  }
}

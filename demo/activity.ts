import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { Em4100ReaderSim } from '../firmware-sim/em4100/em4100-sim.ts';
import type { ClubBox } from './club-box.ts';
import { UNKNOWN_BADGES, type DemoMember } from './topology.ts';

export interface ActivityOptions {
  readonly clock: Clock;
  /** Mean time between two badge presentations over the whole demo. */
  readonly everyMs: number;
  readonly random?: () => number;
}

/** A member's visit as the simulators see it: a card held to the reader for a moment. */
function badge(reader: Em4100ReaderSim, tag: number, clock: Clock): void {
  reader.present({ version: 0, tag });
  clock.setTimeout(() => reader.remove(), 400);
}

/**
 * Life in the clubs: members badge in and out at random boxes of their club, now and then an
 * unknown badge or an expired subscription is refused, and printers run low on paper (then get
 * a new roll). The turnstile simulators let people through on their own once unlocked.
 */
export function startActivity(clubs: readonly { readonly members: readonly DemoMember[]; readonly boxes: readonly ClubBox[] }[], o: ActivityOptions): { stop(): void } {
  const random = o.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const timers: TimerHandle[] = [];
  const visit = () => {
    const club = pick(clubs);
    const box = pick(club.boxes);
    const roll = random();
    const valid = club.members.filter((m) => !m.expired);
    if (roll < 0.65) badge(box.readers.entry, pick(valid).badge, o.clock);
    else if (roll < 0.85) badge(box.readers.exit, pick(valid).badge, o.clock);
    else if (roll < 0.93) badge(box.readers.entry, pick(UNKNOWN_BADGES), o.clock);
    else badge(box.readers.entry, pick(club.members.filter((m) => m.expired) as DemoMember[]).badge, o.clock);
  };
  timers.push(o.clock.setInterval(visit, o.everyMs));
  const boxes = clubs.flatMap((c) => c.boxes);
  let low: ClubBox | undefined;
  const paper = () => {
    low?.printer.newRoll();
    low = pick(boxes);
    low.printer.setPaper('near-end');
  };
  timers.push(o.clock.setTimeout(paper, 15_000));
  timers.push(o.clock.setInterval(paper, 120_000));
  return {
    stop: () => {
      for (const t of timers) {
        o.clock.clearInterval(t);
        o.clock.clearTimeout(t);
      }
    },
  };
}

/**
 * For measurements (test/bench): an unknown badge at every box's entry reader every
 * `everyMs`, each a new number. Each is refused and journaled at once (no passage keeps
 * the lane busy, as a granted exit would), so the gaps between a box's decisions show
 * when it could not decide.
 */
export function startProbe(boxes: readonly ClubBox[], o: { clock: Clock; everyMs: number }): { stop(): void } {
  let tag = 98_000_000;
  const timer = o.clock.setInterval(() => {
    for (const b of boxes) {
      b.readers.entry.present({ version: 0, tag: tag++ });
      o.clock.setTimeout(() => b.readers.entry.remove(), Math.max(5, o.everyMs / 2));
    }
  }, o.everyMs);
  return { stop: () => o.clock.clearInterval(timer) };
}

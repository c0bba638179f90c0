import type { FleetStore } from '../../fleet/store/repositories.ts';

/**
 * A large fleet for the box list: boxes whose every listed attribute follows from their
 * number, so a test can compute which rows a search, filter or order must give without
 * asking the store (the oracle is this table, not the SQL under test).
 */
export const CITIES = ['Lyon', 'Nantes', 'Lille', 'Brest', 'Dijon', 'Nîmes', 'Pau', 'Metz', 'Tours', 'Reims', 'Caen', 'Agen', 'Albi', 'Arles', 'Blois', 'Dax', 'Gap', 'Laval', 'Lens', 'Niort'] as const;
export const VERSIONS = ['1.4.2', '1.5.0', '1.5.1'] as const;
export const HARDWARE = ['rbx-a1', 'rbx-b2'] as const;

export interface SeededBox {
  id: string;
  name: string;
  clubId: string;
  clubName: string;
  status: 'pending' | 'active' | 'revoked';
  online: boolean;
  agentVersion: string | null;
  hardware: string | null;
  openAlerts: number;
  lastSeenAt: number | null;
}

/** Box number `i` of a fleet seeded at `base` (epoch ms). */
export function seededBox(i: number, base: number): SeededBox {
  const city = CITIES[i % CITIES.length] as string;
  const status = i % 97 === 3 ? 'revoked' : i % 50 === 7 ? 'pending' : 'active';
  const reported = status !== 'pending';
  // Mixed bits, so that version and hardware do not follow the club or the status.
  const mix = Math.imul(i + 1, 2654435761) >>> 0;
  return {
    id: `box-${String(i).padStart(5, '0')}`,
    name: `${['Accueil', 'Parking', 'Piscine', 'Salle'][(i >> 3) % 4]} ${i}`,
    clubId: `club-${city.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}`,
    clubName: `Club ${city}`,
    status,
    online: status === 'active' && i % 3 !== 0,
    agentVersion: reported ? (VERSIONS[(mix >>> 8) % VERSIONS.length] as string) : null,
    hardware: reported ? (HARDWARE[(mix >>> 20) % HARDWARE.length] as string) : null,
    openAlerts: status === 'active' ? (i % 200 === 0 ? 2 : i % 40 === 0 ? 1 : 0) : 0,
    lastSeenAt: reported ? base - i * 1000 : null,
  };
}

/** Writes `count` boxes (and their clubs and open alerts) in one transaction; returns them. */
export async function seedBoxes(store: FleetStore, count: number, base: number): Promise<SeededBox[]> {
  const boxes = Array.from({ length: count }, (_, i) => seededBox(i, base));
  await store.transaction(async (tx) => {
    for (const city of CITIES) {
      const b = boxes.find((x) => x.clubName === `Club ${city}`);
      if (b) await tx.clubs.upsert({ id: b.clubId, name: b.clubName, timezone: 'Europe/Paris', openingHours: {} }, base);
    }
    for (const b of boxes) {
      await tx.boxes.create({ id: b.id, clubId: b.clubId, name: b.name, status: b.status }, base);
      if (b.lastSeenAt !== null) await tx.boxes.recordState(b.id, { agentVersion: b.agentVersion, raw: { agentVersion: b.agentVersion, hardware: b.hardware } }, b.lastSeenAt);
      if (b.online) await tx.boxes.setOnline(b.id, true, b.lastSeenAt ?? base);
      for (let a = 0; a < b.openAlerts; a++) await tx.alerts.raise({ boxId: b.id, rule: 'seeded', subject: `s${a}` }, { severity: 'warning', message: 'seeded alert', detail: {} }, base);
    }
  });
  return boxes;
}

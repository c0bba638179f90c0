/**
 * The store seen from the rest of the fleet: narrow repositories, no SQL outside
 * fleet/store. Only SQLite implements them today; a PostgreSQL implementation would
 * implement the same interfaces (and run the same tests).
 */

export type BoxStatus = 'pending' | 'active' | 'revoked';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Club {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
  /** {"mon":[["06:00","22:30"]], ...} in the club's local time. */
  readonly openingHours: Record<string, [string, string][]>;
}

export interface Box {
  readonly id: string;
  readonly clubId: string | null;
  readonly name: string;
  readonly tags: string[];
  readonly status: BoxStatus;
  readonly credentialHash: string | null;
  readonly brokerCredentialHash: string | null;
  readonly agentVersion: string | null;
  readonly online: boolean;
  readonly onlineChangedAt: number | null;
  readonly lastSeenAt: number | null;
  readonly rightsVersion: number | null;
  readonly rightsReportedAt: number | null;
  readonly createdAt: number;
}

export interface NewBox {
  readonly id: string;
  readonly clubId?: string | null;
  readonly name?: string;
  readonly tags?: string[];
  readonly status?: BoxStatus;
}

export interface BoxRepository {
  create(box: NewBox, at: number): Box;
  get(id: string): Box | undefined;
  list(filter?: { status?: BoxStatus; clubId?: string; tag?: string }): Box[];
  setStatus(id: string, status: BoxStatus, at: number): void;
  setCredential(id: string, hashes: { credentialHash: string; brokerCredentialHash: string }): void;
  /** Returns true when the online flag changed (the "since" time moves only then). */
  setOnline(id: string, online: boolean, at: number): boolean;
  recordState(id: string, state: { agentVersion: string | null; raw: unknown }, at: number): void;
  recordHealth(id: string, raw: Record<string, unknown>, at: number): void;
  /** The object last given to recordHealth, or undefined. */
  lastHealth(id: string): Record<string, unknown> | undefined;
  recordRightsStatus(id: string, version: number, at: number): void;
  /** Keeps the box's latest config/reported message and when it was received. */
  recordConfigReported(id: string, report: Record<string, unknown>, at: number): void;
  touch(id: string, at: number): void;
}

export interface ClubRepository {
  upsert(club: Club, at: number): void;
  get(id: string): Club | undefined;
  list(): Club[];
  /** The club's current rights version (bumped by every rights change), if any. */
  rightsVersion(clubId: string): { version: number; updatedAt: number } | undefined;
}

export interface DeviceStatus {
  readonly deviceId: string;
  readonly kind: string;
  readonly status: string;
  readonly detail: Record<string, unknown>;
}

export interface StoredDevice extends DeviceStatus {
  readonly boxId: string;
  readonly statusSince: number;
  readonly updatedAt: number;
}

export interface DeviceRepository {
  /** Stores the latest status of each listed device; `statusSince` moves only on change. */
  upsert(boxId: string, devices: readonly DeviceStatus[], at: number): void;
  listByBox(boxId: string): StoredDevice[];
}

export interface HealthPoint {
  readonly at: number;
  readonly value: number;
  readonly samples: number;
  readonly resolutionMs: number;
}

export interface HealthRepository {
  insert(boxId: string, at: number, metrics: Readonly<Record<string, number>>): void;
  /**
   * Folds raw samples older than `before` into `bucketMs` averages (merged with any
   * average already stored for the bucket) and deletes the raw rows, in one transaction.
   */
  downsample(before: number, bucketMs: number): { folded: number };
  /** Deletes averages older than `before`. */
  prune(before: number): { deleted: number };
  series(boxId: string, metric: string, from: number, to: number): HealthPoint[];
  /** The last `count` raw values of a metric, oldest first. */
  recent(boxId: string, metric: string, count: number): number[];
}

export interface BoxEvent {
  readonly eventId: string;
  readonly at: number;
  readonly kind: string;
  readonly severity: string;
  readonly subject: string | null;
  readonly data: Record<string, unknown>;
}

export interface EventRepository {
  /** Returns false when (box, eventId) was already stored (a redelivery). */
  insert(boxId: string, event: BoxEvent, receivedAt: number): boolean;
  list(boxId: string, limit: number): (BoxEvent & { boxId: string; receivedAt: number })[];
  /** The latest event per subject of a kind family (the kind up to its first dot, e.g. "printer"). */
  latestPerSubject(boxId: string, family: string): { subject: string; kind: string; at: number }[];
}

export interface PassRecord {
  readonly seq: number;
  /** The batch that carried the pass to the fleet (first delivery). */
  readonly batchId: string;
  readonly at: number;
  readonly lane: string;
  readonly direction: string | null;
  readonly granted: boolean;
  readonly reason: string;
  readonly outcome: string | null;
  readonly memberId: string | null;
  readonly credentialKind: string | null;
  readonly rightsVersion: number | null;
  readonly data: Record<string, unknown>;
}

export interface PassRepository {
  /**
   * Stores a batch in ONE transaction, idempotently by (box, seq). When it returns, the
   * batch is committed: only then may the fleet acknowledge it.
   */
  insertBatch(boxId: string, passes: readonly PassRecord[], receivedAt: number): { inserted: number; duplicates: number };
  count(boxId?: string): number;
  list(boxId: string, afterSeq: number, limit: number): (PassRecord & { boxId: string })[];
}

export interface Alert {
  readonly id: number;
  readonly boxId: string;
  readonly rule: string;
  readonly subject: string;
  readonly severity: AlertSeverity;
  readonly status: 'open' | 'resolved';
  readonly message: string;
  readonly detail: Record<string, unknown>;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
}

export interface AlertKey {
  readonly boxId: string;
  readonly rule: string;
  readonly subject: string;
}

export interface AlertRepository {
  /** Opens the alert, or refreshes the one already open for the key. Returns it and whether it is new. */
  raise(key: AlertKey, alert: { severity: AlertSeverity; message: string; detail: Record<string, unknown> }, at: number): { alert: Alert; opened: boolean };
  /** Resolves the open alert of the key, if any. Returns it. */
  resolve(key: AlertKey, at: number): Alert | undefined;
  getOpen(key: AlertKey): Alert | undefined;
  listOpen(boxId?: string): Alert[];
  history(boxId: string, limit: number): Alert[];
}

export interface FleetStore {
  readonly clubs: ClubRepository;
  readonly boxes: BoxRepository;
  readonly devices: DeviceRepository;
  readonly health: HealthRepository;
  readonly events: EventRepository;
  readonly passes: PassRepository;
  readonly alerts: AlertRepository;
  /** Runs `fn` as one transaction (several writes of one message commit together, and faster). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

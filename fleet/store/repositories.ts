/**
 * The store seen from the rest of the fleet: narrow repositories, no SQL outside
 * fleet/store. Every method returns a Promise, so that a networked engine (PostgreSQL)
 * implements the same interfaces as the embedded SQLite one and runs the same tests.
 */
import type { RolloutStore } from '../rollouts/rollout-store.ts';
import type { AlertDesk } from './alert-desk.ts';
import type { DesiredConfigRepository } from './desired-configs.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { BoxDirectory } from './box-directory.ts';
import type { CommandLog } from './command-log.ts';
import type { EnrollmentRequests } from './enrollment-requests.ts';
import type { FleetHistory } from './fleet-history.ts';
import type { LiveProbe } from './live-probe.ts';
import type { PassReports } from './pass-reports.ts';
import type { RightsCatalog } from './rights-catalog.ts';
import type { SupportQueries } from './support-queries.ts';
import type { TokenRegistry } from './token-registry.ts';
import type { RelayPeers } from './relay-peers.ts';

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
  create(box: NewBox, at: number): Promise<Box>;
  get(id: string): Promise<Box | undefined>;
  /** Which of these ids are boxes the store knows (any status). */
  existing(ids: readonly string[]): Promise<Set<string>>;
  list(filter?: { status?: BoxStatus; clubId?: string; tag?: string }): Promise<Box[]>;
  setStatus(id: string, status: BoxStatus, at: number): Promise<void>;
  setCredential(id: string, hashes: { credentialHash: string; brokerCredentialHash: string }): Promise<void>;
  /** Returns true when the online flag changed (the "since" time moves only then). */
  setOnline(id: string, online: boolean, at: number): Promise<boolean>;
  recordState(id: string, state: { agentVersion: string | null; raw: unknown }, at: number): Promise<void>;
  recordHealth(id: string, raw: Record<string, unknown>, at: number): Promise<void>;
  /** The object last given to recordHealth, or undefined. */
  lastHealth(id: string): Promise<Record<string, unknown> | undefined>;
  recordRightsStatus(id: string, version: number, at: number): Promise<void>;
  /** Keeps the box's latest config/reported message and when it was received. */
  recordConfigReported(id: string, report: Record<string, unknown>, at: number): Promise<void>;
  touch(id: string, at: number): Promise<void>;
}

export interface ClubRepository {
  upsert(club: Club, at: number): Promise<void>;
  get(id: string): Promise<Club | undefined>;
  list(): Promise<Club[]>;
  /** The club's current rights version (bumped by every rights change), if any. */
  rightsVersion(clubId: string): Promise<{ version: number; updatedAt: number } | undefined>;
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
  upsert(boxId: string, devices: readonly DeviceStatus[], at: number): Promise<void>;
  listByBox(boxId: string): Promise<StoredDevice[]>;
}

export interface HealthPoint {
  readonly at: number;
  readonly value: number;
  readonly samples: number;
  readonly resolutionMs: number;
}

export interface HealthRepository {
  insert(boxId: string, at: number, metrics: Readonly<Record<string, number>>): Promise<void>;
  /**
   * Folds raw samples older than `before` into `bucketMs` averages (merged with any
   * average already stored for the bucket) and deletes the raw rows, in one transaction.
   */
  downsample(before: number, bucketMs: number): Promise<{ folded: number }>;
  /** Deletes averages older than `before`. */
  prune(before: number): Promise<{ deleted: number }>;
  series(boxId: string, metric: string, from: number, to: number): Promise<HealthPoint[]>;
  /** The last `count` raw values of a metric, oldest first. */
  recent(boxId: string, metric: string, count: number): Promise<number[]>;
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
  insert(boxId: string, event: BoxEvent, receivedAt: number): Promise<boolean>;
  list(boxId: string, limit: number): Promise<(BoxEvent & { boxId: string; receivedAt: number })[]>;
  /** The latest event per subject of a kind family (the kind up to its first dot, e.g. "printer"). */
  latestPerSubject(boxId: string, family: string): Promise<{ subject: string; kind: string; at: number }[]>;
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
  insertBatch(boxId: string, passes: readonly PassRecord[], receivedAt: number): Promise<{ inserted: number; duplicates: number }>;
  /**
   * Stores the batches of several boxes in ONE transaction (the fleet's group commit), each
   * pass once by (box, seq). Returns each batch's counts, in order; a pass that two
   * batches of the group carry counts as inserted for the first one only.
   */
  insertGroup(batches: readonly { readonly boxId: string; readonly passes: readonly PassRecord[] }[], receivedAt: number): Promise<{ inserted: number; duplicates: number }[]>;
  count(boxId?: string): Promise<number>;
  list(boxId: string, afterSeq: number, limit: number): Promise<(PassRecord & { boxId: string })[]>;
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
  raise(key: AlertKey, alert: { severity: AlertSeverity; message: string; detail: Record<string, unknown> }, at: number): Promise<{ alert: Alert; opened: boolean }>;
  /** Resolves the open alert of the key, if any. Returns it. */
  resolve(key: AlertKey, at: number): Promise<Alert | undefined>;
  getOpen(key: AlertKey): Promise<Alert | undefined>;
  listOpen(boxId?: string): Promise<Alert[]>;
  history(boxId: string, limit: number): Promise<Alert[]>;
}

/** Every repository of the store; inside a transaction, the ones bound to it. */
export interface FleetRepositories {
  readonly clubs: ClubRepository;
  readonly boxes: BoxRepository;
  readonly devices: DeviceRepository;
  readonly health: HealthRepository;
  readonly events: EventRepository;
  readonly passes: PassRepository;
  readonly alerts: AlertRepository;
  /** What people do with alerts (acknowledge, assign, silence) and the notifications. */
  readonly alertDesk: AlertDesk;
  /** The API's reads and writes over the same tables. */
  readonly directory: BoxDirectory;
  readonly history: FleetHistory;
  readonly passReports: PassReports;
  readonly audit: AuditTrail;
  readonly commands: CommandLog;
  readonly enrollments: EnrollmentRequests;
  readonly rights: RightsCatalog;
  readonly tokens: TokenRegistry;
  readonly rollouts: RolloutStore;
  /** Remote configuration: what each box should run. */
  readonly desiredConfigs: DesiredConfigRepository;
  /** What changed since the last look, for the dashboards' live updates. */
  readonly live: LiveProbe;
  /** Support's reads: member search and view, a box's history over a window. */
  readonly support: SupportQueries;
  /** The occupancy relay's reads: a club's other boxes and their recent passages. */
  readonly relayPeers: RelayPeers;
}

export interface FleetStore extends FleetRepositories {
  /**
   * Runs `fn` as one transaction: it commits when the promise resolves, rolls back when it
   * rejects. `fn` must use only the repositories it is given (`tx`), never the store's own:
   * on PostgreSQL those are other connections, on SQLite they wait for the transaction.
   */
  transaction<T>(fn: (tx: FleetRepositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

import type Database from 'better-sqlite3';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { BoxAccess } from '../broker/box-access.ts';
import { apiError } from '../api/errors.ts';
import type { BoxDirectory, BoxSummary } from '../store/box-directory.ts';
import type { EnrollmentRequest, EnrollmentRequests } from '../store/enrollment-requests.ts';
import { digestsEqual, hashEnrollmentCode, newEnrollmentCode, newId, sha256Hex } from './secrets.ts';

export interface EnrollmentDeps {
  db: Database.Database;
  boxes: BoxDirectory;
  requests: EnrollmentRequests;
  clock: Clock;
  logger: Logger;
  /** Issues secrets (only hashes stored) and revokes, telling the broker (fleet/broker). */
  access: BoxAccess;
  /** What a box is told to connect to once enrolled. */
  mqttUrl: string;
  codeTtlMs: number;
}

export interface IssuedCode {
  code: string;
  expiresAt: number;
}

export interface PresentedEnrollment {
  code: string;
  boxId?: string;
  hardware: unknown;
  agentVersion: string;
  pollSecretHash: string;
}

export type PollOutcome =
  | { status: 'pending' | 'rejected' }
  | { status: 'delivered'; credentials: { boxId: string; username: string; password: string; clientId: string; mqttUrl: string } };

/**
 * The enrollment flow (docs/fleet-api.md "Enrollment"): a technician issues a single-use
 * code, the box presents it with the SHA-256 of a poll secret only it knows, a technician
 * accepts, and the box's next poll (with the secret) receives a freshly generated MQTT
 * secret exactly once. Only hashes are stored at every step.
 */
export class EnrollmentService {
  constructor(private readonly d: EnrollmentDeps) {}

  createBox(input: { id: string; clubId: string; name: string; tags: string[] }, actor: string): { box: BoxSummary } & IssuedCode {
    if (!this.d.boxes.getClub(input.clubId)) throw apiError('CLUB_NOT_FOUND');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    const expiresAt = now + this.d.codeTtlMs;
    this.d.db.transaction(() => {
      if (!this.d.boxes.createPending(input.id, input.clubId, input.name, input.tags, now)) throw apiError('ENROLLMENT_BOX_ID_TAKEN');
      this.d.requests.addBoxCode(hashEnrollmentCode(code), input.id, actor, now, expiresAt);
    })();
    return { box: this.d.boxes.get(input.id) as BoxSummary, code, expiresAt };
  }

  /** A new code for an existing box (first enrollment lost, or a replaced box). */
  codeForBox(boxId: string, actor: string): IssuedCode {
    const box = this.d.boxes.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (box.status === 'revoked') throw apiError('BOX_REVOKED');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    this.d.requests.addBoxCode(hashEnrollmentCode(code), boxId, actor, now, now + this.d.codeTtlMs);
    return { code, expiresAt: now + this.d.codeTtlMs };
  }

  codeForClub(clubId: string, tags: string[], actor: string): IssuedCode {
    if (!this.d.boxes.getClub(clubId)) throw apiError('CLUB_NOT_FOUND');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    this.d.requests.addClubCode(hashEnrollmentCode(code), clubId, tags, actor, now, now + this.d.codeTtlMs);
    return { code, expiresAt: now + this.d.codeTtlMs };
  }

  /** Redeems the code and records a pending request, atomically: a failed request leaves the code unused. */
  present(p: PresentedEnrollment, sourceIp: string | null): EnrollmentRequest {
    const now = this.d.clock.now();
    const id = newId('enr_');
    this.d.db.transaction(() => {
      const granted = this.d.requests.redeemCode(hashEnrollmentCode(p.code), now);
      if (!granted) throw apiError('ENROLLMENT_CODE_INVALID');
      let boxId: string;
      if (granted.kind === 'box') {
        if (p.boxId !== undefined && p.boxId !== granted.boxId) throw apiError('ENROLLMENT_BOX_ID_MISMATCH');
        boxId = granted.boxId;
      } else {
        boxId = p.boxId ?? `box-${newId('').slice(0, 12)}`;
        if (!this.d.boxes.createPending(boxId, granted.clubId, '', granted.tags, now)) throw apiError('ENROLLMENT_BOX_ID_TAKEN');
      }
      this.d.requests.insert({
        id,
        boxId,
        clubId: granted.clubId,
        codeKind: granted.kind,
        hardware: p.hardware,
        agentVersion: p.agentVersion,
        pollSecretHash: p.pollSecretHash.toLowerCase(),
        sourceIp,
        createdAt: now,
      });
    })();
    this.d.logger.info({ enrollmentId: id }, 'enrollment request pending');
    return this.d.requests.get(id) as EnrollmentRequest;
  }

  get(id: string): EnrollmentRequest {
    const r = this.d.requests.get(id);
    if (!r) throw apiError('ENROLLMENT_NOT_FOUND');
    return r;
  }

  list(status: EnrollmentRequest['status'] | undefined, limit: number): EnrollmentRequest[] {
    return this.d.requests.list(status, limit);
  }

  accept(id: string, actor: string): EnrollmentRequest {
    const r = this.get(id);
    const box = this.d.boxes.get(r.boxId);
    if (!box || box.status === 'revoked') throw apiError('BOX_REVOKED');
    if (!this.d.requests.decide(id, 'accepted', actor, this.d.clock.now())) throw apiError('ENROLLMENT_NOT_PENDING');
    return this.get(id);
  }

  reject(id: string, actor: string): EnrollmentRequest {
    const r = this.get(id);
    this.d.db.transaction(() => {
      if (!this.d.requests.decide(id, 'rejected', actor, this.d.clock.now())) throw apiError('ENROLLMENT_NOT_PENDING');
      // A box that exists only because of this request goes away with it.
      if (r.codeKind === 'club') this.d.boxes.deleteIfPending(r.boxId);
    })();
    return this.get(id);
  }

  poll(id: string, pollSecret: string): PollOutcome {
    const r = this.get(id);
    if (!digestsEqual(sha256Hex(pollSecret), r.pollSecretHash)) throw apiError('ENROLLMENT_SECRET_INVALID');
    if (r.status === 'pending' || r.status === 'rejected') return { status: r.status };
    if (r.status === 'delivered') throw apiError('ENROLLMENT_ALREADY_DELIVERED');
    // One synchronous transaction: two concurrent polls cannot both get a secret, and a box
    // revoked after its acceptance is never re-activated by a late poll.
    const password = this.d.db.transaction(() => {
      if (!this.d.requests.markDelivered(id, this.d.clock.now())) throw apiError('ENROLLMENT_ALREADY_DELIVERED');
      const status = this.d.boxes.get(r.boxId)?.status;
      if (status !== 'pending' && status !== 'active') throw apiError('BOX_REVOKED');
      return this.d.access.issueSecret(r.boxId);
    })();
    this.d.logger.info({ enrollmentId: id, boxId: r.boxId }, 'box credentials delivered');
    return { status: 'delivered', credentials: { boxId: r.boxId, username: r.boxId, password, clientId: r.boxId, mqttUrl: this.d.mqttUrl } };
  }

  /** Store first (auth refuses from now on), then cut the live session. */
  revoke(boxId: string): BoxSummary {
    const box = this.d.boxes.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (!this.d.boxes.revoke(boxId, this.d.clock.now())) throw apiError('BOX_REVOKED');
    this.d.access.revoke(boxId);
    return this.d.boxes.get(boxId) as BoxSummary;
  }
}

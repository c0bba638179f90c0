import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { BoxAccess } from '../broker/box-access.ts';
import { apiError } from '../api/errors.ts';
import type { BoxSummary } from '../store/box-directory.ts';
import type { EnrollmentRequest } from '../store/enrollment-requests.ts';
import type { FleetStore } from '../store/repositories.ts';
import { digestsEqual, hashEnrollmentCode, newEnrollmentCode, newId, sha256Hex } from './secrets.ts';

export interface EnrollmentDeps {
  store: FleetStore;
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

  async createBox(input: { id: string; clubId: string; name: string; tags: string[] }, actor: string): Promise<{ box: BoxSummary } & IssuedCode> {
    if (!(await this.d.store.directory.getClub(input.clubId))) throw apiError('CLUB_NOT_FOUND');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    const expiresAt = now + this.d.codeTtlMs;
    await this.d.store.transaction(async (tx) => {
      if (!(await tx.directory.createPending(input.id, input.clubId, input.name, input.tags, now))) throw apiError('ENROLLMENT_BOX_ID_TAKEN');
      await tx.enrollments.addBoxCode(hashEnrollmentCode(code), input.id, actor, now, expiresAt);
    });
    return { box: (await this.d.store.directory.get(input.id)) as BoxSummary, code, expiresAt };
  }

  /** A new code for an existing box (first enrollment lost, or a replaced box). */
  async codeForBox(boxId: string, actor: string): Promise<IssuedCode> {
    const box = await this.d.store.directory.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (box.status === 'revoked') throw apiError('BOX_REVOKED');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    await this.d.store.enrollments.addBoxCode(hashEnrollmentCode(code), boxId, actor, now, now + this.d.codeTtlMs);
    return { code, expiresAt: now + this.d.codeTtlMs };
  }

  async codeForClub(clubId: string, tags: string[], actor: string): Promise<IssuedCode> {
    if (!(await this.d.store.directory.getClub(clubId))) throw apiError('CLUB_NOT_FOUND');
    const now = this.d.clock.now();
    const code = newEnrollmentCode();
    await this.d.store.enrollments.addClubCode(hashEnrollmentCode(code), clubId, tags, actor, now, now + this.d.codeTtlMs);
    return { code, expiresAt: now + this.d.codeTtlMs };
  }

  /** Redeems the code and records a pending request, atomically: a failed request leaves the code unused. */
  async present(p: PresentedEnrollment, sourceIp: string | null): Promise<EnrollmentRequest> {
    const now = this.d.clock.now();
    const id = newId('enr_');
    await this.d.store.transaction(async (tx) => {
      const granted = await tx.enrollments.redeemCode(hashEnrollmentCode(p.code), now);
      if (!granted) throw apiError('ENROLLMENT_CODE_INVALID');
      let boxId: string;
      if (granted.kind === 'box') {
        if (p.boxId !== undefined && p.boxId !== granted.boxId) throw apiError('ENROLLMENT_BOX_ID_MISMATCH');
        boxId = granted.boxId;
      } else {
        boxId = p.boxId ?? `box-${newId('').slice(0, 12)}`;
        if (!(await tx.directory.createPending(boxId, granted.clubId, '', granted.tags, now))) throw apiError('ENROLLMENT_BOX_ID_TAKEN');
      }
      await tx.enrollments.insert({
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
    });
    this.d.logger.info({ enrollmentId: id }, 'enrollment request pending');
    return (await this.d.store.enrollments.get(id)) as EnrollmentRequest;
  }

  async get(id: string): Promise<EnrollmentRequest> {
    const r = await this.d.store.enrollments.get(id);
    if (!r) throw apiError('ENROLLMENT_NOT_FOUND');
    return r;
  }

  list(status: EnrollmentRequest['status'] | undefined, limit: number): Promise<EnrollmentRequest[]> {
    return this.d.store.enrollments.list(status, limit);
  }

  async accept(id: string, actor: string): Promise<EnrollmentRequest> {
    const r = await this.get(id);
    const box = await this.d.store.directory.get(r.boxId);
    if (!box || box.status === 'revoked') throw apiError('BOX_REVOKED');
    if (!(await this.d.store.enrollments.decide(id, 'accepted', actor, this.d.clock.now()))) throw apiError('ENROLLMENT_NOT_PENDING');
    return this.get(id);
  }

  async reject(id: string, actor: string): Promise<EnrollmentRequest> {
    const r = await this.get(id);
    await this.d.store.transaction(async (tx) => {
      if (!(await tx.enrollments.decide(id, 'rejected', actor, this.d.clock.now()))) throw apiError('ENROLLMENT_NOT_PENDING');
      // A box that exists only because of this request goes away with it.
      if (r.codeKind === 'club') await tx.directory.deleteIfPending(r.boxId);
    });
    return this.get(id);
  }

  async poll(id: string, pollSecret: string): Promise<PollOutcome> {
    const r = await this.get(id);
    if (!digestsEqual(sha256Hex(pollSecret), r.pollSecretHash)) throw apiError('ENROLLMENT_SECRET_INVALID');
    if (r.status === 'pending' || r.status === 'rejected') return { status: r.status };
    if (r.status === 'delivered') throw apiError('ENROLLMENT_ALREADY_DELIVERED');
    // One transaction: two concurrent polls cannot both get a secret, and a box revoked
    // after its acceptance is never re-activated by a late poll.
    const password = await this.d.store.transaction(async (tx) => {
      if (!(await tx.enrollments.markDelivered(id, this.d.clock.now()))) throw apiError('ENROLLMENT_ALREADY_DELIVERED');
      const status = (await tx.directory.get(r.boxId))?.status;
      if (status !== 'pending' && status !== 'active') throw apiError('BOX_REVOKED');
      return this.d.access.storeSecret(tx.boxes, r.boxId);
    });
    // The broker learns of the secret once it is committed (Mosquitto's files are written from the store).
    await this.d.access.secretIssued(r.boxId);
    this.d.logger.info({ enrollmentId: id, boxId: r.boxId }, 'box credentials delivered');
    return { status: 'delivered', credentials: { boxId: r.boxId, username: r.boxId, password, clientId: r.boxId, mqttUrl: this.d.mqttUrl } };
  }

  /** Store first (auth refuses from now on), then cut the live session. */
  async revoke(boxId: string): Promise<BoxSummary> {
    const box = await this.d.store.directory.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (!(await this.d.store.directory.revoke(boxId, this.d.clock.now()))) throw apiError('BOX_REVOKED');
    await this.d.access.revoke(boxId);
    return (await this.d.store.directory.get(boxId)) as BoxSummary;
  }
}

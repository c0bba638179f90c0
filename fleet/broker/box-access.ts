import type { Clock } from '../../platform/clock.ts';
import type { BoxRepository } from '../store/repositories.ts';
import { generateBoxSecret, hashSecret, mosquittoHash } from './credentials.ts';

/**
 * What enrolment and revocation do to the broker, whichever it is. The API calls these;
 * it never touches hashes, password files or connections itself.
 */
export interface BoxAccess {
  /**
   * Issues a new MQTT secret for the box, stores only its hashes, makes the box active
   * and tells the broker. Returns the secret: the only time it exists in clear.
   */
  issueSecret(boxId: string): Promise<string>;
  /**
   * The store half of issueSecret, with the given repository (a transaction's): call
   * secretIssued once that transaction has committed.
   */
  storeSecret(boxes: BoxRepository, boxId: string): Promise<string>;
  /** The broker half of issueSecret. */
  secretIssued(boxId: string): Promise<void>;
  /** Revokes the box and cuts its connections off at once. */
  revoke(boxId: string): Promise<void>;
}

/** How a broker learns about credential changes and cuts a box off. */
export interface BrokerAccessHooks {
  /** The set of active boxes or their secrets changed (external broker: rewrite files + reload). */
  credentialsChanged(): void | Promise<void>;
  /** Close the box's connections now. */
  disconnectBox(boxId: string): void;
}

export function createBoxAccess(boxes: BoxRepository, broker: BrokerAccessHooks, clock: Clock): BoxAccess {
  const access: BoxAccess = {
    async issueSecret(boxId) {
      const secret = await access.storeSecret(boxes, boxId);
      await access.secretIssued(boxId);
      return secret;
    },
    async storeSecret(repo, boxId) {
      const box = await repo.get(boxId);
      if (!box) throw Object.assign(new Error(`unknown box ${boxId}`), { code: 'BROKER_AUTH_UNKNOWN_BOX' });
      const secret = generateBoxSecret();
      await repo.setCredential(boxId, { credentialHash: hashSecret(secret), brokerCredentialHash: mosquittoHash(secret) });
      await repo.setStatus(boxId, 'active', clock.now());
      return secret;
    },
    async secretIssued(boxId) {
      await broker.credentialsChanged();
      // A box re-enrolled while connected with its old secret must reconnect with the new one.
      broker.disconnectBox(boxId);
    },
    async revoke(boxId) {
      await boxes.setStatus(boxId, 'revoked', clock.now());
      // Not left to the last will: Mosquitto drops a revoked client on reload without it.
      await boxes.setOnline(boxId, false, clock.now());
      await broker.credentialsChanged();
      broker.disconnectBox(boxId);
    },
  };
  return access;
}

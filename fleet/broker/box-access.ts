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
  issueSecret(boxId: string): string;
  /** Revokes the box and cuts its connections off at once. */
  revoke(boxId: string): void;
}

/** How a broker learns about credential changes and cuts a box off. */
export interface BrokerAccessHooks {
  /** The set of active boxes or their secrets changed (external broker: rewrite files + reload). */
  credentialsChanged(): void;
  /** Close the box's connections now. */
  disconnectBox(boxId: string): void;
}

export function createBoxAccess(boxes: BoxRepository, broker: BrokerAccessHooks, clock: Clock): BoxAccess {
  return {
    issueSecret(boxId) {
      const box = boxes.get(boxId);
      if (!box) throw Object.assign(new Error(`unknown box ${boxId}`), { code: 'BROKER_AUTH_UNKNOWN_BOX' });
      const secret = generateBoxSecret();
      boxes.setCredential(boxId, { credentialHash: hashSecret(secret), brokerCredentialHash: mosquittoHash(secret) });
      boxes.setStatus(boxId, 'active', clock.now());
      broker.credentialsChanged();
      // A box re-enrolled while connected with its old secret must reconnect with the new one.
      broker.disconnectBox(boxId);
      return secret;
    },
    revoke(boxId) {
      boxes.setStatus(boxId, 'revoked', clock.now());
      // Not left to the last will: Mosquitto drops a revoked client on reload without it.
      boxes.setOnline(boxId, false, clock.now());
      broker.credentialsChanged();
      broker.disconnectBox(boxId);
    },
  };
}

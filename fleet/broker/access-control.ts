import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../../platform/log.ts';
import { TOPICS, parseTopic } from '../../protocol/mqtt/index.ts';
import type { BoxStatus } from '../store/repositories.ts';
import { boxMayPublish, boxMaySubscribe } from './acl.ts';
import type { ConnectAdmission } from './admission.ts';
import { VerifiedSecretCache } from './credentials.ts';
import type { BrokerCounters, BrokerErrorCode } from './errors.ts';

export interface BoxCredentialLookup {
  get(boxId: string): Promise<{ status: BoxStatus; credentialHash: string | null } | undefined>;
}

export interface ServiceIdentity {
  /** Must not look like a box id (a box id never starts with `_`), e.g. `_fleet`. */
  readonly username: string;
  /** scrypt hash from hashSecret(). */
  readonly secretHash: string;
}

type Identity = { kind: 'box'; boxId: string } | { kind: 'service' };

// aedes' return codes (its const enum cannot be imported under isolatedModules).
const SERVER_UNAVAILABLE = 3;
const NOT_AUTHORIZED = 5;

/**
 * authenticate / authorizePublish / authorizeSubscribe for aedes, and the registry of
 * connected boxes that `disconnectBox` uses. Status is read from the store on every
 * connect (never cached), and once more after the slow secret check, so a box revoked
 * meanwhile is still refused.
 */
export class BrokerAccessControl {
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly connected = new Map<string, Set<Client>>();
  private readonly secrets = new VerifiedSecretCache();

  constructor(
    private readonly boxes: BoxCredentialLookup,
    private readonly service: ServiceIdentity | undefined,
    private readonly maxPayloadBytes: number,
    private readonly counters: BrokerCounters,
    private readonly logger: Logger,
    private readonly admission?: ConnectAdmission,
  ) {}

  hooks(): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
    return {
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password?.toString('utf8')).then(
          (code) => (code === null ? done(null, true) : done(Object.assign(new Error(code), { returnCode: returnCodeOf(code) }) as AuthenticateError, false)),
          (e: unknown) => {
            this.logger.error({ err: e }, 'authentication failed unexpectedly');
            done(Object.assign(new Error('server unavailable'), { returnCode: 3 }) as AuthenticateError, false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        const id = this.identities.get(client);
        const bytes = packet.payload.length;
        if (bytes > this.maxPayloadBytes) return done(this.deny('BROKER_PAYLOAD_TOO_LARGE', client, { topic: packet.topic, bytes }));
        if (id?.kind === 'service') return done(null);
        if (id?.kind !== 'box' || !boxMayPublish(id.boxId, packet.topic)) return done(this.deny('BROKER_ACL_PUBLISH_DENIED', client, { topic: packet.topic }));
        // The contract's own limit for the topic, refused here rather than carried to ingest.
        const parsed = parseTopic(packet.topic);
        if (parsed.ok && bytes > TOPICS[parsed.value.kind].maxBytes) return done(this.deny('BROKER_PAYLOAD_TOO_LARGE', client, { topic: packet.topic, bytes }));
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = this.identities.get(client);
        if (id?.kind === 'service' || (id?.kind === 'box' && boxMaySubscribe(id.boxId, sub.topic))) return done(null, sub);
        this.deny('BROKER_ACL_SUBSCRIBE_DENIED', client, { filter: sub.topic });
        // A null subscription makes aedes answer SUBACK 0x80 (failure) and keep the session.
        done(null, null);
      },
    };
  }

  /** Called from aedes' clientDisconnect. */
  /** Returns the box id when this was the box's last connection. */
  forget(client: Client): string | undefined {
    const id = this.identities.get(client);
    if (id?.kind !== 'box') return undefined;
    const set = this.connected.get(id.boxId);
    if (!set?.delete(client)) return undefined;
    if (set.size > 0) return undefined;
    this.connected.delete(id.boxId);
    return id.boxId;
  }

  /** Closes every connection of the box now (its last will is published: it shows offline). */
  disconnectBox(boxId: string): number {
    const clients = [...(this.connected.get(boxId) ?? [])];
    this.connected.delete(boxId);
    for (const c of clients) c.close();
    return clients.length;
  }

  connectedBoxes(): number {
    return this.connected.size;
  }

  connectedBoxIds(): ReadonlySet<string> {
    return new Set(this.connected.keys());
  }

  private async authenticate(client: Client, username: string | undefined, secret: string | undefined): Promise<BrokerErrorCode | null> {
    if (!username || secret === undefined) return this.refuse('BROKER_AUTH_UNKNOWN_BOX', client, username);
    if (this.service && username === this.service.username) {
      if (!(await this.secrets.verify(secret, this.service.secretHash))) return this.refuse('BROKER_AUTH_BAD_SECRET', client, username);
      this.identities.set(client, { kind: 'service' });
      return null;
    }
    const admission = this.admission;
    if (!admission) return this.authenticateBox(client, username, secret);
    if (!admission.admit()) return this.refuse('BROKER_BUSY', client, username, 'debug');
    try {
      return await this.authenticateBox(client, username, secret);
    } finally {
      admission.release();
    }
  }

  private async authenticateBox(client: Client, username: string, secret: string): Promise<BrokerErrorCode | null> {
    const box = await this.boxes.get(username);
    if (!box) return this.refuse('BROKER_AUTH_UNKNOWN_BOX', client, username);
    if (box.status !== 'active' || !box.credentialHash) return this.refuse('BROKER_AUTH_NOT_ACTIVE', client, username);
    if (client.id !== username) return this.refuse('BROKER_AUTH_CLIENT_ID', client, username);
    if (!(await this.secrets.verify(secret, box.credentialHash))) return this.refuse('BROKER_AUTH_BAD_SECRET', client, username);
    const now = await this.boxes.get(username);
    if (now?.status !== 'active' || now.credentialHash !== box.credentialHash) return this.refuse('BROKER_AUTH_NOT_ACTIVE', client, username);
    this.identities.set(client, { kind: 'box', boxId: username });
    let set = this.connected.get(username);
    if (!set) this.connected.set(username, (set = new Set()));
    set.add(client);
    return null;
  }

  private refuse(code: BrokerErrorCode, client: Client, username: string | undefined, level: 'warn' | 'debug' = 'warn'): BrokerErrorCode {
    this.counters[code]++;
    // A refusal for load is expected in a reconnect storm: counted, not logged line by line.
    this.logger[level]({ code, username, clientId: client.id }, 'connection refused');
    return code;
  }

  private deny(code: BrokerErrorCode, client: Client, detail: Record<string, unknown>): Error {
    this.counters[code]++;
    const id = this.identities.get(client);
    this.logger.warn({ code, box: id?.kind === 'box' ? id.boxId : undefined, clientId: client.id, ...detail }, 'denied');
    return Object.assign(new Error(code), { code });
  }
}

/**
 * One answer for every refused credential, as Mosquitto gives: distinct codes would tell a
 * stranger which box ids exist, are pending or revoked, or are active. The coded reason
 * stays in the fleet's log and counters. A busy fleet says so (3, server unavailable), and
 * a box backs off on it.
 */
function returnCodeOf(code: BrokerErrorCode): number {
  return code === 'BROKER_BUSY' ? SERVER_UNAVAILABLE : NOT_AUTHORIZED;
}

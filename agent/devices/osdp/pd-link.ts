import {
  cpCryptogram, decodeReply, deriveSessionKeys, encodeCommand, encodePacket, initialRmac, pdCryptogram, sameBytes, SCBK_D, SCS, SecureSession,
  type DecodedPacket, type OsdpCommand, type OsdpReply, type SessionKeys,
} from '../../../protocol/osdp/index.ts';
import { nextPhase, type LinkEvent, type LinkPhase } from './link-phase.ts';

export interface PdLinkConfig {
  readonly address: number;
  /** The reader's own secure channel base key, if known. */
  readonly scbk?: Uint8Array;
  /** Without `scbk`: set up the channel with SCBK-D (install mode), then KEYSET this key and use it. */
  readonly installKey?: Uint8Array;
  /** false: never try the secure channel (readers without it). Default true when a key is given. */
  readonly secureChannel?: boolean;
}

export interface Identity {
  readonly vendor: string;
  readonly model: number;
  readonly serial: number;
  readonly firmware: string;
}

/** One command on the wire: its exact bytes are kept so that a retry resends them unchanged. */
export interface Exchange {
  readonly command: OsdpCommand;
  readonly sequence: number;
  readonly bytes: Uint8Array;
  readonly done?: () => void;
}

export type ExchangeOutcome =
  /** `reply` is absent when the answer could not be read (bad MAC, bad data). */
  | { readonly kind: 'answered'; readonly reply?: OsdpReply; readonly event: LinkEvent; readonly error?: { code: string; message: string } }
  /** BUSY: resend the same bytes, no failure counted. */
  | { readonly kind: 'busy' };

/**
 * What the control panel knows about one reader: link phase, sequence number, secure
 * session, identity, and the commands waiting for it. It builds the next exchange and
 * interprets the reply; it does no I/O and keeps no timers (the control panel does).
 */
export class PdLink {
  phase: LinkPhase = 'identify';
  failures = 0;
  identity: Identity | undefined;
  pending: Exchange | undefined;
  /** Monotonic ms before which this reader is not polled (poll interval, offline probes, back-off). */
  dueAt = 0;
  private sequence = 0;
  private scbk: Uint8Array | undefined;
  private session: SecureSession | undefined;
  private handshake: { keys: SessionKeys; cpRandom: Uint8Array; pdRandom?: Uint8Array; installing: boolean } | undefined;
  private readonly queue: { command: OsdpCommand; done: () => void }[] = [];

  constructor(
    readonly config: PdLinkConfig,
    private readonly random: (n: number) => Uint8Array,
    private readonly onKeyInstalled: (key: Uint8Array) => void,
  ) {
    this.scbk = config.scbk?.slice();
  }

  get address(): number {
    return this.config.address;
  }

  get secureChannelActive(): boolean {
    return this.session !== undefined;
  }

  private get secure(): boolean {
    return this.config.secureChannel ?? (this.config.scbk !== undefined || this.config.installKey !== undefined);
  }

  /** Queues a command for the online phase (LED, buzzer, text, output); `done` runs once it was answered or dropped. */
  enqueue(command: OsdpCommand, done: () => void): void {
    if (this.phase !== 'online') return done();
    this.queue.push({ command, done });
  }

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** Builds the next exchange for this reader (the pending one when a retry is due). */
  nextExchange(): Exchange | undefined {
    if (this.pending) return this.pending;
    if (this.phase === 'sc-failed') return undefined;
    if (this.phase === 'identify' || this.phase === 'offline') this.reset();
    const queued = this.phase === 'online' ? this.queue.shift() : undefined;
    const command = queued?.command ?? this.phaseCommand();
    this.pending = { command, sequence: this.sequence, bytes: this.encode(command), ...(queued ? { done: queued.done } : {}) };
    return this.pending;
  }

  /** Interprets a reply to `exchange`, the pending one. */
  onReply(exchange: Exchange, p: DecodedPacket): ExchangeOutcome {
    let code = p.code;
    let data = p.data;
    const block = p.securityBlock?.type;
    if (this.session) {
      if (block === undefined) {
        // Only BUSY and NAK may come in clear on an established channel; a NAK means the reader lost it.
        const plain = decodeReply(p.code, p.data);
        if (plain.ok && plain.value.kind === 'busy') return { kind: 'busy' };
        if (plain.ok && plain.value.kind === 'nak') {
          return this.finish(plain.value, 'sc-broken', `OSDP_NAK_${plain.value.reason}`, `reader refused ${exchange.command.kind} in clear (NAK ${plain.value.reason})`);
        }
        return this.finish(undefined, 'sc-broken', 'OSDP_SC_NOT_ACTIVE', 'the reader answered in clear on a secure channel');
      }
      const opened = this.session.open(p);
      if (!opened.ok) return this.finish(undefined, 'sc-broken', opened.error.code, opened.error.message);
      ({ code, data } = opened.value);
    }
    const decoded = decodeReply(code, data);
    if (!decoded.ok) return this.finish(undefined, 'refused', decoded.error.code, decoded.error.message);
    const reply = decoded.value;
    if (reply.kind === 'busy') return { kind: 'busy' };
    return this.interpret(exchange.command, reply);
  }

  /** The pending exchange got no valid answer; it stays pending (a retry resends the same bytes) unless the reader is now offline. */
  onNoReply(offlineAfter: number): LinkEvent | undefined {
    this.failures++;
    if (this.phase === 'offline') {
      this.dropPending();
      return undefined;
    }
    if (this.failures >= offlineAfter) {
      this.dropPending();
      return 'offline';
    }
    return undefined;
  }

  /** Applies a link event; returns the phase left and entered. */
  apply(event: LinkEvent): { from: LinkPhase; to: LinkPhase } {
    const from = this.phase;
    this.phase = nextPhase(from, event, { secure: this.secure, mustInstallKey: this.scbk === undefined && this.config.installKey !== undefined });
    if (this.phase === 'offline' || this.phase === 'sc-failed' || this.phase === 'identify' || this.phase === 'challenge') {
      this.session = undefined;
      this.handshake = undefined;
      this.dropPending();
      for (const q of this.queue.splice(0)) q.done();
    }
    return { from, to: this.phase };
  }

  private interpret(command: OsdpCommand, reply: OsdpReply): ExchangeOutcome {
    if (reply.kind === 'nak') {
      // A reader that refuses SCBK-D may already hold the key we meant to install (the box
      // restarted before it stored it): the next set-up tries that key.
      if (command.kind === 'chlng' && this.handshake?.installing && this.config.installKey) this.scbk = this.config.installKey.slice();
      const scRelated = reply.reason === 5 || reply.reason === 6;
      const event: LinkEvent = scRelated && (this.session !== undefined || this.phase === 'install-key') ? 'sc-broken' : 'refused';
      return this.finish(reply, event, `OSDP_NAK_${reply.reason}`, `reader refused ${command.kind} (NAK ${reply.reason})`);
    }
    switch (command.kind) {
      case 'id':
        if (reply.kind !== 'pdid') return this.finish(reply, 'refused');
        this.identity = { vendor: Array.from(reply.vendor, (b) => b.toString(16).padStart(2, '0')).join(''), model: reply.model, serial: reply.serial, firmware: reply.firmware };
        return this.finish(reply, 'ok');
      case 'chlng': return this.checkChallenge(reply);
      case 'scrypt': return this.checkCrypt(reply);
      case 'keyset':
        if (reply.kind !== 'ack' || !this.config.installKey) return this.finish(reply, 'refused');
        this.scbk = this.config.installKey.slice();
        this.onKeyInstalled(this.scbk.slice());
        return this.finish(reply, 'ok');
      default: return this.finish(reply, 'ok');
    }
  }

  private checkChallenge(reply: OsdpReply): ExchangeOutcome {
    const h = this.handshake;
    if (reply.kind !== 'ccrypt' || !h) return this.finish(reply, 'refused');
    if (!sameBytes(reply.pdCryptogram, pdCryptogram(h.keys, h.cpRandom, reply.pdRandom))) {
      return this.finish(reply, 'sc-broken', 'OSDP_SC_BAD_CRYPTOGRAM', 'the reader does not hold the expected key');
    }
    this.handshake = { ...h, pdRandom: reply.pdRandom };
    return this.finish(reply, 'ok');
  }

  private checkCrypt(reply: OsdpReply): ExchangeOutcome {
    const h = this.handshake;
    if (reply.kind !== 'rmac_i' || !h?.pdRandom) return this.finish(reply, 'refused');
    const expected = initialRmac(h.keys, cpCryptogram(h.keys, h.cpRandom, h.pdRandom));
    if (!sameBytes(expected, reply.rmacI)) return this.finish(reply, 'sc-broken', 'OSDP_SC_BAD_CRYPTOGRAM', 'initial R-MAC mismatch');
    this.session = new SecureSession(h.keys, expected, 'cp');
    this.handshake = undefined;
    return this.finish(reply, 'ok');
  }

  private finish(reply: OsdpReply | undefined, event: LinkEvent, code?: string, message?: string): ExchangeOutcome {
    const done = this.pending?.done;
    this.pending = undefined;
    this.failures = 0;
    this.sequence = this.sequence >= 3 ? 1 : this.sequence + 1;
    done?.();
    return { kind: 'answered', event, ...(reply ? { reply } : {}), ...(code ? { error: { code, message: message ?? code } } : {}) };
  }

  private dropPending(): void {
    const done = this.pending?.done;
    this.pending = undefined;
    done?.();
  }

  private reset(): void {
    this.sequence = 0;
    this.session = undefined;
    this.handshake = undefined;
  }

  private phaseCommand(): OsdpCommand {
    switch (this.phase) {
      case 'identify':
      case 'offline': return { kind: 'id' };
      case 'capabilities': return { kind: 'cap' };
      case 'challenge': {
        const installing = this.scbk === undefined;
        const cpRandom = this.random(8);
        this.handshake = { keys: deriveSessionKeys(this.scbk ?? SCBK_D, cpRandom), cpRandom, installing };
        return { kind: 'chlng', cpRandom };
      }
      case 'crypt': {
        const h = this.handshake;
        return { kind: 'scrypt', cpCryptogram: h?.pdRandom ? cpCryptogram(h.keys, h.cpRandom, h.pdRandom) : new Uint8Array(16) };
      }
      case 'install-key': return { kind: 'keyset', keyType: 1, key: this.config.installKey ?? new Uint8Array(16) };
      case 'online':
      case 'sc-failed': return { kind: 'poll' };
    }
  }

  private encode(command: OsdpCommand): Uint8Array {
    const { code, data } = encodeCommand(command);
    if (this.session) return this.session.seal({ address: this.address, sequence: this.sequence, code, data });
    const selector = this.handshake?.installing ? 0 : 1;
    const securityBlock = command.kind === 'chlng' ? { type: SCS.CHLNG, data: Uint8Array.of(selector) } : command.kind === 'scrypt' ? { type: SCS.SCRYPT, data: Uint8Array.of(selector) } : undefined;
    return encodePacket({ address: this.address, reply: false, sequence: this.sequence, useCrc: true, ...(securityBlock ? { securityBlock } : {}), code, data }, { mark: true });
  }
}

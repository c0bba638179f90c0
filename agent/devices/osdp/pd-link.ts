import { decodeReply, encodeCommand, encodePacket, NAK, SCS, type DecodedPacket, type OsdpCommand, type OsdpReply, type SecureSession } from '../../../protocol/osdp/index.ts';
import { nakCode, OsdpReaderError, type OsdpReaderErrorCode } from './errors.ts';
import { isWaiting, nextPhase, type LinkEvent, type LinkPhase } from './link-phase.ts';
import { checkCcrypt, checkRmacI, keySelector, scryptCryptogram, startHandshake, type Handshake } from './sc-setup.ts';

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
  /** The IEEE OUI as six hex digits, most significant first (0x00C0FFEE is "c0ffee"). */
  readonly vendor: string;
  readonly model: number;
  readonly serial: number;
  readonly firmware: string;
}

/** Called once a queued command was answered (no error), refused, or dropped. */
export type Done = (error?: OsdpReaderError) => void;

/** One command on the wire: its exact bytes are kept so that a retry resends them unchanged. */
export interface Exchange {
  readonly command: OsdpCommand;
  readonly sequence: number;
  readonly bytes: Uint8Array;
  /** Set for a queued (feedback) command. */
  readonly done?: Done;
}

/** Why a secure channel set-up failed, as the reader status shows it. */
export type SetupFailure = 'key-mismatch' | 'sc-unsupported';

export type ExchangeOutcome =
  /** `reply` is absent when the answer could not be read (bad MAC, bad data). */
  | { readonly kind: 'answered'; readonly reply?: OsdpReply; readonly event: LinkEvent; readonly error?: { code: OsdpReaderErrorCode; message: string } }
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
  /** A command was answered since the link entered the online phase (the reader takes clear or secured commands). */
  confirmed = false;
  /** Why the last secure channel set-up failed (meaningful in phase sc-failed). */
  setupFailure: SetupFailure | undefined;
  private sequence = 0;
  private scbk: Uint8Array | undefined;
  private session: SecureSession | undefined;
  private handshake: Handshake | undefined;
  /** The reader turned out to hold the install key already: announce it once the channel is up. */
  private adoptedInstallKey = false;
  private readonly queue: { command: OsdpCommand; done: Done }[] = [];

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

  /** Queues a command for the online phase (LED, buzzer, text, output); returns the refusal when the reader cannot take it now. */
  enqueue(command: OsdpCommand, done: Done): OsdpReaderError | undefined {
    if (this.phase !== 'online') return this.unavailable();
    this.queue.push({ command, done });
    return undefined;
  }

  /** Fails every queued and pending command with `error` (the bus stops). */
  drain(error: OsdpReaderError): void {
    this.dropPending(error);
    for (const q of this.queue.splice(0)) q.done(error);
  }

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** Builds the next exchange for this reader (the pending one when a retry is due). */
  nextExchange(): Exchange | undefined {
    if (this.pending) return this.pending;
    if (isWaiting(this.phase)) return undefined;
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
    if (this.session) {
      if (p.securityBlock === undefined) {
        // Only BUSY and NAK may come in clear on an established channel; a NAK means the reader lost it.
        const plain = decodeReply(p.code, p.data);
        if (plain.ok && plain.value.kind === 'busy') return { kind: 'busy' };
        if (plain.ok && plain.value.kind === 'nak') {
          return this.finish(plain.value, 'sc-broken', nakCode(plain.value.reason), `reader refused ${exchange.command.kind} in clear (NAK ${plain.value.reason}): it lost the secure channel`);
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
    const keyByte = p.securityBlock?.type === SCS.CCRYPT ? p.securityBlock.data[0] : undefined;
    return this.interpret(exchange.command, reply, keyByte);
  }

  /** The pending exchange got no valid answer; it stays pending (a retry resends the same bytes) unless the reader is now offline. */
  onNoReply(offlineAfter: number): LinkEvent | undefined {
    this.failures++;
    if (this.phase === 'offline') {
      this.dropPending();
      return undefined;
    }
    if (this.failures >= offlineAfter) {
      this.dropPending(this.offlineError());
      return 'offline';
    }
    return undefined;
  }

  /** Applies a link event; returns the phase left and entered. */
  apply(event: LinkEvent): { from: LinkPhase; to: LinkPhase } {
    const from = this.phase;
    this.phase = nextPhase(from, event, { secure: this.secure, mustInstallKey: this.scbk === undefined && this.config.installKey !== undefined });
    if (this.phase !== 'online') this.confirmed = false;
    else this.setupFailure = undefined;
    if (this.phase === 'offline' || isWaiting(this.phase) || this.phase === 'identify' || this.phase === 'challenge') {
      this.session = undefined;
      this.handshake = undefined;
      const error = this.unavailable();
      this.dropPending(error);
      for (const q of this.queue.splice(0)) q.done(error);
    }
    return { from, to: this.phase };
  }

  private offlineError(): OsdpReaderError {
    return new OsdpReaderError('OSDP_READER_OFFLINE', `reader at address ${this.address} is offline`);
  }

  private unavailable(): OsdpReaderError {
    return this.phase === 'offline'
      ? this.offlineError()
      : new OsdpReaderError('OSDP_READER_NOT_READY', `reader at address ${this.address} is not ready for commands (${this.phase})`);
  }

  private interpret(command: OsdpCommand, reply: OsdpReply, keyByte: number | undefined): ExchangeOutcome {
    if (reply.kind === 'nak') return this.refusal(command, reply);
    switch (command.kind) {
      case 'id':
        if (reply.kind !== 'pdid') return this.unexpected(command, reply);
        this.identity = { vendor: reply.vendorCode.toString(16).padStart(6, '0'), model: reply.model, serial: reply.serial, firmware: reply.firmware };
        return this.finish(reply, 'ok');
      case 'chlng': return this.checkChallenge(reply, keyByte);
      case 'scrypt': return this.checkCrypt(reply);
      case 'keyset':
        if (reply.kind !== 'ack' || !this.config.installKey) return this.unexpected(command, reply);
        this.scbk = this.config.installKey.slice();
        this.onKeyInstalled(this.scbk.slice());
        return this.finish(reply, 'ok');
      default: return this.finish(reply, 'ok');
    }
  }

  private refusal(command: OsdpCommand, nak: Extract<OsdpReply, { kind: 'nak' }>): ExchangeOutcome {
    const reason = nak.reason;
    if (command.kind === 'chlng') {
      if (reason === NAK.SC_UNSUPPORTED || reason === NAK.UNKNOWN_COMMAND) return this.setupFailed('sc-unsupported', nak, 'OSDP_SC_UNSUPPORTED', `the reader has no secure channel (NAK ${reason} to CHLNG), but a key is configured for it`);
      // A reader that refuses SCBK-D may already hold the key we meant to install (the box
      // restarted before it stored it): challenge again with that key.
      if (this.handshake?.installing && this.config.installKey) {
        this.scbk = this.config.installKey.slice();
        this.adoptedInstallKey = true;
        return this.finish(nak, 'retry-key');
      }
      return this.setupFailed('key-mismatch', nak, 'OSDP_SC_KEY_MISMATCH', `the reader refused a secure channel with ${this.handshake?.installing ? 'the default key SCBK-D' : 'the configured key'} (NAK ${reason})`);
    }
    if (reason === NAK.SC_CONDITIONS && this.phase === 'online' && !this.session && !this.secure) {
      return this.finish(nak, 'sc-required', 'OSDP_SC_REQUIRED', `the reader requires the secure channel (NAK 6 to ${command.kind} in clear), and no key is configured for it`);
    }
    const scRelated = reason === NAK.SC_UNSUPPORTED || reason === NAK.SC_CONDITIONS;
    const event: LinkEvent = scRelated && (this.session !== undefined || this.phase === 'install-key') ? 'sc-broken' : 'refused';
    return this.finish(nak, event, nakCode(reason), `reader refused ${command.kind} (NAK ${reason})`);
  }

  private unexpected(command: OsdpCommand, reply: OsdpReply): ExchangeOutcome {
    return this.finish(reply, 'refused', 'OSDP_UNEXPECTED_REPLY', `reader answered ${command.kind} with ${reply.kind}`);
  }

  private setupFailed(failure: SetupFailure, reply: OsdpReply | undefined, code: OsdpReaderErrorCode, message: string): ExchangeOutcome {
    this.setupFailure = failure;
    return this.finish(reply, 'refused', code, message);
  }

  private checkChallenge(reply: OsdpReply, keyByte: number | undefined): ExchangeOutcome {
    const h = this.handshake;
    if (reply.kind !== 'ccrypt' || !h) return this.setupFailed('sc-unsupported', reply, 'OSDP_UNEXPECTED_REPLY', `reader answered CHLNG with ${reply.kind}`);
    const checked = checkCcrypt(h, reply, keyByte, this.config.installKey);
    if (!checked.ok) return this.setupFailed('key-mismatch', reply, checked.code, checked.message);
    this.handshake = checked.value.handshake;
    if (checked.value.adopted && this.config.installKey) {
      this.scbk = this.config.installKey.slice();
      this.adoptedInstallKey = true;
    }
    return this.finish(reply, 'ok');
  }

  private checkCrypt(reply: OsdpReply): ExchangeOutcome {
    const h = this.handshake;
    if (reply.kind !== 'rmac_i' || !h) return this.setupFailed('sc-unsupported', reply, 'OSDP_UNEXPECTED_REPLY', `reader answered SCRYPT with ${reply.kind}`);
    const checked = checkRmacI(h, reply.rmacI);
    if (!checked.ok) return this.setupFailed('key-mismatch', reply, checked.code, checked.message);
    this.session = checked.value;
    this.handshake = undefined;
    if (this.adoptedInstallKey && this.scbk) this.onKeyInstalled(this.scbk.slice());
    this.adoptedInstallKey = false;
    return this.finish(reply, 'ok');
  }

  private finish(reply: OsdpReply | undefined, event: LinkEvent, code?: OsdpReaderErrorCode, message?: string): ExchangeOutcome {
    const done = this.pending?.done;
    this.pending = undefined;
    this.failures = 0;
    this.sequence = this.sequence >= 3 ? 1 : this.sequence + 1;
    if (event === 'ok' && this.phase === 'online') this.confirmed = true;
    done?.(code ? new OsdpReaderError(code, message ?? code) : undefined);
    return { kind: 'answered', event, ...(reply ? { reply } : {}), ...(code ? { error: { code, message: message ?? code } } : {}) };
  }

  private dropPending(error?: OsdpReaderError): void {
    const done = this.pending?.done;
    this.pending = undefined;
    done?.(error ?? this.unavailable());
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
        const cpRandom = this.random(8);
        this.handshake = startHandshake(this.scbk, cpRandom);
        return { kind: 'chlng', cpRandom };
      }
      case 'crypt': return { kind: 'scrypt', cpCryptogram: scryptCryptogram(this.handshake) };
      case 'install-key': return { kind: 'keyset', keyType: 1, key: this.config.installKey ?? new Uint8Array(16) };
      case 'online':
      case 'sc-failed':
      case 'sc-required': return { kind: 'poll' };
    }
  }

  private encode(command: OsdpCommand): Uint8Array {
    const { code, data } = encodeCommand(command);
    if (this.session) return this.session.seal({ address: this.address, sequence: this.sequence, code, data });
    const selector = Uint8Array.of(keySelector(this.handshake));
    const securityBlock = command.kind === 'chlng' ? { type: SCS.CHLNG, data: selector } : command.kind === 'scrypt' ? { type: SCS.SCRYPT, data: selector } : undefined;
    return encodePacket({ address: this.address, reply: false, sequence: this.sequence, useCrc: true, ...(securityBlock ? { securityBlock } : {}), code, data }, { mark: true });
  }
}

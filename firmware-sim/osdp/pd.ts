import { randomBytes } from 'node:crypto';
import { encodeWiegand, type WiegandFormat } from '../../protocol/access/wiegand.ts';
import {
  cpCryptogram, decodeCommand, deriveSessionKeys, encodePacket, encodeReply, initialRmac, KEYPAD_KEY, NAK, pdCryptogram, sameBytes, SCBK_D, SCS, SecureSession,
  type DecodedPacket, type LedRecord, type OsdpCommand, type OsdpReply, type SessionKeys,
} from '../../protocol/osdp/index.ts';

/**
 * How a reader behaves where readers in the field differ. The default follows OSDP v2.2;
 * the other values are what some readers do, and the CP must cope with them too.
 */
export interface PdBehaviour {
  /** How osdp_KEYPAD carries '*' and '#': 'spec' 0x7F and 0x0D, or 'ascii' 0x2A and 0x23. */
  readonly keypad: 'spec' | 'ascii';
  /** Asked for SCBK-D while it holds its own key: 'own-key' answers CCRYPT with that key (key byte 0x01), 'nak' refuses (NAK 6). */
  readonly scbkdRequest: 'own-key' | 'nak';
  /** Refuses every clear-text command but ID, CAP, CHLNG and SCRYPT with NAK 6 (a reader set to require the secure channel). */
  readonly secureOnly: boolean;
  /** osdp_BUSY carries sequence number 0 ('zero'), or the command's ('command'). */
  readonly busySequence: 'zero' | 'command';
}

export const SPEC_BEHAVIOUR: PdBehaviour = { keypad: 'spec', scbkdRequest: 'own-key', secureOnly: false, busySequence: 'zero' };

/** Named behaviours for the CLI and tests: the spec's, a reader that requires the secure channel, and one with every lenient habit seen in the field. */
export const PD_PROFILES = {
  spec: SPEC_BEHAVIOUR,
  'secure-only': { ...SPEC_BEHAVIOUR, secureOnly: true },
  lenient: { keypad: 'ascii', scbkdRequest: 'nak', secureOnly: false, busySequence: 'command' },
} satisfies Record<string, PdBehaviour>;

export type PdProfileName = keyof typeof PD_PROFILES;

export interface SimulatedPdOptions {
  readonly address: number;
  /** The reader's own SCBK. Without one the reader is in install mode and accepts SCBK-D. */
  readonly scbk?: Uint8Array;
  /** Default: the spec's (SPEC_BEHAVIOUR); fields given here override it. */
  readonly behaviour?: Partial<PdBehaviour>;
  /** IEEE OUI (sent least significant byte first). */
  readonly vendorCode?: number;
  readonly model?: number;
  readonly version?: number;
  readonly serial?: number;
  readonly firmware?: string;
  /** The PD random of the handshake (tests pin it; default crypto random). */
  readonly random?: () => Uint8Array;
  /** Monotonic milliseconds, for the 8 s link timeout (default performance.now). */
  readonly now?: () => number;
}

/** A reader drops its secure channel when the CP has been quiet this long (SIA OSDP 2.2, 5.7). */
export const PD_LINK_TIMEOUT_MS = 8000;

export interface LedState {
  readonly permanentColour: number;
  /** The running temporary (e.g. flash) setting, as last commanded. */
  readonly temporary?: { readonly onColour: number; readonly offColour: number; readonly onTime: number; readonly offTime: number; readonly timer: number };
}

export type BuzzerCommand = Extract<OsdpCommand, { kind: 'buz' }>;

/**
 * A simulated OSDP reader (PD): answers the CP's commands as a real reader does
 * (sequence handling and resend, secure channel with install mode and KEYSET, card and
 * keypad events queued for the next POLL) and records what the CP made it show.
 * The script methods make it misbehave on purpose.
 */
export class SimulatedPd {
  readonly address: number;
  readonly leds = new Map<number, LedState>();
  readonly buzzerLog: BuzzerCommand[] = [];
  readonly textLog: string[] = [];
  readonly commandLog: OsdpCommand['kind'][] = [];
  readonly behaviour: PdBehaviour;
  private scbk: Uint8Array | undefined;
  private session: SecureSession | undefined;
  private handshake: { keys: SessionKeys; cpRandom: Uint8Array; pdRandom: Uint8Array; keyByte: number } | undefined;
  private events: OsdpReply[] = [];
  private last: { sequence: number; reply: Uint8Array } | undefined;
  private silent = false;
  private corruptReplies = 0;
  private busyReplies = 0;
  private lastCommandAt: number | undefined;
  private tamper = false;
  private powerFailure = false;

  constructor(private readonly options: SimulatedPdOptions) {
    this.address = options.address;
    this.scbk = options.scbk?.slice();
    this.behaviour = { ...SPEC_BEHAVIOUR, ...options.behaviour };
  }

  get secureChannelActive(): boolean {
    return this.session !== undefined;
  }

  get installMode(): boolean {
    return this.scbk === undefined;
  }

  /** The SCBK this reader holds now (after a KEYSET), for tests. */
  get currentScbk(): Uint8Array | undefined {
    return this.scbk?.slice();
  }

  presentCard(facility: number, card: number, format: WiegandFormat = 'wiegand26'): void {
    const w = encodeWiegand(format, facility, card);
    this.presentRaw(w.data, w.bitCount, 1);
  }

  presentRaw(data: Uint8Array, bitCount: number, format = 1): void {
    this.events.push({ kind: 'raw', reader: 0, format, bitCount, data: data.slice() });
  }

  /** Types keys as a person would ('*' clears, '#' ends); they go out in the behaviour's encoding. */
  typePin(keys: string): void {
    const wire = this.behaviour.keypad === 'spec' ? keys.replaceAll('*', String.fromCharCode(KEYPAD_KEY.STAR)).replaceAll('#', String.fromCharCode(KEYPAD_KEY.POUND)) : keys;
    this.events.push({ kind: 'keypad', reader: 0, keys: wire });
  }

  /** Opens or closes the tamper switch; the change is reported (LSTATR) at the next POLL. */
  setTamper(on: boolean): void {
    this.tamper = on;
    this.events.push({ kind: 'lstatr', tamper: this.tamper, power: this.powerFailure });
  }

  /** While silent the reader answers nothing (unplugged, powered off). */
  goSilent(on: boolean): void {
    this.silent = on;
  }

  /** The next `count` replies go out with one byte flipped (the CRC check fails on the CP). */
  corruptNextReplies(count: number): void {
    this.corruptReplies = count;
  }

  answerBusy(count: number): void {
    this.busyReplies = count;
  }

  /** Forgets the session (reader reboot): the next secured command is refused. */
  dropSecureChannel(): void {
    this.session = undefined;
    this.handshake = undefined;
  }

  /** Handles one packet addressed to this reader; returns the bytes to send back, if any. */
  handle(p: DecodedPacket): Uint8Array | undefined {
    if (this.silent) return undefined;
    const now = (this.options.now ?? (() => performance.now()))();
    if (this.lastCommandAt !== undefined && now - this.lastCommandAt > PD_LINK_TIMEOUT_MS) this.dropSecureChannel();
    this.lastCommandAt = now;
    if (p.sequence === 0) {
      this.session = undefined;
      this.handshake = undefined;
      this.last = undefined;
    } else if (this.last && this.last.sequence === p.sequence) {
      return this.deliver(this.last.reply);
    }
    const secured = this.session !== undefined && p.securityBlock !== undefined && p.securityBlock.type >= SCS.CMD_MAC;
    const reply = this.answer(p);
    // BUSY goes out in clear and is not kept for a resend: the CP repeats the very same
    // command (same sequence, same MAC), so the MAC chain must not move.
    if (reply.kind === 'busy') {
      const sequence = this.behaviour.busySequence === 'zero' ? 0 : p.sequence;
      return this.deliver(encodePacket({ address: this.address, reply: true, sequence, useCrc: p.useCrc, ...encodeReply(reply) }, { mark: true }));
    }
    const bytes = secured && this.session
      ? this.session.seal({ address: this.address, sequence: p.sequence, ...encodeReply(reply) })
      : encodePacket({ address: this.address, reply: true, sequence: p.sequence, useCrc: p.useCrc, ...this.handshakeBlock(reply), ...encodeReply(reply) }, { mark: true });
    this.last = { sequence: p.sequence, reply: bytes };
    return this.deliver(bytes);
  }

  private deliver(bytes: Uint8Array): Uint8Array {
    if (this.corruptReplies <= 0) return bytes;
    this.corruptReplies--;
    const copy = bytes.slice();
    copy[copy.length - 3] = (copy[copy.length - 3] as number) ^ 0x5a;
    return copy;
  }

  private handshakeBlock(reply: OsdpReply): { securityBlock?: { type: number; data: Uint8Array } } {
    if (reply.kind === 'ccrypt') return { securityBlock: { type: SCS.CCRYPT, data: Uint8Array.of(this.handshake?.keyByte ?? 1) } };
    if (reply.kind === 'rmac_i') return { securityBlock: { type: SCS.RMAC_I, data: Uint8Array.of(1) } };
    return {};
  }

  private answer(p: DecodedPacket): OsdpReply {
    const scb = p.securityBlock;
    let code = p.code;
    let data = p.data;
    if (scb && scb.type >= SCS.CMD_MAC) {
      if (!this.session) return nak(NAK.SC_CONDITIONS);
      const opened = this.session.open(p);
      if (!opened.ok) {
        this.session = undefined;
        return nak(NAK.SC_CONDITIONS);
      }
      ({ code, data } = opened.value);
    } else if (this.session && !scb) {
      return nak(NAK.SC_CONDITIONS);
    }
    const decoded = decodeCommand(code, data);
    if (!decoded.ok) return nak(decoded.error.code === 'OSDP_UNKNOWN_CODE' ? NAK.UNKNOWN_COMMAND : NAK.BAD_LENGTH);
    const command = decoded.value;
    this.commandLog.push(command.kind);
    if (this.behaviour.secureOnly && !this.session && !HANDSHAKE_COMMANDS.has(command.kind)) return nak(NAK.SC_CONDITIONS);
    if (this.busyReplies > 0) {
      this.busyReplies--;
      return { kind: 'busy' };
    }
    switch (command.kind) {
      case 'poll': return this.events.shift() ?? { kind: 'ack' };
      case 'id': return { kind: 'pdid', vendorCode: this.vendorCode, model: this.options.model ?? 1, version: this.options.version ?? 1, serial: this.options.serial ?? 1000 + this.address, firmware: this.options.firmware ?? '1.0.0' };
      case 'cap': return { kind: 'pdcap', capabilities: [{ fn: 4, compliance: 1, count: 1 }, { fn: 8, compliance: 1, count: 1 }, { fn: 9, compliance: 1, count: 0 }] };
      case 'lstat': return { kind: 'lstatr', tamper: this.tamper, power: this.powerFailure };
      case 'istat': return { kind: 'istatr', inputs: [false] };
      case 'ostat': return { kind: 'ostatr', outputs: [false] };
      case 'out': return { kind: 'ack' };
      case 'led': return this.applyLed(command.records);
      case 'buz': this.buzzerLog.push(command); return { kind: 'ack' };
      case 'text': this.textLog.push(command.text); return { kind: 'ack' };
      case 'comset': return { kind: 'com', address: command.address, baudRate: command.baudRate };
      case 'keyset':
        if (!this.session || command.keyType !== 1) return nak(NAK.SC_CONDITIONS);
        this.scbk = command.key.slice();
        return { kind: 'ack' };
      case 'chlng': return this.challenge(scb?.data[0] ?? 0, command.cpRandom);
      case 'scrypt': return this.verifyCp(command.cpCryptogram);
    }
  }

  /** Answers CHLNG with the key asked for (0 SCBK-D, 1 SCBK) when it can; out of install mode, a request for SCBK-D gets its own key or a NAK. */
  private challenge(keySelector: number, cpRandom: Uint8Array): OsdpReply {
    const own = this.scbk && (keySelector === 1 || this.behaviour.scbkdRequest === 'own-key') ? this.scbk : undefined;
    const key = keySelector === 0 && !this.scbk ? SCBK_D : own;
    if (!key) return nak(NAK.SC_CONDITIONS);
    this.session = undefined;
    const pdRandom = this.options.random?.() ?? new Uint8Array(randomBytes(8));
    const keys = deriveSessionKeys(key, cpRandom);
    this.handshake = { keys, cpRandom, pdRandom, keyByte: key === SCBK_D ? 0 : 1 };
    return { kind: 'ccrypt', clientUid: this.clientUid(), pdRandom, pdCryptogram: pdCryptogram(keys, cpRandom, pdRandom) };
  }

  private verifyCp(received: Uint8Array): OsdpReply {
    const h = this.handshake;
    this.handshake = undefined;
    if (!h) return nak(NAK.SC_CONDITIONS);
    const expected = cpCryptogram(h.keys, h.cpRandom, h.pdRandom);
    if (!sameBytes(expected, received)) return nak(NAK.SC_CONDITIONS);
    const rmacI = initialRmac(h.keys, expected);
    this.session = new SecureSession(h.keys, rmacI, 'pd');
    return { kind: 'rmac_i', rmacI };
  }

  private applyLed(records: readonly LedRecord[]): OsdpReply {
    for (const r of records) {
      const before = this.leds.get(r.led) ?? { permanentColour: 0 };
      const permanentColour = r.permanent.control === 1 ? r.permanent.onColour : before.permanentColour;
      const t = r.temporary;
      const temporary = t.control === 2 ? { onColour: t.onColour, offColour: t.offColour, onTime: t.onTime, offTime: t.offTime, timer: t.timer } : t.control === 1 ? undefined : before.temporary;
      this.leds.set(r.led, temporary ? { permanentColour, temporary } : { permanentColour });
    }
    return { kind: 'ack' };
  }

  private get vendorCode(): number {
    return this.options.vendorCode ?? 0x17000a;
  }

  private clientUid(): Uint8Array {
    const serial = this.options.serial ?? 1000 + this.address;
    return Uint8Array.of(this.vendorCode & 0xff, (this.vendorCode >> 8) & 0xff, this.options.model ?? 1, this.options.version ?? 1, serial & 0xff, (serial >> 8) & 0xff, (serial >> 16) & 0xff, (serial >>> 24) & 0xff);
  }
}

/** What a reader requiring the secure channel still answers in clear: discovery and the handshake. */
const HANDSHAKE_COMMANDS = new Set<OsdpCommand['kind']>(['id', 'cap', 'chlng', 'scrypt']);

function nak(reason: number): OsdpReply {
  return { kind: 'nak', reason, detail: new Uint8Array(0) };
}

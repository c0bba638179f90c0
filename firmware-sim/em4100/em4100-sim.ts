import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { encodeEm4100Frame } from '../../protocol/em4100/frame.ts';
import type { SimLink } from '../link.ts';

export interface Em4100Card {
  version: number;
  tag: number;
}

/** How the next frames are spoiled: a wrong checksum, bytes of line noise, or a frame cut short. */
export type Em4100Corruption = 'checksum' | 'noise' | 'truncate';

export interface Em4100SimOptions {
  clock: Clock;
  /** Frame repeat period while a card is in the field (RDM6300: about 65 ms). */
  repeatMs?: number;
}

/**
 * A simulated EM4100 serial module (RDM6300 style): while a card is in the field it sends the
 * 14-byte ASCII frame at once and then every `repeatMs`. Scriptable: present, remove, go silent,
 * corrupt frames, unplug. Attach it to a pty end, a TCP link or a MockTransport's device end.
 */
export class Em4100ReaderSim {
  private card: Em4100Card | undefined;
  private timer: TimerHandle | undefined;
  private silent = false;
  private corrupt: { left: number; how: Em4100Corruption } = { left: 0, how: 'checksum' };
  private readonly repeatMs: number;
  private readonly clock: Clock;
  /** Frames written to the link so far (corrupted ones included). */
  framesSent = 0;

  constructor(
    private readonly link: SimLink & { close?: () => Promise<void> },
    options: Em4100SimOptions,
  ) {
    this.clock = options.clock;
    this.repeatMs = options.repeatMs ?? 65;
  }

  /** Puts a card in the field (replacing any other). */
  present(card: Em4100Card): void {
    this.card = card;
    this.clock.clearInterval(this.timer);
    this.send();
    this.timer = this.clock.setInterval(() => this.send(), this.repeatMs);
  }

  /** Takes the card out of the field: frames stop. */
  remove(): void {
    this.card = undefined;
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A module that stops talking (antenna fault, power loss) while the card may still be there. */
  goSilent(on = true): void {
    this.silent = on;
  }

  /** Spoils the next `count` frames. */
  corruptNext(count: number, how: Em4100Corruption = 'checksum'): void {
    this.corrupt = { left: count, how };
  }

  /** Raw bytes on the line (noise, custom frames). */
  sendRaw(bytes: Uint8Array): void {
    this.link.write(bytes);
  }

  /** Pulls the module's cable: frames stop and the link closes where it can (pty, TCP). */
  async unplug(): Promise<void> {
    this.remove();
    await this.link.close?.();
  }

  private send(): void {
    if (!this.card || this.silent) return;
    const frame = encodeEm4100Frame(this.card);
    this.framesSent++;
    if (this.corrupt.left === 0) return this.link.write(frame);
    this.corrupt.left--;
    if (this.corrupt.how === 'checksum') {
      frame[12] = frame[12] === 0x30 ? 0x31 : 0x30;
      return this.link.write(frame);
    }
    if (this.corrupt.how === 'truncate') return this.link.write(frame.subarray(0, 7));
    this.link.write(Uint8Array.of(0xff, 0x00, 0x55));
  }
}

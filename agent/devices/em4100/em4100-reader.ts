import { decodeEm4100Frame, type Em4100ErrorCode, type Em4100Frame } from '../../../protocol/em4100/frame.ts';
import { ByteReader, type ByteReaderOptions } from '../shared/byte-reader.ts';
import { FrameStream } from '../shared/frame-stream.ts';
import { PresenceDebouncer } from '../shared/presence-debouncer.ts';

export interface Em4100ReaderOptions extends ByteReaderOptions {
  /** A card counts as gone after this long without a frame (modules repeat every ~65 ms). */
  absenceMs?: number;
}

export const EM4100_DEFAULT_ABSENCE_MS = 300;

/** The line settings of these modules, for the serial transport configuration. */
export const EM4100_LINE_SETTINGS = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/**
 * An EM4100 125 kHz serial module (RDM6300 style, 9600 8N1, receive only). Delivers each card
 * once per presentation: again only after no frame of it arrived for `absenceMs`.
 */
export class Em4100Reader extends ByteReader {
  private readonly frames = new FrameStream<Em4100Frame, Em4100ErrorCode>(decodeEm4100Frame);
  private readonly presence: PresenceDebouncer;

  constructor(options: Em4100ReaderOptions) {
    super(options);
    this.presence = new PresenceDebouncer(options.clock, options.absenceMs ?? EM4100_DEFAULT_ABSENCE_MS);
  }

  protected bytes(chunk: Uint8Array, at: number): void {
    for (const out of this.frames.push(chunk)) {
      if (out.kind === 'bad') {
        this.badFrame(out.code, out.message);
        continue;
      }
      this.goodFrame();
      if (!this.presence.seen(out.frame.hex)) continue;
      // The canonical badge number is the 32-bit tag in decimal (protocol/access/credential.ts);
      // the version byte stays in `raw` only.
      this.deliver({ kind: 'badge', number: String(out.frame.tag), raw: out.frame.hex, format: 'em4100' }, at);
    }
    // At 9600 baud a frame takes ~15 ms on the wire: telling the lane at its first bytes lets
    // the turnstile bus be free by the time the last one arrives.
    if (this.frames.buffered > 0) this.frameStarted();
  }

  protected linkUp(): void {
    this.frames.reset();
  }
}

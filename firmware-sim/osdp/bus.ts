import { concatBytes } from '../../protocol/core/index.ts';
import { BROADCAST_ADDRESS, decodePacket } from '../../protocol/osdp/index.ts';
import type { SimLink } from '../link.ts';
import type { SimulatedPd } from './pd.ts';

/**
 * Several simulated readers on one RS-485 line: every reader hears every byte, and the
 * one whose address matches answers (multi-drop). Works over any SimLink: a pty end,
 * a TCP link, or the device end of a MockTransport.
 */
export class SimulatedOsdpBus {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly unsubscribe: () => void;
  /** Packets that failed the framing check, by error code (line noise seen by the readers). */
  readonly framingErrors = new Map<string, number>();

  constructor(
    private readonly link: SimLink,
    readonly readers: readonly SimulatedPd[],
  ) {
    this.unsubscribe = link.onData((chunk) => this.receive(chunk));
  }

  reader(address: number): SimulatedPd {
    const pd = this.readers.find((r) => r.address === address);
    if (!pd) throw new Error(`no simulated reader at address ${address}`);
    return pd;
  }

  detach(): void {
    this.unsubscribe();
  }

  private receive(chunk: Uint8Array): void {
    this.buffer = concatBytes(this.buffer, chunk);
    for (;;) {
      const step = decodePacket(this.buffer);
      if (step.kind === 'need-more') return;
      if (step.kind === 'bad') {
        this.framingErrors.set(step.code, (this.framingErrors.get(step.code) ?? 0) + 1);
        this.buffer = this.buffer.subarray(step.skip);
        continue;
      }
      this.buffer = this.buffer.subarray(step.consumed);
      const p = step.frame;
      if (p.reply) continue;
      for (const pd of this.readers) {
        if (pd.address !== p.address && p.address !== BROADCAST_ADDRESS) continue;
        const reply = pd.handle(p);
        if (reply) this.link.write(reply);
      }
    }
  }
}

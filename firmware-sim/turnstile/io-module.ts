import type { Clock } from '../../platform/clock.ts';
import { decodeRequest, encodeResponse, ExceptionCode, functionCodeOf, RtuStream, type ModbusRequest, type ModbusResponse, type RtuFrame } from '../../protocol/modbus/index.ts';
import type { SimLink } from '../link.ts';

export interface IoModuleOptions {
  readonly unit: number;
  readonly coilCount: number;
  readonly inputCount: number;
  readonly clock: Clock;
  /**
   * Emulates the line: each reply waits for the request and the reply to cross a serial line
   * at this baud rate (11 bits a character, 8N1 plus margin), as a pty has no baud timing.
   */
  readonly lineBaud?: number;
}

/** Faults a test can switch on: the module's side of "the bus is broken". */
export interface IoModuleFaults {
  /** Reads every request and answers none (power loss, cut A/B pair, wrong address). */
  silent: boolean;
  /** Answers every request with this exception code instead of executing it. */
  exception: number | null;
  /** Turnaround before each reply (on top of `lineBaud` line time). A pty has no baud timing, so any delay comes from here. */
  replyDelayMs: number;
}

/**
 * A Modbus RTU relay/input module (server): coils are its relays, discrete inputs its
 * opto-isolated inputs. Answers FC01, FC02, FC05, FC0F, and an exception for anything
 * else or out of range, like the common DIN-rail 8-relay modules.
 */
export class ModbusIoModule {
  readonly faults: IoModuleFaults = { silent: false, exception: null, replyDelayMs: 0 };
  readonly stats = { requests: 0, replies: 0, rejectedBytes: 0 };
  private readonly coils: boolean[];
  private readonly inputs: boolean[];
  private readonly stream = new RtuStream(decodeRequest);
  private readonly coilListeners = new Set<(address: number, on: boolean) => void>();
  private readonly detach: () => void;

  constructor(
    private readonly link: SimLink,
    private readonly options: IoModuleOptions,
  ) {
    this.coils = new Array<boolean>(options.coilCount).fill(false);
    this.inputs = new Array<boolean>(options.inputCount).fill(false);
    this.detach = link.onData((chunk) => this.onData(chunk));
  }

  coil(address: number): boolean {
    return this.coils[address] === true;
  }

  input(address: number): boolean {
    return this.inputs[address] === true;
  }

  /** What the turnstile controller drives into the module's inputs. */
  setInput(address: number, on: boolean): void {
    if (address >= 0 && address < this.inputs.length) this.inputs[address] = on;
  }

  onCoilChange(listener: (address: number, on: boolean) => void): () => void {
    this.coilListeners.add(listener);
    return () => this.coilListeners.delete(listener);
  }

  close(): void {
    this.detach();
  }

  private onData(chunk: Uint8Array): void {
    const { frames, rejected } = this.stream.push(chunk);
    for (const r of rejected) this.stats.rejectedBytes += r.skipped;
    for (const f of frames) {
      if (f.unit !== this.options.unit && f.unit !== 0) continue;
      this.stats.requests++;
      if (this.faults.silent) continue;
      // On an emulated line the request acts once its last byte has crossed it.
      this.later(this.wireMs(requestLength(f.pdu)), () => this.answer(f));
    }
  }

  private answer(f: RtuFrame<ModbusRequest>): void {
    const reply = this.faults.exception !== null ? this.exception(f.pdu, this.faults.exception) : this.execute(f.pdu);
    if (f.unit === 0) return;
    const encoded = encodeResponse(this.options.unit, reply);
    if (!encoded.ok) return;
    this.stats.replies++;
    this.later(this.faults.replyDelayMs + this.wireMs(encoded.value.length), () => this.link.write(encoded.value));
  }

  private wireMs(bytes: number): number {
    return this.options.lineBaud ? (bytes * 11 * 1000) / this.options.lineBaud : 0;
  }

  private later(ms: number, fn: () => void): void {
    if (ms > 0) this.options.clock.setTimeout(fn, ms);
    else fn();
  }

  private exception(pdu: ModbusRequest, exception: number): ModbusResponse {
    return { fn: 'exception', functionCode: pdu.fn === 'illegal' ? pdu.functionCode : functionCodeOf(pdu.fn), exception };
  }

  private execute(pdu: ModbusRequest): ModbusResponse {
    const inRange = (table: boolean[], start: number, n: number): boolean => start + n <= table.length;
    switch (pdu.fn) {
      case 'illegal':
        return this.exception(pdu, pdu.exception);
      case 'read-coils':
      case 'read-discrete-inputs': {
        const table = pdu.fn === 'read-coils' ? this.coils : this.inputs;
        if (!inRange(table, pdu.start, pdu.quantity)) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        const bits = table.slice(pdu.start, pdu.start + pdu.quantity);
        while (bits.length % 8 !== 0) bits.push(false);
        return { fn: pdu.fn, bits };
      }
      case 'write-single-coil':
        if (!inRange(this.coils, pdu.address, 1)) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        this.setCoil(pdu.address, pdu.value);
        return { fn: 'write-single-coil', address: pdu.address, value: pdu.value };
      case 'write-multiple-coils':
        if (!inRange(this.coils, pdu.start, pdu.values.length)) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        pdu.values.forEach((v, i) => this.setCoil(pdu.start + i, v));
        return { fn: 'write-multiple-coils', start: pdu.start, quantity: pdu.values.length };
    }
  }

  private setCoil(address: number, on: boolean): void {
    if (this.coils[address] === on) return;
    this.coils[address] = on;
    for (const l of [...this.coilListeners]) l(address, on);
  }
}

/** Bytes a request took on the wire (for line-time emulation). */
function requestLength(pdu: ModbusRequest): number {
  return pdu.fn === 'write-multiple-coils' ? 9 + Math.ceil(pdu.values.length / 8) : 8;
}

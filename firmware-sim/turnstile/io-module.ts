import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { decodeRequest, encodeResponse, ExceptionCode, functionCodeOf, RtuStream, type ModbusRequest, type ModbusResponse, type RtuFrame } from '../../protocol/modbus/index.ts';
import type { SimLink } from '../link.ts';

export interface IoModuleOptions {
  readonly unit: number;
  readonly coilCount: number;
  readonly inputCount: number;
  /** Holding registers (FC03, FC06, FC10); default 16. */
  readonly registerCount?: number;
  /**
   * The communication watchdog, as relay modules have it: while the register holds a
   * non-zero timeout (value x `unitMs`), every coil drops to off when no valid request
   * for this unit arrives for that long. Absent: a module without one (cheap relay boards).
   */
  readonly watchdog?: { readonly register: number; readonly unitMs: number };
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
 * opto-isolated inputs, holding registers its settings. Answers FC01, FC02, FC03, FC05,
 * FC06, FC0F, FC10, and an exception for anything else or out of range, like the common
 * DIN-rail 8-relay modules; models their communication watchdog (`IoModuleOptions.watchdog`).
 */
export class ModbusIoModule {
  readonly faults: IoModuleFaults = { silent: false, exception: null, replyDelayMs: 0 };
  readonly stats = { requests: 0, replies: 0, rejectedBytes: 0, watchdogTrips: 0 };
  /** Requests received, by function code (what a peer master really sent). */
  readonly functionCounts = new Map<number, number>();
  private readonly coils: boolean[];
  private readonly inputs: boolean[];
  private readonly registers: number[];
  private watchdogTimer: TimerHandle | undefined;
  private readonly tripListeners = new Set<() => void>();
  private readonly stream = new RtuStream(decodeRequest);
  private readonly coilListeners = new Set<(address: number, on: boolean) => void>();
  private readonly inputReadListeners = new Set<() => void>();
  private readonly detach: () => void;

  constructor(
    private readonly link: SimLink,
    private readonly options: IoModuleOptions,
  ) {
    this.coils = new Array<boolean>(options.coilCount).fill(false);
    this.inputs = new Array<boolean>(options.inputCount).fill(false);
    this.registers = new Array<number>(options.registerCount ?? 16).fill(0);
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

  register(address: number): number | undefined {
    return this.registers[address];
  }

  onCoilChange(listener: (address: number, on: boolean) => void): () => void {
    this.coilListeners.add(listener);
    return () => this.coilListeners.delete(listener);
  }

  /** Called once a discrete-input read has been answered, after its values were taken. */
  onInputsRead(listener: () => void): () => void {
    this.inputReadListeners.add(listener);
    return () => this.inputReadListeners.delete(listener);
  }

  /** Called each time the watchdog dropped the outputs. */
  onWatchdogTrip(listener: () => void): () => void {
    this.tripListeners.add(listener);
    return () => this.tripListeners.delete(listener);
  }

  /** The watchdog timeout in force, in ms (0: not armed). */
  get watchdogMs(): number {
    const w = this.options.watchdog;
    return w ? (this.registers[w.register] ?? 0) * w.unitMs : 0;
  }

  close(): void {
    this.detach();
    this.options.clock.clearTimeout(this.watchdogTimer);
  }

  private onData(chunk: Uint8Array): void {
    const { frames, rejected } = this.stream.push(chunk);
    for (const r of rejected) this.stats.rejectedBytes += r.skipped;
    for (const f of frames) {
      if (f.unit !== this.options.unit && f.unit !== 0) continue;
      this.stats.requests++;
      const fc = f.pdu.fn === 'illegal' ? f.pdu.functionCode : functionCodeOf(f.pdu.fn);
      this.functionCounts.set(fc, (this.functionCounts.get(fc) ?? 0) + 1);
      // Any valid request addressed to it feeds the watchdog, answered or not.
      this.feedWatchdog();
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
        if (pdu.fn === 'read-discrete-inputs') for (const l of [...this.inputReadListeners]) l();
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
      case 'read-holding-registers':
        if (pdu.start + pdu.quantity > this.registers.length) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        return { fn: 'read-holding-registers', values: this.registers.slice(pdu.start, pdu.start + pdu.quantity) };
      case 'write-single-register':
        if (pdu.address >= this.registers.length) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        this.setRegister(pdu.address, pdu.value);
        return { fn: 'write-single-register', address: pdu.address, value: pdu.value };
      case 'write-multiple-registers':
        if (pdu.start + pdu.values.length > this.registers.length) return this.exception(pdu, ExceptionCode.IllegalDataAddress);
        pdu.values.forEach((v, i) => this.setRegister(pdu.start + i, v));
        return { fn: 'write-multiple-registers', start: pdu.start, quantity: pdu.values.length };
    }
  }

  private setRegister(address: number, value: number): void {
    this.registers[address] = value;
    if (address === this.options.watchdog?.register) this.feedWatchdog();
  }

  /** Restarts the watchdog's count: the outputs drop when it runs out. */
  private feedWatchdog(): void {
    this.options.clock.clearTimeout(this.watchdogTimer);
    this.watchdogTimer = undefined;
    const ms = this.watchdogMs;
    if (ms > 0) this.watchdogTimer = this.options.clock.setTimeout(() => this.trip(), ms);
  }

  private trip(): void {
    this.watchdogTimer = undefined;
    this.stats.watchdogTrips++;
    this.coils.forEach((_, i) => this.setCoil(i, false));
    for (const l of [...this.tripListeners]) l();
  }

  private setCoil(address: number, on: boolean): void {
    if (this.coils[address] === on) return;
    this.coils[address] = on;
    for (const l of [...this.coilListeners]) l(address, on);
  }
}

/** Bytes a request took on the wire (for line-time emulation). */
function requestLength(pdu: ModbusRequest): number {
  if (pdu.fn === 'write-multiple-coils') return 9 + Math.ceil(pdu.values.length / 8);
  return pdu.fn === 'write-multiple-registers' ? 9 + 2 * pdu.values.length : 8;
}

import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import {
  decodeResponse,
  encodeRequest,
  functionCodeOf,
  RtuStream,
  type ModbusRequest,
  type ModbusResponse,
  type RtuFrame,
} from '../../../protocol/modbus/index.ts';
import type { Transport } from '../../transport/transport.ts';
import { exceptionError, TurnstileError } from './errors.ts';

export interface ModbusMasterOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Per attempt. At 9600 baud a short request and reply take ~16 ms on the wire; the rest is the module's turnaround. */
  readonly timeoutMs: number;
  /** Extra attempts after a timeout or a garbled reply (never after an exception reply: the module did answer). */
  readonly retries: number;
}

export type Priority = 'command' | 'poll';
type Issued = Exclude<ModbusRequest, { fn: 'illegal' }>;

interface Job {
  readonly unit: number;
  readonly request: Issued;
  readonly priority: Priority;
  readonly resolve: (r: ModbusResponse) => void;
  readonly reject: (e: TurnstileError) => void;
}

export interface ModbusMasterStats {
  requests: number;
  timeouts: number;
  retries: number;
  exceptions: number;
  /** Well-formed replies that did not answer the request waiting (other unit, stale echo). */
  ignoredReplies: number;
  rejectedBytes: number;
}

/**
 * A Modbus RTU master over a Transport: one request on the bus at a time (RS-485 is half
 * duplex and a server answers only the request it just read), a queue in which commands
 * overtake polls, a timeout per attempt, retries, and exception replies turned into coded
 * errors. It knows nothing about turnstiles.
 */
export class ModbusMaster {
  readonly stats: ModbusMasterStats = { requests: 0, timeouts: 0, retries: 0, exceptions: 0, ignoredReplies: 0, rejectedBytes: 0 };
  private readonly queue: Job[] = [];
  private readonly stream = new RtuStream(decodeResponse);
  private busy = false;
  private stopped = false;
  private waiting: ((frame: RtuFrame<ModbusResponse> | TurnstileError) => void) | undefined;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly transport: Transport,
    private readonly options: ModbusMasterOptions,
  ) {
    this.unsubscribe = [
      transport.on('data', (chunk) => this.onData(chunk)),
      transport.on('close', (reason) => this.waiting?.(new TurnstileError('MODBUS_LINK_DOWN', `${transport.description} closed${reason ? `: ${reason.message}` : ''}`))),
    ];
  }

  async readCoils(unit: number, start: number, quantity: number, priority: Priority = 'poll'): Promise<boolean[]> {
    const r = await this.execute(unit, { fn: 'read-coils', start, quantity }, priority);
    return this.bitsOf(r, 'read-coils', quantity);
  }

  async readDiscreteInputs(unit: number, start: number, quantity: number, priority: Priority = 'poll'): Promise<boolean[]> {
    const r = await this.execute(unit, { fn: 'read-discrete-inputs', start, quantity }, priority);
    return this.bitsOf(r, 'read-discrete-inputs', quantity);
  }

  async writeSingleCoil(unit: number, address: number, value: boolean, priority: Priority = 'command'): Promise<void> {
    await this.execute(unit, { fn: 'write-single-coil', address, value }, priority);
  }

  async writeMultipleCoils(unit: number, start: number, values: readonly boolean[], priority: Priority = 'command'): Promise<void> {
    await this.execute(unit, { fn: 'write-multiple-coils', start, values }, priority);
  }

  async readHoldingRegisters(unit: number, start: number, quantity: number, priority: Priority = 'poll'): Promise<number[]> {
    const r = await this.execute(unit, { fn: 'read-holding-registers', start, quantity }, priority);
    if (r.fn !== 'read-holding-registers') throw new TurnstileError('MODBUS_BAD_REPLY', `read-holding-registers was answered by ${r.fn}`);
    return [...r.values];
  }

  async writeSingleRegister(unit: number, address: number, value: number, priority: Priority = 'command'): Promise<void> {
    await this.execute(unit, { fn: 'write-single-register', address, value }, priority);
  }

  async writeMultipleRegisters(unit: number, start: number, values: readonly number[], priority: Priority = 'command'): Promise<void> {
    await this.execute(unit, { fn: 'write-multiple-registers', start, values }, priority);
  }

  get isDisposed(): boolean {
    return this.stopped;
  }

  /** Rejects everything queued or running with MODBUS_STOPPED and detaches from the transport. */
  dispose(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    this.waiting?.(new TurnstileError('MODBUS_STOPPED', 'the Modbus master was stopped'));
    for (const job of this.queue.splice(0)) job.reject(new TurnstileError('MODBUS_STOPPED', 'the Modbus master was stopped'));
  }

  private execute(unit: number, request: Issued, priority: Priority): Promise<ModbusResponse> {
    if (this.stopped) return Promise.reject(new TurnstileError('MODBUS_STOPPED', 'the Modbus master was stopped'));
    return new Promise((resolve, reject) => {
      const job: Job = { unit, request, priority, resolve, reject };
      const at = priority === 'command' ? this.queue.findIndex((j) => j.priority === 'poll') : -1;
      if (at === -1) this.queue.push(job);
      else this.queue.splice(at, 0, job);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          job.resolve(await this.transact(job));
        } catch (e) {
          job.reject(e instanceof TurnstileError ? e : new TurnstileError('MODBUS_LINK_DOWN', (e as Error).message));
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async transact(job: Job): Promise<ModbusResponse> {
    const encoded = encodeRequest(job.unit, job.request);
    if (!encoded.ok) throw new TurnstileError('MODBUS_BAD_REQUEST', encoded.error.message);
    const fc = functionCodeOf(job.request.fn);
    this.stats.requests++;
    const attempts = this.options.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stopped) throw new TurnstileError('MODBUS_STOPPED', 'the Modbus master was stopped');
      if (attempt > 1) this.stats.retries++;
      // Half duplex: whatever is buffered now arrived before this request and cannot answer it.
      this.stream.clear();
      const { reply, cancel } = this.awaitReply(job.unit, fc, (pdu) => answers(job.request, pdu));
      try {
        await this.transport.write(encoded.value);
      } catch (e) {
        cancel();
        throw new TurnstileError('MODBUS_LINK_DOWN', `${this.transport.description}: ${(e as Error).message}`);
      }
      if (job.unit === 0) {
        cancel();
        return broadcastDone(job.request);
      }
      const outcome = await reply;
      if (outcome instanceof TurnstileError) {
        if (outcome.code !== 'MODBUS_TIMEOUT') throw outcome;
        this.stats.timeouts++;
        this.options.logger.debug({ unit: job.unit, fc, attempt }, 'modbus reply timed out');
        continue;
      }
      if (outcome.pdu.fn === 'exception') {
        this.stats.exceptions++;
        throw exceptionError(outcome.pdu.functionCode, outcome.pdu.exception);
      }
      return outcome.pdu;
    }
    throw new TurnstileError('MODBUS_TIMEOUT', `unit ${job.unit} did not answer function 0x${fc.toString(16).padStart(2, '0')} in ${attempts} attempt(s) of ${this.options.timeoutMs} ms`, { functionCode: fc, attempts });
  }

  private awaitReply(unit: number, fc: number, fits: (pdu: ModbusResponse) => boolean): { readonly reply: Promise<RtuFrame<ModbusResponse> | TurnstileError>; readonly cancel: () => void } {
    let cancel = (): void => undefined;
    const reply = new Promise<RtuFrame<ModbusResponse> | TurnstileError>((resolve) => {
      const settle = (v: RtuFrame<ModbusResponse> | TurnstileError): void => {
        this.options.clock.clearTimeout(timer);
        if (this.waiting === handler) this.waiting = undefined;
        resolve(v);
      };
      const handler = (frame: RtuFrame<ModbusResponse> | TurnstileError): void => {
        if (frame instanceof TurnstileError) return settle(frame);
        const answered = frame.pdu.fn === 'exception' ? frame.pdu.functionCode : functionCodeOf(frame.pdu.fn);
        // Another server's reply, or a late reply to an older request of another shape: keep waiting.
        if (frame.unit === unit && answered === fc && fits(frame.pdu)) settle(frame);
        else this.stats.ignoredReplies++;
      };
      const timer: TimerHandle = this.options.clock.setTimeout(() => settle(new TurnstileError('MODBUS_TIMEOUT', 'no reply')), this.options.timeoutMs);
      this.waiting = handler;
      cancel = () => settle(new TurnstileError('MODBUS_STOPPED', 'cancelled'));
    });
    return { reply, cancel };
  }

  private onData(chunk: Uint8Array): void {
    const { frames, rejected } = this.stream.push(chunk);
    for (const r of rejected) this.stats.rejectedBytes += r.skipped;
    for (const f of frames) this.waiting?.(f);
  }

  /** `answers()` let only a read reply of the right size through; this narrows the type. */
  private bitsOf(r: ModbusResponse, fn: 'read-coils' | 'read-discrete-inputs', quantity: number): boolean[] {
    if (r.fn !== fn) throw new TurnstileError('MODBUS_BAD_REPLY', `${fn} was answered by ${r.fn}`);
    return r.bits.slice(0, quantity);
  }
}

/**
 * RTU has no transaction id: a reply that comes after its timeout can land while the next
 * request waits. Only a reply of the right shape is taken (a write's echo must match, a
 * read must carry the bytes asked for); a late reply to the very same read is accepted,
 * which is harmless (same question, slightly older answer).
 */
function answers(request: Issued, pdu: ModbusResponse): boolean {
  switch (pdu.fn) {
    case 'exception':
      return true;
    case 'read-coils':
    case 'read-discrete-inputs':
      return request.fn === pdu.fn && pdu.bits.length === Math.ceil(request.quantity / 8) * 8;
    case 'write-single-coil':
      return request.fn === 'write-single-coil' && request.address === pdu.address && request.value === pdu.value;
    case 'write-multiple-coils':
      return request.fn === 'write-multiple-coils' && request.start === pdu.start && request.values.length === pdu.quantity;
    case 'read-holding-registers':
      return request.fn === 'read-holding-registers' && pdu.values.length === request.quantity;
    case 'write-single-register':
      return request.fn === 'write-single-register' && request.address === pdu.address && request.value === pdu.value;
    case 'write-multiple-registers':
      return request.fn === 'write-multiple-registers' && request.start === pdu.start && request.values.length === pdu.quantity;
  }
}

/** A broadcast (unit 0) is never answered: what its writes would have echoed. */
function broadcastDone(request: Issued): ModbusResponse {
  switch (request.fn) {
    case 'write-single-coil':
    case 'write-single-register':
      return { ...request };
    case 'write-multiple-coils':
    case 'write-multiple-registers':
      return { fn: request.fn, start: request.start, quantity: request.values.length };
    default:
      throw new TurnstileError('MODBUS_BAD_REQUEST', `${request.fn} cannot be broadcast`);
  }
}
